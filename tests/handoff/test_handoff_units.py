"""Pure units: settings, tokens, context building, queue ordering."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from handoff import security
from handoff.config import Settings, SettingsError
from handoff.conversations.context import ConversationFacts, build_context, topic_of
from handoff.conversations.queue import initial_priority, order_queue
from handoff.errors import Unauthorized
from handoff.store.models import Handoff, utcnow


def test_settings_from_env_and_production_guard() -> None:
    s = Settings.from_env({"HANDOFF_PORT": "9000", "HANDOFF_RASA_TIMEOUT": "2.5"})
    assert s.port == 9000 and s.rasa_timeout == 2.5 and s.host == "127.0.0.1"
    with pytest.raises(SettingsError, match="HANDOFF_PORT"):
        Settings.from_env({"HANDOFF_PORT": "eighty"})
    with pytest.raises(SettingsError, match="default secrets"):
        Settings.from_env({"HANDOFF_ENV": "production"})
    ok = Settings.from_env(
        {
            "HANDOFF_ENV": "production",
            "HANDOFF_SECRET": "x" * 40,
            "HANDOFF_SHOP_SECRET": "y" * 40,
            "RASA_TOKEN": "z" * 20,
            "HANDOFF_ALLOWED_ORIGINS": "https://shop.example.com",
        }
    )
    assert ok.is_production
    with pytest.raises(AttributeError):  # frozen
        ok.port = 1  # type: ignore[misc]


SECRET = "s3cret-" + "x" * 32
SHOP = "shop-" + "k" * 32


def test_conversation_tokens() -> None:
    token = security.conversation_token(SECRET, "c_abc", ttl_seconds=60)
    assert security.conversation_from_token(SECRET, token) == "c_abc"
    with pytest.raises(Unauthorized):
        security.conversation_from_token("other-" + "y" * 32, token)
    with pytest.raises(Unauthorized):
        security.conversation_from_token(SECRET, "garbage")


def test_shop_tokens() -> None:
    now = time.time()
    token = security.shop_customer_token(SHOP, {"sub": "C1", "name": "A", "exp": now + 10})
    assert security.verify_shop_token(SHOP, token).customer_id == "C1"
    with pytest.raises(Unauthorized) as exc:
        security.verify_shop_token(SHOP, token, now=now + 20)
    assert exc.value.code == "customer_token_expired"
    no_sub = security.shop_customer_token(SHOP, {"name": "no sub", "exp": now + 9})
    for bad in ("a.b.c", "nonsense", no_sub):
        with pytest.raises(Unauthorized) as exc:
            security.verify_shop_token(SHOP, bad)
        assert exc.value.code == "invalid_customer_token"


def test_passwords_are_argon2() -> None:
    h = security.hash_password("pw-123456")
    assert h.startswith("$argon2")
    assert security.verify_password(h, "pw-123456") and not security.verify_password(h, "nope")
    assert not security.verify_password("not-a-hash", "x")


def _tracker() -> dict:  # type: ignore[type-arg]
    shipped = {"order_number": "EF-100010", "status": "shipped"}
    return {
        "slots": {
            "order_number": "EF-100010",
            "email": "minji@example.com",
            "verified": True,
            "customer_id": "C0002",
            "language": "ko",
            "task_result": None,
        },
        "events": [
            {
                "event": "user",
                "text": "qwzx",
                "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 0.2}},
            },
            {
                "event": "user",
                "text": "maybe cancel?",
                "parse_data": {"intent": {"name": "cancel_order", "confidence": 0.41}},
            },
            {
                "event": "user",
                "text": "EF-100010",
                "parse_data": {"intent": {"name": "inform", "confidence": 0.9}},
            },
            {
                "event": "slot",
                "name": "order_snapshot",
                "value": {"order_number": "EF-100010", "status": "paid"},
            },
            {
                "event": "user",
                "text": "hm what",
                "parse_data": {"intent": {"name": "ask_x", "confidence": 0.8}},
            },
            {"event": "action", "name": "action_default_fallback"},
            {
                "event": "slot",
                "name": "task_result",
                "value": {
                    "task": "cancel_order",
                    "status": "failure",
                    "code": "already_shipped",
                    "order_number": "EF-100010",
                },
            },
            {"event": "slot", "name": "order_snapshot", "value": shipped},
            {"event": "slot", "name": "task_result", "value": None},
        ],
    }


def test_context_from_tracker() -> None:
    facts = ConversationFacts(
        conversation_id="c1",
        language="en",
        customer_id=None,
        customer_name=None,
        email=None,
        previous_conversations=[{"conversation_id": "c0"}],
    )
    ctx = build_context(
        facts=facts, reason="task_failed", tracker=_tracker(), bot_payload={"summary": "s"}
    )
    # the gateway's detection of the latest customer message wins over the bot's slot
    assert ctx["language"] == "en"
    korean = ConversationFacts(
        conversation_id="c1", language="ko", customer_id=None, customer_name=None, email=None
    )
    ko_ctx = build_context(facts=korean, reason="task_failed", tracker=_tracker(), bot_payload=None)
    assert ko_ctx["language"] == "ko"
    assert ctx["identity"]["verification"] == "verified"
    assert ctx["identity"]["customer_id"] == "C0002"
    assert ctx["task"]["code"] == "already_shipped"
    assert ctx["orders"] == [{"order_number": "EF-100010", "status": "shipped"}]
    assert [(f["text"], f["why"]) for f in ctx["failed_utterances"]] == [
        ("qwzx", "nlu_fallback"),
        ("maybe cancel?", "low_confidence"),
        ("hm what", "action_default_fallback"),
    ]
    assert ctx["bot_summary"] == "s"
    assert "refused (already shipped)" in ctx["summary"]
    # known by the order they verified, but not by name: not "unidentified"
    assert ctx["summary"].startswith("A customer (C0002, verified).")
    assert "Repeat contact" in ctx["summary"]
    assert "misunderstood 3" in ctx["summary"]


def test_context_without_tracker_uses_the_bot_payload() -> None:
    facts = ConversationFacts(
        conversation_id="c1", language="en", customer_id="C9", customer_name="Bo", email=None
    )
    ctx = build_context(
        facts=facts,
        reason="bot_unavailable",
        tracker=None,
        bot_payload={"slots": {"order_number": "EF-1"}},
    )
    assert ctx["tracker_available"] is False
    assert ctx["identity"]["verification"] == "signed_in"
    assert "Order mentioned: EF-1" in ctx["summary"]


def test_queue_order_priority_long_wait_then_fifo() -> None:
    now = utcnow()

    def h(i: int, minutes_ago: float, priority: int = 0) -> Handoff:
        return Handoff(id=i, priority=priority, requested_at=now - timedelta(minutes=minutes_ago))

    items = [h(1, 5), h(2, 4, priority=1), h(3, 30), h(4, 3, priority=2), h(5, 2)]
    ordered = order_queue(items, now=now, long_wait_seconds=600)
    assert [x.id for x in ordered] == [3, 4, 2, 1, 5]
    assert initial_priority(reason="negative_sentiment", context={}) == (2, ["complaint"])
    assert initial_priority(
        reason="customer_request",
        context={"intents": [{"intent": "complaint"}], "previous_conversations": [{}]},
    ) == (3, ["complaint", "repeat_contact"])


def test_topic_of_a_previous_contact() -> None:
    task = {"task": "cancel_order", "status": "failure", "order_number": "EF-100001"}
    intents = [{"intent": "greet"}, {"intent": "refund_status"}, {"intent": "affirm"}]
    assert topic_of({"task": task, "intents": intents}) == "cancel_order"
    assert topic_of({"intents": intents}) == "refund_status"
    assert topic_of({"intents": [{"intent": "nlu_fallback"}, {"intent": "thank"}]}) is None
    assert topic_of({}) is None
