"""One pass over a session's events and its time window: the facts `analysis.analyse` turns
into a containment-log row (slots, tasks, goals, closing signals, handoff figures, CES, the
agents' side). Pure functions, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from catalogue.vocabulary import (
    COMPLAINT_INTENTS,
    FALLBACK_ACTIONS,
    FALLBACK_INTENT,
    INFO_ACTIONS,
)
from handoff.analytics.events import (
    confidence_of,
    intent_of,
    is_customer_turn,
    timestamp,
)
from handoff.analytics.session_input import (
    ConversationInfo,
    CustomerMessage,
    HandoffInfo,
    Rules,
    SessionInput,
    Turn,
)

ASK_RE = re.compile(r"^(?:action|utter)_ask_(?P<slot>[a-z_]+)$")
# The bot closes the conversation: it says goodbye or asks the closing CES question.
CLOSING_ACTIONS = frozenset({"utter_goodbye", "utter_ask_ces"})
CES_PAYLOAD_RE = re.compile(r'^/ces\{"ces_score":\s*"?([1-7])"?\}$')
KNOWN_WHEN_VERIFIED = frozenset({"email", "postcode", "customer_id"})


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _ts(value: datetime) -> float:
    return value.timestamp()


def _secs(a: float | None, b: float | None) -> int | None:
    if a is None or b is None:
        return None
    return max(0, round(b - a))


def _turns(events: list[dict[str, Any]], rules: Rules) -> list[Turn]:
    turns: list[Turn] = []
    current: Turn | None = None
    for event in events:
        kind = event.get("event")
        if kind == "user":
            current = None
            if is_customer_turn(event):
                intent = intent_of(event)
                current = Turn(event=event, intent=intent, fallback=intent == FALLBACK_INTENT)
                conf = confidence_of(event)
                if not current.fallback and conf is not None and conf < rules.low_confidence:
                    current.low_confidence = True
                turns.append(current)
        elif kind == "action" and event.get("name") in FALLBACK_ACTIONS and current is not None:
            current.fallback = True
            current.low_confidence = False
    return turns


def last_turn_before(turns: list[Turn], ts: float) -> float | None:
    """The time of the customer's last turn before `ts`."""
    before = [timestamp(t.event) for t in turns if timestamp(t.event) <= ts]
    return max(before) if before else None


def _quote(text: Any) -> str:
    text = str(text or "").strip().replace("\n", " ")
    return f"“{text[:40]}{'…' if len(text) > 40 else ''}”"


@dataclass
class Scan:
    """What one pass over a session's events found."""

    slots: dict[str, Any] = field(default_factory=dict)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    goals: list[tuple[float, str]] = field(default_factory=list)  # (timestamp, description)
    spoilers: list[tuple[float, str]] = field(default_factory=list)  # void a goal before them
    asked_twice: list[str] = field(default_factory=list)
    handoff_event_ts: float | None = None
    bot_reason: str | None = None
    ces: int | None = None
    ces_at: float | None = None
    verified: bool = False
    language: str = "en"
    orders: list[str] = field(default_factory=list)
    ending: tuple[float, str] | None = None  # the last closing signal (time, what)


def _on_slot(scan: Scan, event: dict[str, Any], ts: float) -> None:
    name, value = event.get("name"), event.get("value")
    if name == "task_result" and isinstance(value, dict):
        if not scan.tasks or scan.tasks[-1] != value:
            scan.tasks.append(value)
            if value.get("status") == "success":
                scan.goals.append((ts, f"{value.get('task')} succeeded"))
    elif name == "ces_score" and value is not None:
        try:
            score = int(float(value))
        except (TypeError, ValueError):
            score = 0
        if 1 <= score <= 7:
            scan.ces, scan.ces_at = score, ts
            scan.ending = (max(ts, scan.ending[0] if scan.ending else ts), "rated")
    elif name == "verified" and value is True:
        scan.verified = True
    elif name == "language" and isinstance(value, str) and value:
        scan.language = value
    if name in ("order_number", "task_result", "order_snapshot"):
        number = value.get("order_number") if isinstance(value, dict) else value
        if isinstance(number, str) and number and number not in scan.orders:
            scan.orders.append(number)
    if isinstance(name, str):
        scan.slots[name] = value


