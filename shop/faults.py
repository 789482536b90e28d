"""Fault injection: added latency and random 503s on the /v1 business routes."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

EXEMPT_PREFIXES = ("/v1/health", "/v1/openapi.json", "/v1/admin/")


@dataclass
class Faults:
    latency_ms: int = 0
    error_rate: float = 0.0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def applies_to(self, path: str) -> bool:
        return path.startswith("/v1/") and not path.startswith(EXEMPT_PREFIXES)

    def should_fail(self) -> bool:
        return self.error_rate > 0 and self.rng.random() < self.error_rate

    def as_json(self) -> dict[str, float | int]:
        return {"latency_ms": self.latency_ms, "error_rate": self.error_rate}
