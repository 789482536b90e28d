"""Hypothesis settings for the schema fuzzers against real servers (tests/*/test_*_fuzz.py)."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings


def fuzz_settings(examples: int) -> settings:
    """`examples` generated cases, no shrinking or example database, no deadline (a real server
    over HTTP), no health checks (the strategies are schemathesis')."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
