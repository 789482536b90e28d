"""Account topics: the answers are responses (domain.yml); this adds the personal part."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BotAction
from actions.clients.orders import OrderApiError, get_client
from actions.common import Q_ANYTHING_ELSE, latest_intent
from actions.messages import say

logger = logging.getLogger(__name__)

PERSONAL_TOPICS = {"reset_password", "edit_account", "delete_account", "switch_account"}


def mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


class ActionAccountHelp(BotAction):
    """After an account answer: a signed-in customer also hears which e-mail is on file."""

    NAME = "action_account_help"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        topic = latest_intent(tracker)
        customer_id = tracker.get_slot("customer_id")
        if customer_id and topic in PERSONAL_TOPICS:
            try:
                customer = await get_client().get_customer(str(customer_id))
            except OrderApiError as exc:
                logger.info("customer lookup failed: %s", exc)
            else:
                say(dispatcher, tracker, "account_email_on_file", email=mask_email(customer.email))
        return [SlotSet("pending_question", Q_ANYTHING_ELSE)]
