"""Settings of the demo order API: SHOP_<FIELD> variables, read once with `Settings.from_env()`
(pydantic-settings, see envsettings) and checked."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticUseDefault
from pydantic_settings import SettingsConfigDict

from envsettings import EnvSettings

DEFAULT_API_KEY = "demo-order-key"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/shop.db"
ENVIRONMENTS = ("development", "production")


class ConfigError(ValueError):
    """A setting is missing or invalid."""


class Settings(EnvSettings):
    # An empty SHOP_API_KEY is an error, not the default key: empty values are handled below.
    model_config = SettingsConfigDict(env_prefix="SHOP_", env_ignore_empty=False)
    error = ConfigError

    host: str = "127.0.0.1"
    port: int = 8081
    database_url: str = DEFAULT_DATABASE_URL
    api_key: str = DEFAULT_API_KEY
    env: Literal["development", "production"] = "development"
    allow_faults: bool = False
    fault_latency_ms: int = Field(0, ge=0)
    fault_error_rate: float = Field(0.0, ge=0.0, le=1.0)
    max_body_bytes: int = Field(64 * 1024, ge=1024)

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_default(cls, value: object, info: ValidationInfo) -> object:
        if value == "" and info.field_name != "api_key":
            raise PydanticUseDefault()
        return value

    @field_validator("env", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    def check(self) -> None:
        if not self.api_key:
            raise ConfigError("SHOP_API_KEY must not be empty")
        if self.env == "production" and self.api_key == DEFAULT_API_KEY:
            raise ConfigError("SHOP_ENV=production refuses the default SHOP_API_KEY; set a secret")
        if not 0 <= self.port < 65536:
            raise ConfigError(f"SHOP_PORT out of range: {self.port}")
