"""Settings of the demo order API, read once from the environment and validated."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_API_KEY = "demo-order-key"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/shop.db"
ENVIRONMENTS = ("development", "production")


class ConfigError(ValueError):
    """A setting is missing or invalid."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name} must be between 0 and 1, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8081
    database_url: str = DEFAULT_DATABASE_URL
    api_key: str = DEFAULT_API_KEY
    env: str = "development"
    allow_faults: bool = False
    fault_latency_ms: int = 0
    fault_error_rate: float = 0.0
    max_body_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise ConfigError(f"SHOP_ENV must be one of {ENVIRONMENTS}, got {self.env!r}")
        if not self.api_key:
            raise ConfigError("SHOP_API_KEY must not be empty")
        if self.env == "production" and self.api_key == DEFAULT_API_KEY:
            raise ConfigError("SHOP_ENV=production refuses the default SHOP_API_KEY; set a secret")
        if not 0 < self.port < 65536 and self.port != 0:
            raise ConfigError(f"SHOP_PORT out of range: {self.port}")
        if self.max_body_bytes < 1024:
            raise ConfigError("SHOP_MAX_BODY_BYTES must be at least 1024")
        if not 0.0 <= self.fault_error_rate <= 1.0:
            raise ConfigError("SHOP_FAULT_ERROR_RATE must be between 0 and 1")
        if self.fault_latency_ms < 0:
            raise ConfigError("SHOP_FAULT_LATENCY_MS must be >= 0")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            host=env.get("SHOP_HOST", "127.0.0.1"),
            port=_int(env, "SHOP_PORT", 8081),
            database_url=env.get("SHOP_DATABASE_URL") or DEFAULT_DATABASE_URL,
            api_key=env.get("SHOP_API_KEY", DEFAULT_API_KEY),
            env=env.get("SHOP_ENV", "development").strip().lower() or "development",
            allow_faults=_bool(env, "SHOP_ALLOW_FAULTS"),
            fault_latency_ms=_int(env, "SHOP_FAULT_LATENCY_MS", 0),
            fault_error_rate=_float(env, "SHOP_FAULT_ERROR_RATE", 0.0),
            max_body_bytes=_int(env, "SHOP_MAX_BODY_BYTES", 64 * 1024, minimum=1024),
        )
