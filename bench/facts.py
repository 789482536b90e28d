"""Wrong facts in bot messages, checked against the order system's policies.

The shop's policy figures (``GET /v1/policies`` on the order API; before that endpoint existed,
the demo shop's rules module) are the truth. A bot message that states a different cancellation
fee, return window or refund time, or that assembles contradictory instructions ("drop it at
Drop the parcel at …", "Print the label" next to "no printer needed"), counts as a wrong fact.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import httpx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Policies:
    cancellation_fee: float  # euros, once the order is packed
    return_window_days: int
    refund_days: int  # after the return arrives


def _rules_policies() -> Policies:
    from shop import rules

    return Policies(
        cancellation_fee=rules.PACKED_CANCELLATION_FEE_CENTS / 100,
        return_window_days=rules.RETURN_WINDOW_DAYS,
        refund_days=rules.RETURN_REFUND_DAYS,
    )


async def load_policies(shop_url: str | None, api_key: str) -> Policies:
    """The shop's policies from its API; the demo shop's rules if the API has no endpoint."""
    if shop_url:
        try:
            async with httpx.AsyncClient(timeout=5) as http:
                response = await http.get(
                    f"{shop_url.rstrip('/')}/v1/policies", headers={"X-API-Key": api_key}
                )
            if response.status_code == 200:
                body = response.json()
                return Policies(
                    cancellation_fee=float(body["cancellation"]["packed_fee"]),
                    return_window_days=int(body["returns"]["window_days"]),
                    refund_days=int(body["returns"]["refund_days"]),
                )
            log.info("GET /v1/policies answered %s; using the shop rules", response.status_code)
        except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
            log.info("policies unavailable (%s); using the shop rules", exc)
    return _rules_policies()


_MONEY = r"(?:€\s?(\d+(?:[.,]\d{1,2})?)|(\d+(?:[.,]\d{1,2})?)\s?(?:€|EUR|euros?|유로|원))"
_FEE = re.compile(
    rf"(?:fee|charge|수수료)[^.?!€\d]{{0,30}}{_MONEY}|{_MONEY}[^.?!]{{0,25}}(?:fee|charge|수수료)",
    re.IGNORECASE,
)
_RETURN_WINDOW = re.compile(
    r"(?:return|send (?:it|them|items?) back|반품)[^.?!]{0,40}?(?:within|for|in)?\s(\d+)\s?"
    r"(?:days?|일)(?: of (?:delivery|receipt|arrival))?",
    re.IGNORECASE,
)
_GARBLED = (
    re.compile(r"\bat drop (?:the|it|off)\b", re.IGNORECASE),
    re.compile(
        r"print the label.*no printer needed|no printer needed.*print the label", re.I | re.S
    ),
)


def _amount(match: re.Match[str]) -> float | None:
    for group in match.groups():
        if group:
            return float(group.replace(",", "."))
    return None


def wrong_facts(text: str | None, policies: Policies) -> list[str]:
    """The wrong or garbled statements in one bot message (empty: nothing wrong)."""
    text = text or ""
    wrong: list[str] = []
    for match in _FEE.finditer(text):
        amount = _amount(match)
        if amount not in (None, 0.0) and abs(amount - policies.cancellation_fee) > 0.001:
            wrong.append(f"fee {amount:.2f} (shop: {policies.cancellation_fee:.2f})")
    for match in _RETURN_WINDOW.finditer(text):
        days = int(match.group(1))
        if days not in (policies.return_window_days, policies.refund_days) and days > 7:
            wrong.append(f"return window {days} days (shop: {policies.return_window_days})")
    for pattern in _GARBLED:
        if pattern.search(text):
            wrong.append(f"garbled text: {pattern.pattern}")
    return wrong