def _on_action(scan: Scan, event: dict[str, Any], ts: float, turns: list[Turn]) -> None:
    name = str(event.get("name") or "")
    if name in INFO_ACTIONS:
        scan.goals.append((ts, f"answered with {name}"))
    elif name in CLOSING_ACTIONS:
        rated = scan.ending is not None and scan.ending[1] == "rated"
        still_rated = rated and (last_turn_before(turns, ts) or 0.0) <= (scan.ces_at or 0.0)
        scan.ending = (ts, "rated" if still_rated else "goodbye")
    elif name == "action_handoff" and scan.handoff_event_ts is None:
        scan.handoff_event_ts = ts
    match = ASK_RE.match(name)
    if match and match.group("slot") != "ces":
        slot = match.group("slot")
        known = scan.slots.get(slot) not in (None, "", [], {})
        if known or (slot in KNOWN_WHEN_VERIFIED and scan.verified):
            scan.asked_twice.append(slot)


def _scan(events: list[dict[str, Any]], turns: list[Turn], conv: ConversationInfo) -> Scan:
    """Slots, tasks, goals and what voids them, closing signals, the bot's handoff."""
    scan = Scan(verified=conv.customer_id is not None, language=conv.language)
    for event in events:
        kind = event.get("event")
        ts = timestamp(event)
        if kind == "user" and intent_of(event) == "goodbye":
            scan.ending = (ts, "goodbye")
        if kind == "slot":
            _on_slot(scan, event, ts)
        elif kind == "action":
            _on_action(scan, event, ts, turns)
        elif kind == "bot":
            custom = (event.get("data") or {}).get("custom")
            if isinstance(custom, dict) and isinstance(custom.get("handoff"), dict):
                scan.bot_reason = str(custom["handoff"].get("reason") or "") or scan.bot_reason
    for turn in turns:
        if turn.fallback:
            scan.spoilers.append(
                (timestamp(turn.event), f"fallback on {_quote(turn.event.get('text'))}")
            )
        elif turn.intent in COMPLAINT_INTENTS:
            scan.spoilers.append((timestamp(turn.event), "complaint"))
    return scan


@dataclass
class Window:
    """The session's time window: its handoffs, the stored customer messages, last activity."""

    start: float
    end: float
    handoffs: list[HandoffInfo]
    messages: list[CustomerMessage]
    last_activity: float

    @property
    def handoff(self) -> HandoffInfo | None:
        return self.handoffs[0] if self.handoffs else None


def _window(inp: SessionInput, events: list[dict[str, Any]]) -> Window:
    start = inp.start
    end = inp.next_start if inp.next_start is not None else float("inf")
    handoffs = [h for h in inp.handoffs if start - 5 <= _ts(h.requested_at) < end]
    messages = [m for m in inp.customer_messages if start - 5 <= _ts(m.at) < end]
    last_activity = max([timestamp(e) for e in events] + [start])
    for m in messages:
        last_activity = max(last_activity, _ts(m.at))
    for h in handoffs:
        for moment in (h.requested_at, h.claimed_at, h.closed_at, h.abandoned_at):
            if moment is not None:
                last_activity = max(last_activity, _ts(moment))
    return Window(start, end, handoffs, messages, last_activity)


