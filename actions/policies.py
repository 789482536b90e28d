"""Informational answers that state policy figures: every figure comes from the order system.

`GET /v1/policies` (through the one order client, cached) is the single source of fees, the
return window, refund, delivery and deletion times and the payment methods; the texts in
actions/messages.py only have placeholders for them.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BotAction
from actions.clients.orders import OrderApiError, Policies, get_client
from actions.common import latest_intent, money
from actions.messages import say
from catalogue.vocabulary import POLICY_ANSWERS

logger = logging.getLogger(__name__)


def join_list(items: tuple[str, ...], language: str) -> str:
    """'A, B and C' (English) / 'A, B, C' (Korean)."""
    if language == "ko" or len(items) < 2:
        return ", ".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def policy_values(policies: Policies, language: str = "en") -> dict[str, Any]:
    """Every placeholder a policy text may use, formatted."""
    currency = policies.currency
    return {
        "fee": money(policies.cancellation_fee, currency),
        "return_window_days": policies.return_window_days,
        "refund_days": policies.return_refund_days,
        "drop_off_days": policies.drop_off_days,
        "bank_days_min": policies.bank_days[0],
        "bank_days_max": policies.bank_days[1],
        "carrier": policies.carrier,
        "standard_days_min": policies.standard_days[0],
        "standard_days_max": policies.standard_days[1],
        "standard_price": money(policies.standard_price, currency),
        "free_from": money(policies.free_from, currency),
        "express_price": money(policies.express_price, currency),
        "express_order_by": policies.express_order_by,
        "payment_methods": join_list(policies.payment_methods, language),
        "payment_retry_days": policies.payment_retry_days,
        "release_days_min": policies.reservation_release_days[0],
        "release_days_max": policies.reservation_release_days[1],
        "deletion_days": policies.account_deletion_days,
    }


class ActionAnswerPolicy(BotAction):
    """Answers fee / return / refund / delivery / payment / deletion questions with live figures."""

    NAME = "action_answer_policy"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        topic = latest_intent(tracker)
        key = POLICY_ANSWERS.get(topic or "", "policy_refund_policy")
        language = str(tracker.get_slot("language") or "en")
        try:
            policies = await get_client().policies()
        except OrderApiError as exc:
            logger.warning("policies unavailable: %s", exc)
            say(dispatcher, tracker, "policy_unavailable")
            return []
        say(dispatcher, tracker, key, **policy_values(policies, language))
        return []
