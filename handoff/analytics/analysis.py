"""One session's containment-log row: outcome, reason, effort. Pure functions, no I/O.

The definitions are those of design.md's Metrics section; docs/metrics.md spells out each rule.
The steps (scan the events, the time window, what closed the session, the handoff figures,
CES, the agents' side) live in analytics/session_scan.py.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from catalogue.vocabulary import (
    FALLBACK_INTENT,
    SMALL_TALK,
    TASK_INTENTS,
)
from handoff.analytics.events import (
    confidence_of,
    likely_intent,
    timestamp,
)
from handoff.analytics.session_input import ConversationInfo, Rules, SessionInput, Turn
from handoff.analytics.session_scan import (
    HandoffFigures,
    Scan,
    Window,
    _agents_side,
    _ces,
    _closed_by,
    _dt,
    _handoff_figures,
    _quote,
    _scan,
    _secs,
    _ts,
    _turns,
    _window,
)

__all__ = ["Rules", "analyse"]  # Rules: the callers' one import for the analysis


def _outcome(
    scan: Scan,
    fig: HandoffFigures,
    w: Window,
    turns: list[Turn],
    substantive: bool,
    closed: bool,
    customer_turns: int,
) -> tuple[str, str, str, str]:
    """(outcome, base outcome, reason, explanation)."""
    tasks = scan.tasks
    fallbacks = sum(1 for t in turns if t.fallback)
    succeeded = [t for t in tasks if t.get("status") == "success"]
    failed = [t for t in tasks if t.get("status") != "success"]
    goal = _valid_goal(scan)
    tail = _describe(tasks, fallbacks, turns)
    if not substantive:
        base, reason = "excluded", "not_substantive"
        intents = ", ".join(sorted({t.intent or "?" for t in turns})) or "no intents"
        explanation = f"excluded: not substantive (only {intents})"
    elif fig.reason is not None:
        base, reason = "escalated", fig.reason
        explanation = f"escalated: {fig.reason}{tail}"
        if succeeded and w.handoff is not None:
            explanation += " (handed over after the bot had resolved the task)"
        if fig.abandoned_in_queue:
            explanation += f"; the customer left the queue after {fig.wait} s without an agent"
        if not closed:
            explanation += "; still open"
    elif goal is not None:
        base, reason = "contained", "task_succeeded" if succeeded else "answered"
        explanation = f"contained: {goal[1]} after {customer_turns} customer turn(s)"
    else:
        base = "abandoned"
        reason = "goal_spoiled" if scan.goals else ("task_failed" if failed else "no_goal")
        if scan.goals and scan.spoilers:
            what = f"{scan.goals[-1][1]} but then {scan.spoilers[-1][1]}"
        elif failed:
            what = f"{failed[-1].get('task')} failed ({failed[-1].get('code') or 'no code'})"
        else:
            what = "no goal met"
        explanation = f"abandoned: left after {what}{tail}"
    outcome = base if closed or base == "excluded" else "open"
    if outcome == "open" and base != "escalated":
        last = _dt(w.last_activity).strftime("%Y-%m-%d %H:%M UTC")
        explanation = f"open: last activity {last} ({explanation})"
    return outcome, base, reason, explanation


def _valid_goal(scan: Scan) -> tuple[float, str] | None:
    """The last goal met, unless a fallback or complaint came after it."""
    if not scan.goals:
        return None
    last_goal = scan.goals[-1]
    return None if any(s[0] > last_goal[0] for s in scan.spoilers) else last_goal


def _customer_turns(w: Window, turns: list[Turn], *, tracked: bool = True) -> int:
    """Tracker turns, plus the customer's messages to an agent after the handoff."""
    if not tracked:
        return len(w.messages)
    handoff = w.handoff
    if handoff is None:
        return len(turns)
    after = _ts(handoff.requested_at)
    return len(turns) + sum(1 for m in w.messages if _ts(m.at) > after + 0.001)


def _customer_key(conv: ConversationInfo, scan: Scan, customer_id: Any) -> str:
    if customer_id:
        return f"c:{customer_id}"
    if conv.email:
        return f"e:{conv.email.lower()}"
    email = scan.slots.get("email")
    if isinstance(email, str) and email:
        return f"e:{email.lower()}"
    return f"v:{conv.conversation_id}"


