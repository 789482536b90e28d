"""Analytics settings: one frozen object, read from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from handoff.config import Settings as HandoffSettings
from handoff.config import SettingsError


def _float(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingsError(f"{key} must be a number, got {raw!r}") from exc
    if value <= 0:
        raise SettingsError(f"{key} must be positive")
    return value


@dataclass(frozen=True)
class AnalyticsSettings:
    database_url: str = "sqlite+aiosqlite:///var/handoff.db"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = "dev-rasa-token"
    rasa_timeout: float = 10.0
    inactivity_seconds: float = 1800.0
    low_confidence: float = 0.5
    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    queue: str = "rasa_events"
    batch_size: int = 200
    fetch_concurrency: int = 8

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AnalyticsSettings:
        env = os.environ if env is None else env
        base = HandoffSettings.from_env(env)
        return cls(
            database_url=base.database_url,
            rasa_url=base.rasa_url,
            rasa_token=base.rasa_token,
            rasa_timeout=base.rasa_timeout,
            inactivity_seconds=base.analytics_inactivity_seconds,
            low_confidence=_float(env, "ANALYTICS_LOW_CONFIDENCE", base.low_confidence),
            rabbitmq_url=env.get("ANALYTICS_RABBITMQ_URL")
            or env.get("RABBITMQ_URL")
            or "amqp://guest:guest@127.0.0.1:5672/",
            queue=env.get("ANALYTICS_RABBITMQ_QUEUE", "rasa_events"),
        )
