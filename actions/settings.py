"""The action server's settings: the ORDER_API_* variables, read once with pydantic's
BaseSettings. Rasa 3.6 pins pydantic 1, whose BaseSettings this is (`pydantic.v1` under
pydantic 2, where the type checker runs)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # checked against pydantic 2's copy of the pydantic 1 API
    from pydantic.v1 import BaseSettings, Field, ValidationError, validator
else:
    try:  # pydantic 2 (the service environment)
        from pydantic.v1 import BaseSettings, Field, ValidationError, validator
    except ImportError:  # pydantic 1 (Rasa's environment, where the action server runs)
        from pydantic import BaseSettings, Field, ValidationError, validator

DEFAULT_URL = "http://127.0.0.1:8081"
DEFAULT_KEY = "demo-order-key"
DEFAULT_TIMEOUT = 1.0  # seconds per attempt
DEFAULT_DEADLINE = 2.0  # seconds for one call including retries (customer hears back < 3 s)

_KINDS = {
    "type_error.integer": "an integer",
    "type_error.float": "a number",
    "value_error.number.not_gt": "a positive number",
}


class SettingsError(ValueError):
    """The environment does not describe a valid configuration of the action server."""


class ActionSettings(BaseSettings):
    order_api_url: str = Field(DEFAULT_URL, env="ORDER_API_URL")
    order_api_key: str = Field(DEFAULT_KEY, env="ORDER_API_KEY")
    order_api_timeout: float = Field(DEFAULT_TIMEOUT, env="ORDER_API_TIMEOUT", gt=0)
    order_api_deadline: float = Field(DEFAULT_DEADLINE, env="ORDER_API_DEADLINE", gt=0)

    class Config:
        allow_mutation = False

        @classmethod
        def customise_sources(
            cls, init_settings: Any, env_settings: Any, file_secret_settings: Any
        ) -> tuple[Any, ...]:
            return (init_settings,)  # from_env reads the environment (or the mapping it is given)

    @validator("order_api_url")
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ActionSettings:
        """Read `env` (default os.environ); SettingsError naming the variable if a value is bad."""
        environ = os.environ if env is None else env
        given = {
            name: environ[field.field_info.extra["env"]]
            for name, field in cls.__fields__.items()
            if environ.get(field.field_info.extra["env"], "") != ""
        }
        try:
            return cls.parse_obj(given)
        except ValidationError as exc:
            raise SettingsError(_describe(exc, environ)) from None


def _describe(exc: ValidationError, environ: Mapping[str, str]) -> str:
    lines = []
    for error in exc.errors():
        field = ActionSettings.__fields__[str(error["loc"][0])]
        name = field.field_info.extra["env"]
        kind = _KINDS.get(error["type"])
        detail = f"must be {kind}" if kind else str(error["msg"])
        lines.append(f"{name} {detail}, got {environ.get(name)!r}")
    return "; ".join(lines)
