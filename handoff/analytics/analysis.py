"""One session's containment-log row: outcome, reason, effort. Pure functions, no I/O.

The definitions are those of design.md's Metrics section; docs/metrics.md spells out each rule.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from catalogue.vocabulary import (
    COMPLAINT_INTENTS,
    FALLBACK_ACTIONS,
    FALLBACK_INTENT,
    INFO_ACTIONS,
    SMALL_TALK,
    TASK_INTENTS,
)
from handoff.analytics.events import (
    RasaSession,
    confidence_of,
    intent_of,
    is_customer_turn,
    likely_intent,
    timestamp,
)

ASK_RE = re.compile(r"^(?:action|utter)_ask_(?P<slot>[a-z_]+)$")
# The bot closes the conversation: it says goodbye or asks the closing CES question.
CLOSING_ACTIONS = frozenset({"utter_goodbye", "utter_ask_ces"})
CES_PAYLOAD_RE = re.compile(r'^/ces\{"ces_score":\s*"?([1-7])"?\}$')
KNOWN_WHEN_VERIFIED = frozenset({"email", "postcode", "customer_id"})


@dataclass(frozen=True)
class ConversationInfo:
    conversation_id: str
    language: str = "en"
    channel: str = "web"
    customer_id: str | None = None  # set by the shop when the customer is signed in
    email: str | None = None
    mode: str = "bot"
    left_at: datetime | None = None  # the customer ended the chat / left the page


@dataclass(frozen=True)
class HandoffInfo:
    id: int
    reason: str
    status: str
    requested_at: datetime
    claimed_at: datetime | None = None
    closed_at: datetime | None = None
    abandoned_at: datetime | None = None  # customer left while queued/claimed
    abandoned_status: str | None = None
    language: str | None = None  # the queue it was routed through (the agents' team)
    agent_id: int | None = None  # the agent holding it last
    first_agent_id: int | None = None  # the first agent who claimed it
    transfers: int = 0
    first_claimed_at: datetime | None = None
    first_agent_message_at: datetime | None = None


@dataclass(frozen=True)
class CustomerMessage:
    at: datetime
    text: str | None


@dataclass(frozen=True)
class Rules:
    inactivity_seconds: float = 1800.0
    low_confidence: float = 0.5


@dataclass
class Turn:
    event: dict[str, Any]
    intent: str | None
    fallback: bool = False
    low_confidence: bool = False


@dataclass
class SessionInput:
    conversation: ConversationInfo
    session: RasaSession | None
    start: float
    next_start: float | None
    handoffs: list[HandoffInfo] = field(default_factory=list)
    customer_messages: list[CustomerMessage] = field(default_factory=list)
    key_suffix: str | None = None
    # CES answers the handoff service recorded (table ces_ratings): (answered, score,
    # handoff id, after = "agent" | "bot")
    ratings: list[tuple[datetime, int, int | None, str]] = field(default_factory=list)


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


def analyse(inp: SessionInput, rules: Rules, now: datetime) -> dict[str, Any]:
    """Compute the row (without the cross-session fields, which `linking` sets)."""
    conv = inp.conversation
    events = inp.session.events if inp.session else []
    turns = _turns(events, rules)
    substantive_turns = [t for t in turns if t.intent not in SMALL_TALK]
    substantive = bool(substantive_turns) or (inp.session is None and bool(inp.handoffs))

    # slots, tasks, goals -----------------------------------------------------------------
    slots: dict[str, Any] = {}
    tasks: list[dict[str, Any]] = []
    goals: list[tuple[float, str]] = []  # (timestamp, description)
    spoilers: list[tuple[float, str]] = []  # fallback / complaint after which a goal is void
    asked_twice: list[str] = []
    handoff_event_ts: float | None = None
    bot_reason: str | None = None
    ces: int | None = None
    verified = conv.customer_id is not None
    language = conv.language
    orders: list[str] = []
    ending: tuple[float, str] | None = None  # the last closing signal (time, what)
    ces_at: float | None = None
    for event in events:
        kind = event.get("event")
        ts = timestamp(event)
        if kind == "user" and intent_of(event) == "goodbye":
            ending = (ts, "goodbye")
        if kind == "slot":
            name, value = event.get("name"), event.get("value")
            if name == "task_result" and isinstance(value, dict):
                if not tasks or tasks[-1] != value:
                    tasks.append(value)
                    if value.get("status") == "success":
                        goals.append((ts, f"{value.get('task')} succeeded"))
            elif name == "ces_score" and value is not None:
                try:
                    score = int(float(value))
                except (TypeError, ValueError):
                    score = 0
                if 1 <= score <= 7:
                    ces, ces_at = score, ts
                    ending = (max(ts, ending[0] if ending else ts), "rated")
            elif name == "verified" and value is True:
                verified = True
            elif name == "language" and isinstance(value, str) and value:
                language = value
            if name in ("order_number", "task_result", "order_snapshot"):
                number = value.get("order_number") if isinstance(value, dict) else value
                if isinstance(number, str) and number and number not in orders:
                    orders.append(number)
            if isinstance(name, str):
                slots[name] = value
        elif kind == "action":
            name = str(event.get("name") or "")
            if name in INFO_ACTIONS:
                goals.append((ts, f"answered with {name}"))
            elif name in CLOSING_ACTIONS:
                rated = ending is not None and ending[1] == "rated"
                still_rated = rated and (last_turn_before(turns, ts) or 0.0) <= (ces_at or 0.0)
                ending = (ts, "rated" if still_rated else "goodbye")
            elif name == "action_handoff" and handoff_event_ts is None:
                handoff_event_ts = ts
            match = ASK_RE.match(name)
            if match and match.group("slot") != "ces":
                slot = match.group("slot")
                known = slots.get(slot) not in (None, "", [], {})
                if known or (slot in KNOWN_WHEN_VERIFIED and verified):
                    asked_twice.append(slot)
        elif kind == "bot":
            custom = (event.get("data") or {}).get("custom")
            if isinstance(custom, dict) and isinstance(custom.get("handoff"), dict):
                bot_reason = str(custom["handoff"].get("reason") or "") or bot_reason
    for turn in turns:
        if turn.fallback:
            spoilers.append(
                (timestamp(turn.event), f"fallback on {_quote(turn.event.get('text'))}")
            )
        elif turn.intent in COMPLAINT_INTENTS:
            spoilers.append((timestamp(turn.event), "complaint"))

    # time window and handoffs -------------------------------------------------------------
    start = inp.start
    window_end = inp.next_start if inp.next_start is not None else float("inf")
    handoffs = [h for h in inp.handoffs if start - 5 <= _ts(h.requested_at) < window_end]
    handoff = handoffs[0] if handoffs else None
    messages = [m for m in inp.customer_messages if start - 5 <= _ts(m.at) < window_end]
    last_activity = max([timestamp(e) for e in events] + [start])
    for m in messages:
        last_activity = max(last_activity, _ts(m.at))
    for h in handoffs:
        for moment in (h.requested_at, h.claimed_at, h.closed_at, h.abandoned_at):
            if moment is not None:
                last_activity = max(last_activity, _ts(moment))

    # effort --------------------------------------------------------------------------------
    first_turn = timestamp(turns[0].event) if turns else start
    customer_turns = len(turns)
    if inp.session is None:
        customer_turns = len(messages)
    elif handoff is not None:
        after = _ts(handoff.requested_at)
        customer_turns += sum(1 for m in messages if _ts(m.at) > after + 0.001)
    fallbacks = sum(1 for t in turns if t.fallback)
    rephrasings = sum(1 for prev, t in itertools.pairwise(turns) if prev.fallback)

    # outcome -------------------------------------------------------------------------------
    handoff_open = (
        handoff is not None and handoff.closed_at is None and handoff.abandoned_at is None
    )
    inactive = (now.timestamp() - last_activity) >= rules.inactivity_seconds
    closed_by: str | None = None
    if inp.next_start is not None:
        closed_by = "next_session"
    elif handoff is not None and not handoff_open:
        if handoff.closed_at is not None:
            closed_by = "handed_back" if handoff.status == "handed_back" else "resolved"
        else:
            closed_by = "queue_left"
    elif handoff_open:
        closed_by = "inactivity" if inactive else None
    elif ending is not None and all(timestamp(t.event) <= ending[0] for t in turns):
        closed_by = ending[1]
    elif conv.left_at is not None and _ts(conv.left_at) >= last_activity - 1:
        closed_by = "left"
    elif conv.mode == "closed":
        closed_by = "conversation_closed"
    elif inactive:
        closed_by = "inactivity"
    closed = closed_by is not None
    valid_goal = None
    if goals:
        last_goal = goals[-1]
        later = [s for s in spoilers if s[0] > last_goal[0]]
        if not later:
            valid_goal = last_goal
    task_names = [str(t.get("task")) for t in tasks]
    succeeded = [t for t in tasks if t.get("status") == "success"]
    failed = [t for t in tasks if t.get("status") != "success"]
    codes = [str(t.get("code")) for t in failed if t.get("code")]
    topic = next((t.intent for t in substantive_turns if t.intent != FALLBACK_INTENT), None)
    if topic is None:
        topic = next((likely_intent(t.event) for t in substantive_turns), None)
    task = task_names[-1] if task_names else TASK_INTENTS.get(topic or "")
    handoff_reason = None
    seconds_to_handoff = seconds_to_resolution = wait = handling = None
    abandoned_in_queue = False
    if handoff is not None or handoff_event_ts is not None:
        handoff_reason = (handoff.reason if handoff else None) or bot_reason or "customer_request"
        requested = _ts(handoff.requested_at) if handoff else handoff_event_ts
        seconds_to_handoff = _secs(first_turn, requested)
        if handoff is not None:
            if handoff.claimed_at is not None:
                wait = _secs(requested, _ts(handoff.claimed_at))
                if handoff.closed_at is not None:
                    handling = _secs(_ts(handoff.claimed_at), _ts(handoff.closed_at))
            elif handoff.abandoned_at is not None:
                abandoned_in_queue = True
                wait = _secs(requested, _ts(handoff.abandoned_at))
    if valid_goal is not None:
        seconds_to_resolution = _secs(first_turn, valid_goal[0])
    rated_here = [r for r in inp.ratings if start - 5 <= _ts(r[0]) < window_end]
    if ces is None and rated_here:  # the service asked (after an agent / a customer's end)
        ces, ces_at = rated_here[-1][1], _ts(rated_here[-1][0])
    if ces is None:  # a rating the store holds but the tracker does not
        for m in messages:
            match = CES_PAYLOAD_RE.match((m.text or "").strip())
            if match:
                ces, ces_at = int(match.group(1)), _ts(m.at)
    # the agents' side ----------------------------------------------------------------------
    agent_id = first_agent_id = first_response = agent_ces = None
    team = None
    transfers = 0
    handed_back = False
    if handoff is not None:
        team = (handoff.language or conv.language or "en")[:16]
        first_claim = handoff.first_claimed_at or handoff.claimed_at
        if first_claim is not None:
            agent_id = handoff.agent_id
            first_agent_id = handoff.first_agent_id or handoff.agent_id
        transfers = handoff.transfers
        handed_back = handoff.status == "handed_back"
        if handoff.first_agent_message_at is not None:
            first_response = _secs(_ts(handoff.requested_at), _ts(handoff.first_agent_message_at))
        if ces is not None and ces_at is not None and first_claim is not None:
            if ces_at >= _ts(first_claim):
                agent_ces = ces
        after_agent = [r for r in inp.ratings if r[3] == "agent" and r[2] == handoff.id]
        if after_agent and first_claim is not None:
            agent_ces = after_agent[-1][1]

    explanation_tail = _describe(tasks, fallbacks, turns)
    if not substantive:
        base, reason = "excluded", "not_substantive"
        intents = ", ".join(sorted({t.intent or "?" for t in turns})) or "no intents"
        explanation = f"excluded: not substantive (only {intents})"
    elif handoff_reason is not None:
        base, reason = "escalated", handoff_reason
        explanation = f"escalated: {handoff_reason}{explanation_tail}"
        if succeeded and handoff is not None:
            explanation += " (handed over after the bot had resolved the task)"
        if abandoned_in_queue:
            explanation += f"; the customer left the queue after {wait} s without an agent"
        if not closed:
            explanation += "; still open"
    elif valid_goal is not None:
        base, reason = "contained", "task_succeeded" if succeeded else "answered"
        explanation = f"contained: {valid_goal[1]} after {customer_turns} customer turn(s)"
    else:
        base = "abandoned"
        reason = "goal_spoiled" if goals else ("task_failed" if failed else "no_goal")
        if goals and spoilers:
            what = f"{goals[-1][1]} but then {spoilers[-1][1]}"
        elif failed:
            what = f"{failed[-1].get('task')} failed ({failed[-1].get('code') or 'no code'})"
        else:
            what = "no goal met"
        explanation = f"abandoned: left after {what}{explanation_tail}"
    outcome = base if closed or base == "excluded" else "open"
    if outcome == "open" and base != "escalated":
        last = _dt(last_activity).strftime("%Y-%m-%d %H:%M UTC")
        explanation = f"open: last activity {last} ({explanation})"

    failed_utterances = [
        {
            "kind": "fallback" if t.fallback else "low_confidence",
            "text": str(t.event.get("text") or ""),
            "intent": t.intent,
            "likely_intent": likely_intent(t.event),
            "confidence": confidence_of(t.event),
            "at": timestamp(t.event),
        }
        for t in turns
        if (t.fallback or t.low_confidence) and t.event.get("text")
    ]
    signed_in = conv.customer_id is not None
    customer_id = conv.customer_id or (slots.get("customer_id") if verified else None)
    if customer_id:
        customer_key = f"c:{customer_id}"
    elif conv.email:
        customer_key = f"e:{conv.email.lower()}"
    elif isinstance(slots.get("email"), str) and slots["email"]:
        customer_key = f"e:{slots['email'].lower()}"
    else:
        customer_key = f"v:{conv.conversation_id}"
    index = inp.session.index if inp.session else -1
    suffix = inp.key_suffix or str(index)
    started = _dt(start)
    return {
        "session_key": f"{conv.conversation_id}:{suffix}",
        "conversation_id": conv.conversation_id,
        "session_index": index,
        "customer_key": customer_key[:400],
        "customer_id": customer_id,
        "started_at": started,
        "ended_at": _dt(last_activity),
        "day": started.strftime("%Y-%m-%d"),
        "closed": closed,
        "substantive": substantive,
        "outcome": outcome,
        "base_outcome": outcome,
        "outcome_reason": reason,
        "explanation": explanation,
        "handoff_reason": handoff_reason,
        "task": task,
        "topic": topic,
        "order_numbers": orders,
        "tasks_attempted": len(tasks),
        "tasks_succeeded": len(succeeded),
        "tasks_failed": len(failed),
        "failure_codes": codes,
        "customer_turns": customer_turns,
        "fallbacks": fallbacks,
        "rephrasings": rephrasings,
        "asked_twice": len(asked_twice),
        "seconds_to_resolution": seconds_to_resolution,
        "seconds_to_handoff": seconds_to_handoff,
        "handoff_wait_seconds": wait,
        "handoff_handling_seconds": handling,
        "abandoned_in_queue": abandoned_in_queue,
        "ces_score": ces,
        "language": (language or "en")[:8],
        "channel": conv.channel,
        "signed_in": signed_in,
        "verified": verified,
        "reopened": False,
        "repeat_contact": False,
        "closed_by": closed_by,
        "agent_id": agent_id,
        "first_agent_id": first_agent_id,
        "team": team,
        "first_response_seconds": first_response,
        "transfers": transfers,
        "handed_back": handed_back,
        "agent_ces_score": agent_ces,
        "details": {
            "base_explanation": explanation,
            "tasks": tasks,
            "task_names": task_names,
            "intents": [t.intent for t in turns],
            "asked_twice_slots": asked_twice,
            "failed_utterances": failed_utterances,
            "handoff_id": handoff.id if handoff else None,
            "reopened_by": None,
            "repeat_of": None,
        },
    }


def _describe(tasks: list[dict[str, Any]], fallbacks: int, turns: list[Turn]) -> str:
    parts: list[str] = []
    if fallbacks:
        quoted = ", ".join(_quote(t.event.get("text")) for t in turns if t.fallback)
        parts.append(f"{fallbacks} fallback{'s' if fallbacks != 1 else ''} on {quoted}")
    if tasks:
        last = tasks[-1]
        order = f" {last['order_number']}" if last.get("order_number") else ""
        status = "succeeded" if last.get("status") == "success" else "failed"
        code = f" ({last['code']})" if last.get("code") else ""
        parts.append(f"{last.get('task')}{order} {status}{code}")
    return (" after " + " and ".join(parts)) if parts else ""
