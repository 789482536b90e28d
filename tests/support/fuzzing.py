"""Hypothesis settings and the request tally for the schema fuzzers against real servers
(tests/*/test_*_fuzz.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import schemathesis
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


@dataclass
class Tally:
    """What a fuzz run sent, and the requests the server answered with a 5xx."""

    name: str
    sent: list[int] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    def send(self, case: schemathesis.Case, **call: Any) -> None:
        try:
            response = case.call(timeout=10, **call)
        except UnicodeEncodeError:  # a non-JSON body can't carry the surrogate: nothing sent
            return
        self.sent.append(response.status_code)
        if response.status_code >= 500:
            self.server_errors.append(
                f"{case.method} {case.formatted_path} -> {response.status_code}"
            )

    def check(self, examples: int) -> None:
        """Most generated cases were sent (a few can't be), and none got a 5xx."""
        print(f"{self.name}: {len(self.sent)} requests, {len(self.server_errors)} responses >= 500")
        assert len(self.sent) >= examples * 0.9
        assert self.server_errors == []
