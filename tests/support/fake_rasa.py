"""A small Rasa stand-in: a real HTTP server implementing the three endpoints the handoff
service uses (REST channel, tracker, resume + trigger_intent), with a scripted dialogue of the
central scenario. Transport stand-in for unit tests only; the `rasa` marker tests use real Rasa."""

from __future__ import annotations

import asyncio
import json as json_module
import re
import time
from dataclasses import dataclass, field
from typing import Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse, json

ORDER = {
    "order_number": "EF-100010",
    "customer_id": "C0002",
    "status": "shipped",
    "currency": "EUR",
    "total": "59.90",
    "carrier": "DHL",
    "tracking_number": "00340434161234567890",
    "can_cancel": False,
}
ASK_ORDER = "What is your order number?"
# Rasa's syntax for a message that names an intent (YAMLStoryReader._regex_message_pattern)
INTENT_SYNTAX = re.compile(r"^/(?P<name>[^{@]+)(?P<confidence>@[0-9.]+)?(?P<entities>{.+})?")
ASK_EMAIL = "To check it's you: which email address did you use for the order?"


@dataclass
class Dialogue:
    slots: dict[str, Any] = field(
        default_factory=lambda: {
            "language": None,
            "customer_id": None,
            "verified": False,
            "order_number": None,
            "email": None,
            "task_result": None,
            "order_snapshot": None,
            "requested_task": None,
            "ces_score": None,
            "handoff_outcome": None,
        }
    )
    events: list[dict[str, Any]] = field(default_factory=list)
    paused: bool = False


