"""Cross-session rules: a contained session reopened within 24 h about the same topic is
reclassified; repeat contact within 7 days about the same order or topic."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

REOPEN_WINDOW = timedelta(hours=24)
REPEAT_WINDOW = timedelta(days=7)
LINK_FIELDS = ("outcome", "outcome_reason", "explanation", "reopened", "repeat_contact")


def same_subject(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if set(a.get("order_numbers") or []) & set(b.get("order_numbers") or []):
        return True
    if a.get("task") and a.get("task") == b.get("task"):
        return True
    return bool(a.get("topic")) and a.get("topic") == b.get("topic")


def apply_links(
    rows: Iterable[dict[str, Any]],
    *,
    reopen_window: timedelta = REOPEN_WINDOW,
    repeat_window: timedelta = REPEAT_WINDOW,
) -> None:
    """Set `outcome`, `outcome_reason`, `explanation`, `reopened`, `repeat_contact` (in place)
    from each row's base values and the customer's later sessions."""
    by_customer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_customer[row["customer_key"]].append(row)
    for sessions in by_customer.values():
        sessions.sort(key=lambda r: (r["started_at"], r["session_key"]))
        for position, row in enumerate(sessions):
            details = row["details"]
            base_reason = details.get("base_reason", row["outcome_reason"])
            details["base_reason"] = base_reason
            row["outcome"] = row["base_outcome"]
            row["outcome_reason"] = base_reason
            row["explanation"] = details["base_explanation"]
            row["reopened"] = False
            row["repeat_contact"] = False
            details["reopened_by"] = None
            details["repeat_of"] = None
            if not row["substantive"]:
                continue
            for later in sessions[position + 1 :]:
                if not later["substantive"] or not same_subject(row, later):
                    continue
                gap = later["started_at"] - row["ended_at"]
                if gap <= repeat_window and not row["repeat_contact"]:
                    row["repeat_contact"] = True
                    details["repeat_of"] = later["session_key"]
                if row["base_outcome"] == "contained" and gap <= reopen_window:
                    row["reopened"] = True
                    row["outcome"] = "abandoned"
                    row["outcome_reason"] = "reopened_24h"
                    details["reopened_by"] = later["session_key"]
                    hours = max(gap.total_seconds(), 0) / 3600
                    row["explanation"] = (
                        f"abandoned: looked contained ({details['base_explanation']}) but the "
                        f"customer came back {hours:.1f} h later about the same topic "
                        f"(session {later['session_key']})"
                    )
                if row["reopened"] and row["repeat_contact"]:
                    break
