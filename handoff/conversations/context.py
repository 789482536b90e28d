"""Build the handoff context from the Rasa tracker: everything an agent needs to act at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catalogue.vocabulary import NOT_A_TOPIC

FALLBACK_ACTIONS = ("action_default_fallback", "action_two_stage_fallback")
REASONS = {
    "customer_request": "the customer asked for a human",
    "repeated_fallback": "the bot did not understand the customer repeatedly",
    "task_failed": "the bot could not complete the task",
    "policy": "the request needs a human by policy",
    "negative_sentiment": "the customer is upset",
    "bot_unavailable": "the assistant was unavailable",
}
TASK_LABELS = {
    "cancel_order": "cancel an order",
    "change_address": "change a delivery address",
    "create_return": "return items",
    "track_order": "track an order",
    "order_status": "check an order's status",
    "refund_status": "check a refund",
    "get_invoice": "get an invoice",
    "verify_customer": "verify their identity",
}


def topic_of(context: dict[str, Any]) -> str | None:
    """The topic of a handed-over conversation as a code (a task or an intent name): the task the
    bot worked on, else the customer's last substantive intent. The console puts it in words."""
    task = context.get("task")
    if isinstance(task, dict) and isinstance(task.get("task"), str):
        return str(task["task"])
    intents = context.get("intents")
    for item in reversed(intents if isinstance(intents, list) else []):
        name = item.get("intent") if isinstance(item, dict) else None
        if isinstance(name, str) and name not in NOT_A_TOPIC:
            return name
    return None


@dataclass(frozen=True)
class ConversationFacts:
    conversation_id: str
    language: str
    customer_id: str | None
    customer_name: str | None
    email: str | None
    transcript: list[dict[str, Any]] = field(default_factory=list)
    previous_conversations: list[dict[str, Any]] = field(default_factory=list)


def _intent(event: dict[str, Any]) -> tuple[str | None, float | None]:
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    name = intent.get("name")
    confidence = intent.get("confidence")
    return (
        name if isinstance(name, str) else None,
        float(confidence) if isinstance(confidence, (int, float)) else None,
    )


def _analyse_events(
    events: list[dict[str, Any]], low_confidence: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    intents: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    orders: dict[str, dict[str, Any]] = {}
    last_user: dict[str, Any] | None = None
    for event in events:
        kind = event.get("event")
        if kind == "user":
            name, confidence = _intent(event)
            text = event.get("text")
            entry = {"intent": name, "confidence": confidence, "text": text}
            intents.append(entry)
            last_user = None
            if name == "nlu_fallback":
                failed.append({**entry, "why": "nlu_fallback"})
            elif confidence is not None and confidence < low_confidence:
                failed.append({**entry, "why": "low_confidence"})
            else:
                last_user = entry
        elif kind == "action" and event.get("name") in FALLBACK_ACTIONS:
            if last_user is not None:
                failed.append({**last_user, "why": "action_default_fallback"})
                last_user = None
        elif kind == "slot":
            value = event.get("value")
            if event.get("name") == "task_result" and isinstance(value, dict):
                if not tasks or tasks[-1] != value:
                    tasks.append(value)
            elif event.get("name") == "order_snapshot" and isinstance(value, dict):
                number = str(value.get("order_number") or f"order-{len(orders) + 1}")
                orders.pop(number, None)
                orders[number] = value
    return intents, failed, tasks, list(orders.values())


def _summary(
    *,
    identity: dict[str, Any],
    reason: str,
    task: dict[str, Any] | None,
    intents: list[dict[str, Any]],
    failed: list[dict[str, Any]],
    orders: list[dict[str, Any]],
    slots: dict[str, Any],
    previous: int,
) -> str:
    known = identity.get("customer_id")
    who = identity.get("name") or ("A customer" if known else "An unidentified customer")
    if known:
        who += f" ({identity['customer_id']}"
        who += ", signed in)" if identity["verification"] == "signed_in" else ""
        who += ", verified)" if identity["verification"] == "verified" else ""
        who += ", not verified)" if identity["verification"] == "unverified" else ""
    elif identity.get("email"):
        who += f" <{identity['email']}> (not verified)"
    parts = [who + "."]
    if task:
        label = TASK_LABELS.get(str(task.get("task")), str(task.get("task")))
        order = f" {task['order_number']}" if task.get("order_number") else ""
        if task.get("status") == "success":
            parts.append(f"The bot tried to {label}{order}: it succeeded.")
        else:
            code = f" ({str(task['code']).replace('_', ' ')})" if task.get("code") else ""
            parts.append(f"The bot tried to {label}{order}: it was refused{code}.")
    else:
        topics = [i["intent"] for i in intents if i.get("intent") not in (None, "nlu_fallback")]
        if topics:
            topic = str(topics[-1])
            parts.append(f"Topic: {TASK_LABELS.get(topic, topic.replace('_', ' '))}.")
    if orders:
        described = ", ".join(
            f"{o.get('order_number', '?')} ({o.get('status', 'unknown')})" for o in orders
        )
        parts.append(f"Orders: {described}.")
    elif slots.get("order_number"):
        parts.append(f"Order mentioned: {slots['order_number']}.")
    parts.append(f"Handed over because {REASONS.get(reason, reason)}.")
    if failed:
        parts.append(f"The bot misunderstood {len(failed)} message(s).")
    if previous:
        parts.append(f"Repeat contact: {previous} other conversation(s) in the last 7 days.")
    return " ".join(parts)


def build_context(
    *,
    facts: ConversationFacts,
    reason: str,
    tracker: dict[str, Any] | None,
    bot_payload: dict[str, Any] | None,
    low_confidence: float = 0.5,
) -> dict[str, Any]:
    bot_payload = bot_payload or {}
    slots: dict[str, Any] = {}
    events: list[dict[str, Any]] = []
    if tracker:
        slots = dict(tracker.get("slots") or {})
        events = [e for e in tracker.get("events") or [] if isinstance(e, dict)]
    elif isinstance(bot_payload.get("slots"), dict):
        slots = dict(bot_payload["slots"])
    intents, failed, tasks, orders = _analyse_events(events, low_confidence)
    if not tasks and isinstance(slots.get("task_result"), dict):
        tasks = [slots["task_result"]]
    if not orders and isinstance(slots.get("order_snapshot"), dict):
        orders = [slots["order_snapshot"]]

    customer_id = facts.customer_id or slots.get("customer_id")
    verified = bool(slots.get("verified")) or facts.customer_id is not None
    if facts.customer_id:
        verification = "signed_in"
    elif verified:
        verification = "verified"
    else:
        verification = "unverified"
    identity = {
        "customer_id": customer_id,
        "name": facts.customer_name or slots.get("customer_name") or slots.get("name"),
        "email": slots.get("email") or facts.email,
        "verified": verified,
        "verification": verification,
    }
    task = tasks[-1] if tasks else None
    summary = _summary(
        identity=identity,
        reason=reason,
        task=task,
        intents=intents,
        failed=failed,
        orders=orders,
        slots=slots,
        previous=len(facts.previous_conversations),
    )
    return {
        "reason": reason,
        "summary": summary,
        "bot_summary": bot_payload.get("summary"),
        "bot_task": bot_payload.get("task"),
        # the gateway detects the language of every customer message (handoff/language.py)
        "language": facts.language or slots.get("language"),
        "identity": identity,
        "slots": slots,
        "task": task,
        "tasks": tasks,
        "intents": intents,
        "failed_utterances": failed,
        "orders": orders,
        "transcript": facts.transcript,
        "previous_conversations": facts.previous_conversations,
        "tracker_available": tracker is not None,
    }
