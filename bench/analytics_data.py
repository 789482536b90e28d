"""Synthetic data for the analytics benchmark: what the service and Rasa's broker would have
stored for N sessions — raw Rasa events (`analytics_events`), conversations, handoffs with
their events (claimed, transferred, abandoned), the customers' and agents' messages after a
handoff, CES answers given after an agent, and the agents themselves.

The mix (per session): 10 % greetings only; 35 % order tasks (70 % succeed; 60 % of all
bot-only sessions end with a goodbye); 20 % FAQ answers; 15 % fallbacks (half of them hand
over); 20 % customers asking for a person. Handoffs: 12 % abandoned in the queue (waits of
20 s – 15 min), 10 % handed back, 15 % transferred once, the rest resolved by one of 12
agents in two language teams; 40 % of the resolved ones are rated after the agent. 30 % of
the bot-only sessions carry a CES answer. 20 % Korean; 40 % signed-in customers (a pool a
third the size of the conversations, so repeat contacts and reopened sessions occur).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from handoff.analytics.events import event_key

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SPAN_SECONDS = 60 * 86400
TASKS = ["order_status", "cancel_order", "change_address", "return_item", "refund_status"]
INFO = ["refund_policy", "payment_methods", "delivery_options", "reset_password"]
CODES = ["already_shipped", "return_window_expired", "already_packed", "not_invoiced"]
AGENTS = {"en": list(range(1, 9)), "ko": list(range(9, 13))}


def _user(ts: float, text: str, intent: str, conf: float, rng: random.Random) -> dict[str, Any]:
    ranking = [{"name": intent, "confidence": conf}]
    if intent == "nlu_fallback":
        ranking.append({"name": rng.choice(TASKS), "confidence": conf - 0.05})
    return {
        "event": "user",
        "timestamp": ts,
        "text": text,
        "input_channel": "rest",
        "parse_data": {
            "intent": {"name": intent, "confidence": conf},
            "entities": [],
            "text": text,
            "intent_ranking": ranking,
        },
    }


def _action(ts: float, name: str) -> dict[str, Any]:
    return {"event": "action", "timestamp": ts, "name": name}


def _handoff_events(ts: float, reason: str) -> list[dict[str, Any]]:
    return [
        _action(ts, "action_handoff"),
        {
            "event": "bot",
            "timestamp": ts + 0.1,
            "text": "",
            "data": {"custom": {"handoff": {"reason": reason}}},
        },
    ]


def _task(rng: random.Random, t: float) -> list[dict[str, Any]]:
    task = rng.choice(TASKS)
    ok = rng.random() < 0.7
    value = {
        "task": task,
        "status": "success" if ok else "failure",
        "code": None if ok else rng.choice(CODES),
        "order_number": f"EF-{rng.randint(100001, 100328)}",
    }
    return [
        _user(t, f"{task} {value['order_number']}", task, 0.9, rng),
        _action(t + 0.3, "action_execute_task"),
        {"event": "slot", "timestamp": t + 0.4, "name": "task_result", "value": value},
    ]


def synth_session(
    rng: random.Random, start: float, language: str
) -> tuple[list[dict[str, Any]], str | None, float]:
    """One Rasa session's events, the handoff reason if it hands over, the last event time."""
    t = start
    ev: list[dict[str, Any]] = [
        _action(t, "action_session_start"),
        {"event": "session_started", "timestamp": t + 0.01},
        {"event": "slot", "timestamp": t + 0.02, "name": "language", "value": language},
    ]
    t += 3
    kind = rng.random()
    if kind < 0.1:
        ev += [_user(t, "hi", "greet", 0.99, rng), _action(t + 0.2, "utter_greet")]
        return ev, None, t + 0.2
    handoff: str | None = None
    if kind < 0.45:
        ev += _task(rng, t)
    elif kind < 0.65:
        intent = rng.choice(INFO)
        ev.append(_user(t, f"question about {intent}", intent, rng.uniform(0.4, 0.99), rng))
        ev.append(_action(t + 0.3, f"utter_{intent}"))
    elif kind < 0.8:
        for i in range(rng.choice([1, 2])):
            t += 10
            ev.append(_user(t, f"gibberish {rng.randint(1, 300)} {i}", "nlu_fallback", 0.3, rng))
            ev.append(_action(t + 0.3, "utter_default"))
        if rng.random() < 0.5:
            handoff = "repeated_fallback"
    else:
        ev.append(_user(t, "I want to talk to a person", "request_human", 0.95, rng))
        handoff = "customer_request"
    t += 0.6
    if handoff:
        ev += _handoff_events(t, handoff)
        return ev, handoff, t + 0.1
    if rng.random() < 0.6:
        t += 15
        ev += [_user(t, "no, that's all, thanks", "goodbye", 0.97, rng)]
        ev.append(_action(t + 0.2, "utter_goodbye"))
    if rng.random() < 0.3:
        t += 20
        score = rng.randint(1, 7)
        ev.append(_user(t, f'/ces{{"ces_score": {score}}}', "ces", 1.0, rng))
        ev.append({"event": "slot", "timestamp": t + 0.1, "name": "ces_score", "value": score})
    return ev, None, t + 0.2