class FakeRasa:
    def __init__(self, token: str = "rasa-token") -> None:
        self.token = token
        self.dialogues: dict[str, Dialogue] = {}
        self.received: list[dict[str, Any]] = []
        self.mode = "ok"  # ok | error | hang | empty | slow_reply
        # slow_reply: the message is processed (tracker updated) and answered after this long
        self.reply_delay = 30.0
        self.app = Sanic(f"fake-rasa-{id(self)}", configure_logging=False)
        self.app.post("/webhooks/rest/webhook")(self.webhook)
        self.app.get("/conversations/<cid:str>/tracker")(self.tracker)
        self.app.post("/conversations/<cid:str>/tracker/events")(self.append_events)
        self.app.post("/conversations/<cid:str>/trigger_intent")(self.trigger_intent)

    # -- helpers --------------------------------------------------------------------------
    def _d(self, cid: str) -> Dialogue:
        return self.dialogues.setdefault(cid, Dialogue())

    def _event(self, d: Dialogue, **event: Any) -> None:
        event.setdefault("timestamp", time.time())
        d.events.append(event)

    def _slot(self, d: Dialogue, name: str, value: Any) -> None:
        d.slots[name] = value
        self._event(d, event="slot", name=name, value=value)

    def _bot(
        self, d: Dialogue, cid: str, out: list[dict[str, Any]], text: str, **extra: Any
    ) -> None:
        self._event(d, event="bot", text=text, data=extra)
        out.append({"recipient_id": cid, "text": text, **extra})

    def _authorised(self, request: Request) -> bool:
        return request.args.get("token") == self.token

    # -- endpoints ------------------------------------------------------------------------
    async def webhook(self, request: Request) -> HTTPResponse:
        body = request.json
        self.received.append(body)
        if self.mode == "error":
            return json({"error": "boom"}, status=500)
        if self.mode == "hang":
            await asyncio.sleep(30)
        cid, text = body["sender"], body["message"]
        d = self._d(cid)
        if not d.events:
            self._event(d, event="session_started", metadata=body.get("metadata"))
            meta = body.get("metadata") or {}
            self._slot(d, "language", meta.get("language"))
            if meta.get("customer_id"):
                self._slot(d, "customer_id", meta["customer_id"])
                self._slot(d, "verified", True)
        if d.paused:
            return json([])
        self._metadata = body.get("metadata") or {}
        out = self._respond(d, cid, text)
        if self.mode == "empty":  # what Rasa answers when the action server is down
            return json([])
        if self.mode == "slow_reply":
            await asyncio.sleep(self.reply_delay)
        return json(out)

    def processed(self, cid: str) -> list[str]:
        """The texts of the user messages the dialogue has processed (in order)."""
        return [e["text"] for e in self._d(cid).events if e.get("event") == "user"]

    def _respond(self, d: Dialogue, cid: str, text: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        lowered = text.lower()
        order = re.search(r"EF-\d{6}", text, re.I)
        intent = INTENT_SYNTAX.match(text.strip())
        if intent and intent.group("name").strip() == "EXTERNAL_handback":
            # Real Rasa's RegexMessageHandler: the text *is* the intent and its entities.
            outcome = json_module.loads(intent.group("entities") or "{}").get("handoff_outcome")
            self._user(d, text, "EXTERNAL_handback", 1.0)
            self._slot(d, "handoff_outcome", outcome)
            self._bot(d, cid, out, f"I'm back. Note from my colleague: {outcome}")
            return out
        if text.startswith("/ces"):
            score = int(re.search(r"\d", text).group(0))  # type: ignore[union-attr]
            self._user(d, text, "ces", 1.0)
            self._slot(d, "ces_score", score)
            self._bot(d, cid, out, "Thank you for your feedback!")
            return out
        if lowered.strip(" !.") == "good morning":
            self._user(d, text, "greet", 0.99)
            self._bot(d, cid, out, "Good morning! How can I help?")
            return out
        if any(w in lowered for w in ("human", "agent", "person", "상담원", "사람")):
            self._request_human(d, cid, text, out)
            return out
        if "cancel" in lowered:
            self._user(d, text, "cancel_order", 0.95)
            self._slot(d, "requested_task", "cancel_order")
        elif order:
            self._user(d, text, "inform", 0.93)
            self._slot(d, "order_number", order.group(0).upper())
        elif "@" in text:
            self._user(d, text, "inform", 0.91)
            self._slot(d, "email", text.strip())
            if text.strip().lower() == "minji@example.com":
                self._slot(d, "verified", True)
                self._slot(d, "customer_id", "C0002")
        else:
            self._user(d, text, "nlu_fallback", 0.31)
            self._event(d, event="action", name="action_default_fallback")
            self._bot(d, cid, out, "Sorry, I didn't get that. Could you rephrase?")
            return out
        self._cancellation_policy(d, cid, out)
        return out

    def _request_human(self, d: Dialogue, cid: str, text: str, out: list[dict[str, Any]]) -> None:
        self._user(d, text, "request_human", 0.97)
        self._event(d, event="action", name="action_handoff")
        self._bot(d, cid, out, "I'll connect you with a colleague now.")
        payload = {
            "handoff": {
                "reason": "customer_request",
                "summary": "Customer wants to cancel EF-100010 (already shipped).",
                "task": d.slots.get("requested_task"),
                "slots": dict(d.slots),
            }
        }
        self._event(d, event="bot", text=None, data={"custom": payload})
        out.append({"recipient_id": cid, "custom": payload})
        self._event(d, event="pause")
        d.paused = True

    def _cancellation_policy(self, d: Dialogue, cid: str, out: list[dict[str, Any]]) -> None:
        """The dialogue policy for the cancellation task."""
        if d.slots["requested_task"] == "cancel_order":
            if not d.slots["order_number"]:
                self._bot(d, cid, out, ASK_ORDER)
            elif not d.slots["verified"]:
                self._bot(d, cid, out, ASK_EMAIL)
            else:
                self._event(d, event="action", name="action_cancel_order")
                self._slot(d, "order_snapshot", dict(ORDER))
                self._slot(
                    d,
                    "task_result",
                    {
                        "task": "cancel_order",
                        "status": "failure",
                        "code": "already_shipped",
                        "order_number": d.slots["order_number"],
                        "at": time.time(),
                    },
                )
                self._slot(d, "requested_task", None)
                self._bot(
                    d,
                    cid,
                    out,
                    "Order EF-100010 has already shipped, so it can't be cancelled any more. "
                    "Once it arrives you can return it for free.",
                    buttons=[{"title": "Talk to a person", "payload": "/request_human"}],
                )
        else:
            self._bot(d, cid, out, "How can I help?")

    def _user(self, d: Dialogue, text: str, intent: str, confidence: float) -> None:
        self._event(
            d,
            event="user",
            text=text,
            parse_data={"intent": {"name": intent, "confidence": confidence}, "entities": []},
            input_channel="rest",
            metadata=getattr(self, "_metadata", {}),
        )

    async def tracker(self, request: Request, cid: str) -> HTTPResponse:
        if not self._authorised(request):
            return json({"status": "failure", "reason": "NotAuthenticated"}, status=401)
        d = self._d(cid)
        return json({"sender_id": cid, "slots": d.slots, "events": d.events, "paused": d.paused})

    async def append_events(self, request: Request, cid: str) -> HTTPResponse:
        if not self._authorised(request):
            return json({"status": "failure"}, status=401)
        d = self._d(cid)
        body = request.json
        for event in body if isinstance(body, list) else [body]:
            self._event(d, **event)
            if event.get("event") == "resume":
                d.paused = False
            if event.get("event") == "slot":
                d.slots[event["name"]] = event.get("value")
        return json({"sender_id": cid, "slots": d.slots, "events": d.events})

    async def trigger_intent(self, request: Request, cid: str) -> HTTPResponse:
        if not self._authorised(request):
            return json({"status": "failure"}, status=401)
        d = self._d(cid)
        body = request.json
        if d.paused:
            return json({"tracker": {}, "messages": []})
        out: list[dict[str, Any]] = []
        outcome = body.get("entities", {}).get("handoff_outcome")
        self._event(
            d,
            event="user",
            text=f"/{body['name']}",
            parse_data={"intent": {"name": body["name"], "confidence": 1.0}},
        )
        self._slot(d, "handoff_outcome", outcome)
        self._bot(d, cid, out, f"Thanks for waiting. My colleague noted: {outcome}")
        self._bot(
            d,
            cid,
            out,
            "Is there anything else I can help you with?",
        )
        self._bot(
            d,
            cid,
            out,
            "How easy was it to handle your issue today?",
            buttons=[
                {"title": str(n), "payload": f'/ces{{"ces_score": {n}}}'} for n in range(1, 8)
            ],
        )
        return json({"tracker": {"sender_id": cid}, "messages": out})
