"""Fixture conversations, one per outcome rule and edge case, with their expected rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from handoff.store.db import Database
from tests.support.analytics_fixtures import NOW, T0, add_conversation, add_handoff
from tests.support.analytics_rasa_events import Script


def at(hours: float) -> float:
    return (T0 + timedelta(hours=hours)).timestamp()


class _Builder:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.trackers: dict[str, dict[str, Any]] = {}

    async def conv(self, cid: str, script: Script, hours: float, **kw: Any) -> None:
        self.trackers[cid] = script.tracker(cid)
        users = [e for e in script.events if e["event"] == "user"]
        start = T0 + timedelta(hours=hours)
        msgs = [(u["timestamp"] - start.timestamp(), u["text"]) for u in users]
        await add_conversation(self.db, cid, at=start, messages=msgs, **kw)

    async def handoff(
        self, cid: str, reason: str, *, at_hours: float, after: float, **kw: Any
    ) -> None:
        """A handoff requested `after` seconds into the conversation started at `at_hours`."""
        requested_at = T0 + timedelta(hours=at_hours, seconds=after)
        await add_handoff(self.db, cid, reason=reason, requested_at=requested_at, **kw)


async def build(db: Database) -> dict[str, dict[str, Any]]:
    """Store the conversations; return {conversation_id: tracker}."""
    b = _Builder(db)
    await _contained_greeting_and_info(b)
    await _fallback_and_refusal(b)
    await _reopen_handback_and_queue(b)
    await _sessions_no_bot_and_open(b)
    await _asked_twice_spoiled_repeat_low_confidence(b)
    return b.trackers


async def _contained_greeting_and_info(b: _Builder) -> None:
    # 1 contained by a task, signed in, CES given
    s = Script(at(0)).session(customer_id="C0001")
    s.user("cancel my order EF-100002", "cancel_order").utter("utter_confirm_task")
    s.user("yes", "affirm").task("cancel_order", "success", order="EF-100002")
    s.utter("utter_anything_else").user("no thanks", "deny").utter("utter_goodbye").ces(6)
    await b.conv("c-contained", s, 0, customer_id="C0001")

    # 2 greeting-only: excluded
    s = Script(at(1)).session()
    s.user("hi", "greet").utter("utter_greet").user("bye", "goodbye").utter("utter_goodbye")
    await b.conv("c-greeting", s, 1)

    # 3 informational answer, no CES
    s = Script(at(2)).session()
    s.user("what is your refund policy", "refund_policy").utter("utter_refund_policy")
    s.user("thanks", "thank").utter("utter_you_are_welcome")
    await b.conv("c-info", s, 2)


async def _fallback_and_refusal(b: _Builder) -> None:
    # 4 two fallbacks → repeated_fallback handoff, claimed after 60 s, resolved after 300 s
    s = Script(at(3)).session()
    s.fallback("my parcel is a potato", likely="order_status")
    s.fallback("the potato parcel thing", likely="order_status")
    s.utter("utter_handoff_fallback").handoff("repeated_fallback")
    await b.conv("c-fallback", s, 3)
    await b.handoff(
        "c-fallback", "repeated_fallback", at_hours=3, after=40, claimed_after=60, closed_after=300
    )

    # 5 task refused, customer leaves → abandoned (task_failed)
    s = Script(at(4)).session(customer_id="C0002", language="ko")
    s.user("주문 취소해 주세요 EF-100010", "cancel_order").task(
        "cancel_order", "failure", code="already_shipped", order="EF-100010"
    )
    s.utter("utter_refusal_ok")
    await b.conv("c-failed", s, 4, customer_id="C0002", language="ko")


async def _reopen_handback_and_queue(b: _Builder) -> None:
    # 6 contained, reopened on the same order 3 h later in another conversation (C0003)
    s = Script(at(5)).session(customer_id="C0003")
    s.user("where is EF-100014", "order_status").task("order_status", "success", order="EF-100014")
    await b.conv("c-reopen-1", s, 5, customer_id="C0003")
    s = Script(at(8)).session(customer_id="C0003")
    s.user("EF-100014 still not here", "order_status").task(
        "order_status", "success", order="EF-100014"
    )
    s.user("thanks", "thank").utter("utter_you_are_welcome").ces(3)
    await b.conv("c-reopen-2", s, 8, customer_id="C0003")

    # 7 handoff after resolution
    s = Script(at(9)).session(customer_id="C0005")
    s.user("change the address of EF-100102", "change_address").task(
        "change_address", "success", order="EF-100102"
    )
    s.user("I want to talk to a person", "request_human").utter("utter_handoff_request")
    s.handoff("customer_request")
    await b.conv("c-after-resolution", s, 9, customer_id="C0005")
    await b.handoff(
        "c-after-resolution",
        "customer_request",
        at_hours=9,
        after=20,
        claimed_after=30,
        closed_after=120,
    )

    # 8 abandonment in the queue
    s = Script(at(10)).session()
    s.user("human please", "request_human").utter("utter_handoff_request").handoff(
        "customer_request"
    )
    await b.conv("c-queue-left", s, 10, email="bob@example.com")
    await b.handoff("c-queue-left", "customer_request", at_hours=10, after=10, abandoned_after=120)


async def _sessions_no_bot_and_open(b: _Builder) -> None:
    # 9 two sessions in one conversation: contained answer, later a fallback and silence
    s = Script(at(11)).session()
    s.user("which payment methods", "payment_methods").utter("utter_payment_methods")
    s.t = at(14)
    s.session().fallback("blorp glorp", likely="payment_issue")
    await b.conv("c-two-sessions", s, 11)

    # 10 Rasa unreachable: only stored messages and a bot_unavailable handoff
    await add_conversation(
        b.db,
        "c-no-bot",
        at=T0 + timedelta(hours=15),
        messages=[(0, "hello?"), (5, "is anyone there")],
    )
    await b.handoff(
        "c-no-bot", "bot_unavailable", at_hours=15, after=1, claimed_after=45, closed_after=200
    )

    # 11 still open (activity 5 minutes before NOW)
    s = Script((NOW - timedelta(minutes=5)).timestamp() - 20).session()
    s.user("track my order", "order_status").action("action_ask_order_number")
    await b.conv("c-open", s, 240 - 0.1)


async def _asked_twice_spoiled_repeat_low_confidence(b: _Builder) -> None:
    # 12 signed-in customer asked for their email anyway (information asked twice)
    s = Script(at(16)).session(customer_id="C0001")
    s.user("refund status EF-100006", "refund_status").action("action_ask_email")
    s.user("alice@example.com", "inform").slot("email", "alice@example.com")
    s.task("refund_status", "success", order="EF-100006").ces(2)
    await b.conv("c-asked-twice", s, 16, customer_id="C0001")

    # 13 an answer, then a fallback, then silence → abandoned (goal spoiled)
    s = Script(at(17)).session()
    s.user("delivery options?", "delivery_options").utter("utter_delivery_options")
    s.fallback("but my call 0151 23456789 about 4111 1111 1111 1111", likely="payment_issue")
    await b.conv("c-spoiled", s, 17)

    # 14 contained on EF-100001; same customer again 3 days later (repeat, not reopened)
    s = Script(at(18)).session(customer_id="C0004")
    s.user("status EF-100001", "order_status").task("order_status", "success", order="EF-100001")
    await b.conv("c-repeat-1", s, 18, customer_id="C0004")
    s = Script(at(18 + 72)).session(customer_id="C0004")
    s.user("where is EF-100001", "order_status").task("order_status", "success", order="EF-100001")
    await b.conv("c-repeat-2", s, 18 + 72, customer_id="C0004")

    # 15 low-confidence understanding that still led to an answer
    s = Script(at(19)).session()
    s.user(
        "can i pay with klarna or sth",
        "payment_methods",
        0.42,
        ranking=[("payment_methods", 0.42), ("payment_issue", 0.3)],
    )
    s.utter("utter_payment_methods")
    await b.conv("c-low-confidence", s, 19)


EXPECTED: dict[str, dict[str, Any]] = {
    "c-contained:0": {
        "outcome": "contained",
        "outcome_reason": "task_succeeded",
        "ces_score": 6,
        "signed_in": True,
        "verified": True,
        "task": "cancel_order",
        "tasks_succeeded": 1,
        "customer_turns": 3,
    },
    "c-greeting:0": {"outcome": "excluded", "substantive": False},
    "c-info:0": {"outcome": "contained", "outcome_reason": "answered", "ces_score": None},
    "c-fallback:0": {
        "outcome": "escalated",
        "handoff_reason": "repeated_fallback",
        "fallbacks": 2,
        "rephrasings": 1,
        "handoff_wait_seconds": 60,
        "handoff_handling_seconds": 300,
        "topic": "order_status",
    },
    "c-failed:0": {
        "outcome": "abandoned",
        "outcome_reason": "task_failed",
        "failure_codes": ["already_shipped"],
        "tasks_failed": 1,
        "language": "ko",
    },
    "c-reopen-1:0": {
        "outcome": "abandoned",
        "outcome_reason": "reopened_24h",
        "base_outcome": "contained",
        "reopened": True,
        "repeat_contact": True,
    },
    "c-reopen-2:0": {"outcome": "contained", "reopened": False, "ces_score": 3},
    "c-after-resolution:0": {
        "outcome": "escalated",
        "handoff_reason": "customer_request",
        "tasks_succeeded": 1,
        "handoff_wait_seconds": 30,
    },
    "c-queue-left:0": {
        "outcome": "escalated",
        "abandoned_in_queue": True,
        "handoff_wait_seconds": 120,
        "handoff_handling_seconds": None,
    },
    "c-two-sessions:0": {"outcome": "contained", "session_index": 0},
    "c-two-sessions:1": {"outcome": "abandoned", "outcome_reason": "no_goal", "fallbacks": 1},
    "c-open:0": {"outcome": "open", "closed": False},
    "c-asked-twice:0": {"outcome": "contained", "asked_twice": 1, "ces_score": 2},
    "c-spoiled:0": {"outcome": "abandoned", "outcome_reason": "goal_spoiled", "fallbacks": 1},
    "c-repeat-1:0": {"outcome": "contained", "repeat_contact": True, "reopened": False},
    "c-repeat-2:0": {"outcome": "contained", "repeat_contact": False},
    "c-low-confidence:0": {"outcome": "contained"},
}
