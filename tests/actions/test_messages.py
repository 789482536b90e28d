"""The action text catalogue: every translation uses only placeholders the English text has."""

from __future__ import annotations

import string

from actions.messages import MESSAGES, text


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def test_translations_use_known_placeholders_only() -> None:
    for language, messages in MESSAGES.items():
        for key, template in messages.items():
            assert key in MESSAGES["en"], f"{language}:{key} has no English original"
            assert placeholders(template) <= placeholders(MESSAGES["en"][key]), (language, key)


def test_missing_values_and_languages_fall_back() -> None:
    assert text("ko", "cancel_refused_delivered", order_number="EF-1").startswith("Order EF-1")
    assert "–" in text("en", "order_not_found")
    assert text("fr", "task_declined", order_number="EF-1") == text(
        "en", "task_declined", order_number="EF-1"
    )