def _failed_utterances(turns: list[Turn]) -> list[dict[str, Any]]:
    return [
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


def _topic_and_task(scan: Scan, substantive_turns: list[Turn]) -> tuple[str | None, str | None]:
    topic = next((t.intent for t in substantive_turns if t.intent != FALLBACK_INTENT), None)
    if topic is None:
        topic = next((likely_intent(t.event) for t in substantive_turns), None)
    task_names = [str(t.get("task")) for t in scan.tasks]
    return topic, task_names[-1] if task_names else TASK_INTENTS.get(topic or "")


def analyse(inp: SessionInput, rules: Rules, now: datetime) -> dict[str, Any]:
    """Compute the row (without the cross-session fields, which `linking` sets)."""
    conv = inp.conversation
    events = inp.session.events if inp.session else []
    turns = _turns(events, rules)
    substantive_turns = [t for t in turns if t.intent not in SMALL_TALK]
    substantive = bool(substantive_turns) or (inp.session is None and bool(inp.handoffs))
    scan = _scan(events, turns, conv)
    w = _window(inp, events)
    first_turn = timestamp(turns[0].event) if turns else inp.start
    closed_by = _closed_by(inp, w, scan, turns, rules, now)
    fig = _handoff_figures(w, scan, first_turn)
    goal = _valid_goal(scan)
    ces, ces_at = _ces(inp, w, scan)
    customer_turns = _customer_turns(w, turns, tracked=inp.session is not None)
    outcome, _base, reason, explanation = _outcome(
        scan, fig, w, turns, substantive, closed_by is not None, customer_turns
    )
    topic, task = _topic_and_task(scan, substantive_turns)
    failed = [t for t in scan.tasks if t.get("status") != "success"]
    customer_id = conv.customer_id or (scan.slots.get("customer_id") if scan.verified else None)
    index = inp.session.index if inp.session else -1
    started = _dt(inp.start)
    return {
        "session_key": f"{conv.conversation_id}:{inp.key_suffix or str(index)}",
        "conversation_id": conv.conversation_id,
        "session_index": index,
        "customer_key": _customer_key(conv, scan, customer_id)[:400],
        "customer_id": customer_id,
        "started_at": started,
        "ended_at": _dt(w.last_activity),
        "day": started.strftime("%Y-%m-%d"),
        "closed": closed_by is not None,
        "substantive": substantive,
        "outcome": outcome,
        "base_outcome": outcome,
        "outcome_reason": reason,
        "explanation": explanation,
        "handoff_reason": fig.reason,
        "task": task,
        "topic": topic,
        "order_numbers": scan.orders,
        "tasks_attempted": len(scan.tasks),
        "tasks_succeeded": len(scan.tasks) - len(failed),
        "tasks_failed": len(failed),
        "failure_codes": [str(t.get("code")) for t in failed if t.get("code")],
        "customer_turns": customer_turns,
        "fallbacks": sum(1 for t in turns if t.fallback),
        "rephrasings": sum(1 for prev, _t in itertools.pairwise(turns) if prev.fallback),
        "asked_twice": len(scan.asked_twice),
        "seconds_to_resolution": _secs(first_turn, goal[0]) if goal else None,
        "seconds_to_handoff": fig.seconds_to_handoff,
        "handoff_wait_seconds": fig.wait,
        "handoff_handling_seconds": fig.handling,
        "abandoned_in_queue": fig.abandoned_in_queue,
        "ces_score": ces,
        "language": (scan.language or "en")[:8],
        "channel": conv.channel,
        "signed_in": conv.customer_id is not None,
        "verified": scan.verified,
        "reopened": False,
        "repeat_contact": False,
        "closed_by": closed_by,
        **_agents_side(inp, w, ces, ces_at),
        "details": {
            "base_explanation": explanation,
            "tasks": scan.tasks,
            "task_names": [str(t.get("task")) for t in scan.tasks],
            "intents": [t.intent for t in turns],
            "asked_twice_slots": scan.asked_twice,
            "failed_utterances": _failed_utterances(turns),
            "handoff_id": w.handoff.id if w.handoff else None,
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
