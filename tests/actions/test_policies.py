"""Facts from one source: every policy figure the bot states comes from GET /v1/policies.

The order API runs for real (conftest); the texts are rendered in every language with the
API's figures, and every number in them must be one the API gave. The catalogues themselves
(actions/messages.py, domain.yml responses) must not write a fee, a price or a number of days.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.orders import OrderClient
from actions.messages import MESSAGES, text
from actions.policies import POLICY_ANSWERS, ActionAnswerPolicy, policy_values
from tests.support.action_testkit import make_tracker, texts

ROOT = Path(__file__).resolve().parents[2]
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# a figure written into a catalogue: an amount or a number of (business) days
LITERAL_FIGURE = re.compile(
    r"[€$£₩]\s?\d|\d+(?:[.,]\d+)?\s?(?:€|EUR|euros?|유로)|\d+(?:-\d+)?[ -](?:business )?days?\b"
    r"|\d+\s?일|\d+-day",
    re.IGNORECASE,
)
# texts with policy figures (and the values they need besides the policies)
FIGURE_TEXTS = {
    **{key: {} for key in POLICY_ANSWERS.values()},
    "fee_note_packed": {},
    "return_not_delivered": {"order_number": "EF-100001"},
    "return_window_expired": {"order_number": "EF-100005", "return_until": "2026-11-01"},
    "refund_paid": {"order_number": "EF-100007", "amount": "€19.90", "paid_at": "x", "method": "x"},
}


def api_figures(document: Any) -> set[str]:
    """Every number anywhere in the policies document, as the texts may print it."""
    found: set[str] = set()
    if isinstance(document, dict):
        for value in document.values():
            found |= api_figures(value)
    elif isinstance(document, list):
        for value in document:
            found |= api_figures(value)
    elif isinstance(document, bool):
        pass
    elif isinstance(document, int | float | str):
        found |= set(NUMBER.findall(str(document)))
    return found


def test_catalogues_write_no_policy_figure() -> None:
    for language, messages in MESSAGES.items():
        for key, template in messages.items():
            assert not LITERAL_FIGURE.search(template), (language, key, template)
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variants in domain["responses"].items():
        for variant in variants:
            assert not LITERAL_FIGURE.search(variant.get("text") or ""), (name, variant)


async def test_every_figure_in_every_text_and_language_is_the_apis(
    shop_url: str, client: OrderClient
) -> None:
    async with httpx.AsyncClient(base_url=shop_url, headers={"X-API-Key": "demo-order-key"}) as h:
        document = (await h.get("/v1/policies")).json()
    allowed = api_figures(document)
    policies = await client.policies()
    for language in MESSAGES:
        for key, extra in FIGURE_TEXTS.items():
            rendered = text(language, key, **{**policy_values(policies, language), **extra})
            own = set(NUMBER.findall(" ".join(str(v) for v in extra.values())))
            numbers = set(NUMBER.findall(rendered)) - own
            assert numbers <= allowed, (language, key, numbers - allowed, rendered)
            assert "–" not in rendered, (language, key, rendered)  # no placeholder left empty


async def test_fee_answer_states_the_order_systems_fee_in_both_languages(
    domain, client: OrderClient
) -> None:
    fee = (await client.policies()).cancellation_fee
    for language in ("en", "ko"):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(domain, intent="cancellation_fee", slots={"language": language})
        assert await ActionAnswerPolicy().run(dispatcher, tracker, domain) == []
        said = texts(dispatcher)
        assert f"€{fee}" in said and fee == "4.95", said
        assert "5.00" not in said


async def test_policies_are_fetched_once_and_cached(client: OrderClient, faults) -> None:
    first = await client.policies()
    faults(error_rate=1.0)  # the order API fails from now on
    assert await client.policies() is first


async def test_policy_answer_when_the_order_api_is_down(domain, shop_url: str, faults) -> None:
    from actions.clients import orders as orders_client
    from actions.clients.orders import OrderApiSettings

    fresh = OrderClient(OrderApiSettings(base_url=shop_url, timeout=0.5, deadline=1.0))
    orders_client.set_client(fresh)
    try:
        faults(error_rate=1.0)
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(domain, intent="refund_policy")
        await ActionAnswerPolicy().run(dispatcher, tracker, domain)
        assert "can't look up our current terms" in texts(dispatcher)
    finally:
        orders_client.set_client(None)
        await fresh.aclose()


def test_return_instructions_read_as_one_sentence() -> None:
    values = {
        "carrier": "DHL",
        "drop_off_days": 14,
        "refund_days": 14,
        "label_reference": "LBL-1",
        "label_url": "https://x/label.pdf",
    }
    for language in MESSAGES:
        rendered = text(language, "return_started", **values)
        assert "at Drop" not in rendered and "no printer needed" not in rendered
        assert "DHL" in rendered and "14" in rendered
