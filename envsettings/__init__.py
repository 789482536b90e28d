"""The one way a process of effortless reads its settings: a pydantic-settings class per process
(`handoff.config.Settings`, `shop.config.Settings`), read once with `from_env()`.

- `from_env(env=None)` reads `os.environ` (or the mapping given) and nothing else; a bad value is
  one clear error naming the variable (``HANDOFF_PORT must be an integer, got 'abc'``), raised as
  the class's `error` type, never a traceback of validation internals.
- Constructing the class in code (`Settings(port=0, …)`) takes the defaults and the arguments
  only, never the environment: tests and tools get what they wrote.
- `check()` holds the rules between settings (production refuses default secrets …); from_env
  runs it. Settings are read-only (`AttributeError`); `replace(**changes)` makes a changed copy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, ClassVar

from pydantic import AliasChoices, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars
from typing_extensions import Self

_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("envsettings_environ", default=None)

_KINDS = {
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_parsing": "a number",
    "bool_parsing": "1 or 0",
    "finite_number": "a finite number",
}


class _MappingSource(EnvSettingsSource):
    """pydantic-settings' environment source, over a given mapping instead of os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


class EnvSettings(BaseSettings):
    """Base of every process's settings (see the module's description)."""

    model_config = SettingsConfigDict(
        frozen=True,
        case_sensitive=False,
        env_ignore_empty=True,  # VAR= (empty) means "the default", as before
        populate_by_name=True,
        extra="ignore",
    )
    error: ClassVar[type[ValueError]] = ValueError
    """What `from_env` and `check` raise."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        environ = _ENVIRON.get()
        if environ is None:  # built in code: defaults and arguments only
            return (init_settings,)
        return (init_settings, _MappingSource(settings_cls, environ))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """The settings the environment (or `env`) describes, checked; `cls.error` if invalid."""
        token = _ENVIRON.set(os.environ if env is None else env)
        try:
            settings = cls()
        except ValidationError as exc:
            raise cls.error(describe(cls, exc)) from None
        finally:
            _ENVIRON.reset(token)
        settings.check()
        return settings

    def check(self) -> None:
        """Rules between settings; raise `self.error`. Nothing by default."""

    def replace(self, **changes: Any) -> Self:
        """A copy with some settings changed (validated again)."""
        return type(self)(**{**dict(self), **changes})

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"settings are read-only ({name})")


def env_name(cls: type[BaseSettings], field: str) -> str:
    """The environment variable a field is read from (its first alias, or prefix + NAME)."""
    info = cls.model_fields.get(field)
    if info is None:
        return field
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        alias = alias.choices[0]
    if isinstance(alias, str):
        return alias
    return str(cls.model_config.get("env_prefix", "")) + field.upper()


def describe(cls: type[BaseSettings], exc: ValidationError) -> str:
    """A ValidationError as one line per bad variable: `HANDOFF_PORT must be an integer, got
    'abc'`; a validator's own message is kept as it is."""
    lines = []
    for error in exc.errors(include_url=False):
        loc = error.get("loc") or ("settings",)
        name = env_name(cls, str(loc[0]))
        kind, given = error["type"], error.get("input")
        if kind == "default_factory_not_called":
            continue  # a default that depends on a setting that is itself wrong
        if kind in _KINDS:
            lines.append(f"{name} must be {_KINDS[kind]}, got {given!r}")
        elif kind == "literal_error":
            expected = (error.get("ctx") or {}).get("expected", "")
            lines.append(f"{name} must be {expected}, got {given!r}")
        elif kind == "value_error":
            lines.append(str(error["msg"]).removeprefix("Value error, "))
        else:
            lines.append(f"{name}: {error['msg'].lower()}, got {given!r}")
    return "; ".join(lines)
