"""handoff.pii: what is masked in free text, and what is not."""

from __future__ import annotations

import pytest

from handoff.pii import mask_text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("call me on 010-1234-5678", "call me on [phone]"),
        ("+49 30 1234567 or (030) 123-4567", "[phone] or [phone]"),
        ("mail a.b@example.com", "mail [email]"),
        ("card 4111 1111 1111 1111", "card [card]"),
        # a date and time is not a phone number (an analytics explanation carries one)
        ("open: last activity 2026-12-01 15:59 UTC", "open: last activity 2026-12-01 15:59 UTC"),
        ("since 2026-12-01T15:59:00", "since 2026-12-01T15:59:00"),
        ("on 2026-12-01", "on 2026-12-01"),
    ],
)
def test_mask_text(text: str, masked: str) -> None:
    assert mask_text(text) == masked
