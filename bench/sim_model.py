"""The simulator's settings and results (bench/simulate.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.facts import Policies


@dataclass
class Settings:
    handoff_url: str
    shop_url: str | None = None
    shop_api_key: str = "demo-order-key"
    shop_secret: str = "dev-shop-secret-change-me"
    analyst_email: str | None = None  # to look up handoff reasons the customer cannot see
    analyst_password: str | None = None
    agent_email: str | None = None  # hands conversations back for ``handback`` scenarios
    agent_password: str | None = None
    policies: Policies | None = None  # the truth for wrong-fact checks (bench/facts.py)
    seed: int = 7
    concurrency: int = 4


@dataclass
class Turn:
    customer: str
    bot: list[str]
    kinds: list[str]
    seconds: float


@dataclass
class Result:
    scenario: str
    task: str
    customer: str
    expected: str
    expected_reasons: list[str]
    outcome: str = "abandoned"  # contained | escalated | abandoned | error
    goal_reached: bool = False
    turns: int = 0
    turns_to_goal: int | None = None
    handoff_reason: str | None = None
    asked_twice: int = 0
    asked_twice_facts: list[str] = field(default_factory=list)
    abandoned: bool = False
    fallbacks: int = 0
    failures: int = 0
    ces_offered: bool = False
    ces_given: int | None = None
    wrong_facts: list[str] = field(default_factory=list)
    failures_before_handoff: int | None = None
    handed_back: bool = False
    also_missing: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    transcript: list[Turn] = field(default_factory=list)
    asked_twice_detail: list[dict[str, Any]] = field(default_factory=list)
    english_in_korean: list[str] = field(default_factory=list)  # Korean customers only


def product_names() -> list[str]:
    """The shop's product names: data, like carrier names, not English sentences."""
    try:
        from shop.seed import CATALOG
    except ImportError:  # pragma: no cover - the simulator can run without the demo shop
        return []
    return [name for _, name, _ in CATALOG]


PRODUCT_NAMES = product_names()


def english_replies(results: Sequence[Result]) -> list[str]:
    """Every English fragment in a reply to a Korean customer ("scenario: fragment")."""
    return [f"{r.scenario}: {fragment}" for r in results for fragment in r.english_in_korean]