@dataclass
class Batch:
    """Rows per table, flushed together (FK order: conversations before the rest)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)
    conversations: list[dict[str, Any]] = field(default_factory=list)
    handoffs: list[dict[str, Any]] = field(default_factory=list)
    handoff_events: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)


class Generator:
    def __init__(self, seed: int = 7, sessions: int = 100_000) -> None:
        self.rng = random.Random(seed)
        self.customers = max(1, sessions // 3)
        self.handoff_id = 0
        self.event_id = 0

    def _dt(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, UTC)

    def _message(self, b: Batch, cid: str, seq: int, role: str, at: float, agent: Any) -> None:
        b.messages.append(
            {
                "conversation_id": cid,
                "seq": seq,
                "role": role,
                "agent_id": agent,
                "client_message_id": None,
                "text": "thanks" if role == "customer" else "Let me check that for you.",
                "payload": {},
                "created_at": self._dt(at),
                "bot_status": None,
                "bot_lease_until": None,
                "bot_owner": None,
                "bot_attempts": 0,
            }
        )

    def _handoff_event(self, b: Batch, hid: int, cid: str, kind: str, at: float, **kw: Any) -> None:
        self.event_id += 1
        b.handoff_events.append(
            {
                "id": self.event_id,
                "handoff_id": hid,
                "conversation_id": cid,
                "type": kind,
                "at": self._dt(at),
                "agent_id": kw.get("agent"),
                "data": kw.get("data", {}),
            }
        )

    def handoff(self, b: Batch, cid: str, language: str, reason: str, at: float, seq: int) -> int:
        """A handoff requested at `at`: queue, claim, transfer, messages, close, rating.
        Returns the next message seq."""
        rng = self.rng
        self.handoff_id += 1
        hid = self.handoff_id
        wait = min(900.0, rng.lognormvariate(4.0, 1.0) + 20)
        team = AGENTS[language]
        row: dict[str, Any] = {
            "id": hid,
            "conversation_id": cid,
            "status": "queued",
            "reason": reason,
            "language": language,
            "priority": 0,
            "priority_reasons": [],
            "summary": "",
            "context": {},
            "agent_id": None,
            "resolution": None,
            "requested_at": self._dt(at),
            "claimed_at": None,
            "closed_at": None,
        }
        b.handoffs.append(row)
        fate = rng.random()
        if fate < 0.12:  # the customer leaves the queue
            left = at + wait
            self._handoff_event(b, hid, cid, "abandoned", left, data={"status": "queued"})
            row.update(status="abandoned", closed_at=self._dt(left))
            return seq
        agent = rng.choice(team)
        claimed = at + wait
        self._handoff_event(b, hid, cid, "claimed", claimed, agent=agent)
        row.update(status="claimed", agent_id=agent, claimed_at=self._dt(claimed))
        t = claimed + rng.uniform(5, 90)
        self._message(b, cid, seq, "agent", t, agent)
        seq += 1
        for _ in range(rng.randint(1, 4)):
            t += rng.uniform(10, 120)
            self._message(b, cid, seq, "customer", t, None)
            t += rng.uniform(10, 120)
            self._message(b, cid, seq + 1, "agent", t, agent)
            seq += 2
        if rng.random() < 0.15:  # transferred once to a colleague
            other = rng.choice([a for a in team if a != agent])
            self._handoff_event(b, hid, cid, "transferred", t + 5, agent=other)
            agent = other
            t += rng.uniform(60, 300)
            row["agent_id"] = agent
        t += rng.uniform(30, 600)
        row.update(status="handed_back" if fate < 0.22 else "resolved", closed_at=self._dt(t))
        if row["status"] == "resolved" and rng.random() < 0.4:
            b.ratings.append(
                {
                    "conversation_id": cid,
                    "handoff_id": hid,
                    "after": "agent",
                    "asked_seq": seq,
                    "asked_at": self._dt(t + 1),
                    "score": rng.randint(1, 7),
                    "answered_at": self._dt(t + rng.uniform(5, 60)),
                }
            )
        return seq

    def conversation(self, b: Batch, number: int, sessions: int) -> None:
        rng = self.rng
        cid = f"bench-{number:07d}"
        language = "ko" if rng.random() < 0.2 else "en"
        start = NOW.timestamp() - rng.uniform(3600, SPAN_SECONDS)
        signed_in = rng.random() < 0.4
        seq = 1
        last = start
        for i in range(sessions):
            events, reason, last = synth_session(rng, start + i * 7200, language)
            for event in events:
                b.events.append(
                    {
                        "conversation_id": cid,
                        "event_key": event_key(event),
                        "event": event["event"],
                        "timestamp": event["timestamp"],
                        "data": event,
                        "source": "broker",
                        "received_at": NOW,
                    }
                )
            if reason:
                seq = self.handoff(b, cid, language, reason, last, seq)
        left = rng.random() < 0.3
        b.conversations.append(
            {
                "id": cid,
                "customer_id": f"C{rng.randrange(self.customers):06d}" if signed_in else None,
                "customer_name": None,
                "email": None,
                "language": language,
                "channel": "web",
                "mode": "closed" if left else "bot",
                "last_seq": seq,
                "customer_present": not left,
                "left_at": self._dt(last + 30) if left else None,
                "reply_email": None,
                "created_at": self._dt(start),
                "updated_at": self._dt(last),
            }
        )
        b.states.append(
            {
                "conversation_id": cid,
                "dirty": True,
                "has_open": False,
                "seen_events": 0,
                "seen_handoff_event_id": 0,
            }
        )


def agent_rows() -> list[dict[str, Any]]:
    return [
        {
            "id": agent,
            "email": f"agent{agent}@bench.example",
            "name": f"Agent {agent}",
            "role": "agent",
            "password_hash": "-",
            "languages": [language],
            "available": False,
            "last_seen_at": None,
            "active": True,
            "created_at": NOW - timedelta(days=90),
        }
        for language, ids in AGENTS.items()
        for agent in ids
    ]