def _closed_by(
    inp: SessionInput, w: Window, scan: Scan, turns: list[Turn], rules: Rules, now: datetime
) -> str | None:
    """What closed the session (docs/metrics.md, "Fair closing"); None while open."""
    handoff = w.handoff
    conv = inp.conversation
    handoff_open = (
        handoff is not None and handoff.closed_at is None and handoff.abandoned_at is None
    )
    inactive = (now.timestamp() - w.last_activity) >= rules.inactivity_seconds
    ending = scan.ending
    if inp.next_start is not None:
        return "next_session"
    if handoff is not None and not handoff_open:
        if handoff.closed_at is not None:
            return "handed_back" if handoff.status == "handed_back" else "resolved"
        return "queue_left"
    if handoff_open:
        return "inactivity" if inactive else None
    if ending is not None and all(timestamp(t.event) <= ending[0] for t in turns):
        return ending[1]
    if conv.left_at is not None and _ts(conv.left_at) >= w.last_activity - 1:
        return "left"
    if conv.mode == "closed":
        return "conversation_closed"
    return "inactivity" if inactive else None


@dataclass
class HandoffFigures:
    reason: str | None = None
    seconds_to_handoff: int | None = None
    wait: int | None = None
    handling: int | None = None
    abandoned_in_queue: bool = False


def _handoff_figures(w: Window, scan: Scan, first_turn: float) -> HandoffFigures:
    handoff = w.handoff
    out = HandoffFigures()
    if handoff is None and scan.handoff_event_ts is None:
        return out
    out.reason = (handoff.reason if handoff else None) or scan.bot_reason or "customer_request"
    requested = _ts(handoff.requested_at) if handoff else scan.handoff_event_ts
    out.seconds_to_handoff = _secs(first_turn, requested)
    if handoff is not None:
        if handoff.claimed_at is not None:
            out.wait = _secs(requested, _ts(handoff.claimed_at))
            if handoff.closed_at is not None:
                out.handling = _secs(_ts(handoff.claimed_at), _ts(handoff.closed_at))
        elif handoff.abandoned_at is not None:
            out.abandoned_in_queue = True
            out.wait = _secs(requested, _ts(handoff.abandoned_at))
    return out


def _ces(inp: SessionInput, w: Window, scan: Scan) -> tuple[int | None, float | None]:
    """The session's CES answer and when: the tracker's, else the service's record, else a
    CES payload among the stored customer messages."""
    ces, ces_at = scan.ces, scan.ces_at
    rated_here = [r for r in inp.ratings if w.start - 5 <= _ts(r[0]) < w.end]
    if ces is None and rated_here:  # the service asked (after an agent / a customer's end)
        ces, ces_at = rated_here[-1][1], _ts(rated_here[-1][0])
    if ces is None:  # a rating the store holds but the tracker does not
        for m in w.messages:
            match = CES_PAYLOAD_RE.match((m.text or "").strip())
            if match:
                ces, ces_at = int(match.group(1)), _ts(m.at)
    return ces, ces_at


def _agents_side(
    inp: SessionInput, w: Window, ces: int | None, ces_at: float | None
) -> dict[str, Any]:
    handoff = w.handoff
    side: dict[str, Any] = {
        "agent_id": None,
        "first_agent_id": None,
        "team": None,
        "first_response_seconds": None,
        "transfers": 0,
        "handed_back": False,
        "agent_ces_score": None,
    }
    if handoff is None:
        return side
    side["team"] = (handoff.language or inp.conversation.language or "en")[:16]
    first_claim = handoff.first_claimed_at or handoff.claimed_at
    if first_claim is not None:
        side["agent_id"] = handoff.agent_id
        side["first_agent_id"] = handoff.first_agent_id or handoff.agent_id
    side["transfers"] = handoff.transfers
    side["handed_back"] = handoff.status == "handed_back"
    if handoff.first_agent_message_at is not None:
        side["first_response_seconds"] = _secs(
            _ts(handoff.requested_at), _ts(handoff.first_agent_message_at)
        )
    if ces is not None and ces_at is not None and first_claim is not None:
        if ces_at >= _ts(first_claim):
            side["agent_ces_score"] = ces
    after_agent = [r for r in inp.ratings if r[3] == "agent" and r[2] == handoff.id]
    if after_agent and first_claim is not None:
        side["agent_ces_score"] = after_agent[-1][1]
    return side
