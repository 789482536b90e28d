"""What the analytics CLI needs of the handoff service's settings (read by handoff.config)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from handoff.config import Settings


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
    def from_settings(cls, base: Settings) -> AnalyticsSettings:
        low = base.analytics_low_confidence
        return cls(
            database_url=base.database_url,
            rasa_url=base.rasa_url,
            rasa_token=base.rasa_token,
            rasa_timeout=base.rasa_timeout,
            inactivity_seconds=base.analytics_inactivity_seconds,
            low_confidence=base.low_confidence if low is None else low,
            rabbitmq_url=base.analytics_rabbitmq_url,
            queue=base.analytics_rabbitmq_queue,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AnalyticsSettings:
        """The handoff service's settings (SettingsError if invalid), as the CLI uses them."""
        return cls.from_settings(Settings.from_env(env))
