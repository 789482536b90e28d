"""Builders for tracker events in Rasa 3.6's JSON format (as `GET /conversations/{id}/tracker`
returns them and the pika event broker publishes them, plus `sender_id` there)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Script:
    """A conversation's events; `t` advances a few seconds per step."""

    t: float
    events: list[dict[str, Any]] = field(default_factory=list)

    def _tick(self, seconds: float = 2.0) -> float:
        self.t += seconds
        return self.t

    def session(self, *, language: str = "en", customer_id: str | None = None) -> Script:
        self.events.append(
            {
                "event": "action",
                "timestamp": self._tick(1),
                "name": "action_session_start",
                "policy": None,
                "confidence": 1.0,
                "action_text": None,
                "hide_rule_turn": False,
            }
        )
        self.events.append({"event": "session_started", "timestamp": self._tick(0.01)})
        self.slot("language", language, 0.01)
        if customer_id:
            self.slot("customer_id", customer_id, 0.01)
            self.slot("verified", True, 0.01)
        self.action("action_listen", 0.01)
        return self

    def user(
        self,
        text: str,
        intent: str,
        confidence: float = 0.97,
        *,
        ranking: list[tuple[str, float]] | None = None,
        wait: float = 5.0,
    ) -> Script:
        ranking = ranking or [(intent, confidence)]
        message_id = uuid.uuid4().hex
        self.events.append(
            {
                "event": "user",
                "timestamp": self._tick(wait),
                "metadata": {"language": "en"},
                "text": text,
                "parse_data": {
                    "intent": {"name": intent, "confidence": confidence},
                    "entities": [],
                    "text": text,
                    "message_id": message_id,
                    "metadata": {},
                    "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
                },
                "input_channel": "rest",
                "message_id": message_id,
            }
        )
        self.events.append(
            {
                "event": "user_featurization",
                "timestamp": self._tick(0.01),
                "use_text_for_featurization": False,
            }
        )
        return self

    def action(self, name: str, wait: float = 0.3) -> Script:
        self.events.append(
            {
                "event": "action",
                "timestamp": self._tick(wait),
                "name": name,
                "policy": "RulePolicy",
                "confidence": 1.0,
                "action_text": None,
                "hide_rule_turn": False,
            }
        )
        return self

    def bot(self, text: str, utter: str | None = None, custom: Any = None) -> Script:
        self.events.append(
            {
                "event": "bot",
                "timestamp": self._tick(0.05),
                "metadata": {"utter_action": utter} if utter else {},
                "text": text,
                "data": {
                    "elements": None,
                    "quick_replies": None,
                    "buttons": None,
                    "attachment": None,
                    "image": None,
                    "custom": custom,
                },
            }
        )
        return self

    def utter(self, name: str, text: str = "…") -> Script:
        return self.action(name).bot(text, utter=name)

    def slot(self, name: str, value: Any, wait: float = 0.05) -> Script:
        self.events.append(
            {"event": "slot", "timestamp": self._tick(wait), "name": name, "value": value}
        )
        return self

    def task(
        self, task: str, status: str, code: str | None = None, order: str | None = None
    ) -> Script:
        self.action("action_execute_task")
        self.slot(
            "task_result",
            {
                "task": task,
                "status": status,
                "code": code,
                "order_number": order,
                "at": "2026-11-23T10:00:00Z",
            },
        )
        if order:
            self.slot("order_snapshot", {"order_number": order, "status": "paid"})
        return self

    def fallback(self, text: str, likely: str = "order_status") -> Script:
        self.user(text, "nlu_fallback", 0.3, ranking=[("nlu_fallback", 0.3), (likely, 0.28)])
        return self.utter("utter_default", "Sorry, I didn't get that.")

    def handoff(self, reason: str) -> Script:
        self.action("action_handoff")
        self.bot(
            "", custom={"handoff": {"reason": reason, "summary": "…", "task": None, "slots": {}}}
        )
        self.events.append({"event": "pause", "timestamp": self._tick(0.01)})
        return self

    def ces(self, score: int) -> Script:
        self.utter("utter_ask_ces", "How easy was it?")
        self.user(f'/ces{{"ces_score": {score}}}', "ces", 1.0)
        self.slot("ces_score", score)
        return self.utter("utter_ces_thanks", "Thanks!")

    def tracker(self, sender_id: str) -> dict[str, Any]:
        return {
            "sender_id": sender_id,
            "slots": {},
            "latest_message": {},
            "events": list(self.events),
            "paused": False,
            "active_loop": {},
        }
