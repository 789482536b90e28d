"""Customer text never triggers an intent.

Rasa reads a message whose text (after `str.strip()`) starts with `/` as an intent with
entities (`/EXTERNAL_handback{"handoff_outcome": "…"}`), bypassing NLU. Buttons rely on that:
the widget sends a button's payload as the message text. So the gateway forwards such a text to
Rasa as a payload only when it equals a button payload the bot offered in this conversation
(one of its last `RECENT_BOT_MESSAGES` messages) and does not name an `EXTERNAL_*` intent (those
come only from the service itself, through `trigger_intent`). Any other text starting with `/`
goes to Rasa with its leading slashes (and the whitespace around them) removed, so NLU reads it
as the words it is; the stored message keeps what the customer typed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

INTENT_PREFIX = "/"
EXTERNAL_PREFIX = "EXTERNAL_"
RECENT_BOT_MESSAGES = 10  # a few bot turns: a turn is one to three messages


def is_payload_like(text: str) -> bool:
    """Rasa would parse this text as an intent (its own test: strip, then the prefix)."""
    return text.strip().startswith(INTENT_PREFIX)


def intent_name(payload: str) -> str:
    """The intent a payload names, as Rasa's regex reads it (up to `{` or `@`, stripped)."""
    name = payload.strip()[len(INTENT_PREFIX) :]
    for stop in ("{", "@"):
        name = name.split(stop, 1)[0]
    return name.strip()


def is_external(payload: str) -> bool:
    return intent_name(payload).upper().startswith(EXTERNAL_PREFIX)


def offered_payloads(bot_payloads: Iterable[dict[str, Any]]) -> set[str]:
    """The button payloads in the given stored bot messages' payloads."""
    offered: set[str] = set()
    for payload in bot_payloads:
        buttons = payload.get("buttons") if isinstance(payload, dict) else None
        for button in buttons if isinstance(buttons, list) else []:
            value = button.get("payload") if isinstance(button, dict) else None
            if isinstance(value, str) and is_payload_like(value) and not is_external(value):
                offered.add(value.strip())
    return offered


def as_plain_text(text: str) -> str:
    """The text without its leading slashes, so Rasa's intent syntax cannot apply; a text of
    nothing but slashes becomes a single `/`, which names no intent."""
    rest = text.strip()
    while rest.startswith(INTENT_PREFIX):
        rest = rest[len(INTENT_PREFIX) :].strip()
    return rest or INTENT_PREFIX


def text_for_rasa(text: str, offered: set[str]) -> str:
    """What to send to Rasa's REST channel for a customer's text."""
    if not is_payload_like(text):
        return text
    payload = text.strip()
    if payload in offered and not is_external(payload):
        return payload
    return as_plain_text(text)
