"""Settings of the handoff service (and its analytics CLI): one frozen object, read from the
environment once with `Settings.from_env()` (pydantic-settings, see envsettings). README's table
lists every variable; most are HANDOFF_<FIELD>, the rest name their variable below."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

import limits
from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from envsettings import EnvSettings, env_name

DEFAULT_SECRET = "dev-handoff-secret-change-me-in-production"
DEFAULT_SHOP_SECRET = "dev-shop-secret-change-me-in-production"
DEFAULT_RASA_TOKEN = "dev-rasa-token"
LANGUAGES = ("en", "ko")
ANY_ORIGIN = "*"


class SettingsError(ValueError):
    """The environment does not describe a valid configuration."""


RATE_LIMIT_OFF = "off"


def parse_rate_limit(key: str, raw: str) -> tuple[limits.RateLimitItem, ...]:
    """`"10 per 15 minutes; 50 per day"` (the `limits` notation) or `off`; SettingsError if not."""
    value = raw.strip()
    if value.lower() == RATE_LIMIT_OFF:
        return ()
    try:
        return tuple(limits.parse_many(value))
    except ValueError as exc:
        raise SettingsError(
            f"{key} must look like '10 per minute' or '10 per minute; 100 per hour' or 'off', "
            f"got {raw!r}"
        ) from exc


def normalise_origin(raw: str) -> str:
    """`https://Shop.example.com/` → `https://shop.example.com`; SettingsError if not an origin."""
    value = raw.strip().rstrip("/")
    if value == ANY_ORIGIN:
        return value
    parsed = urlsplit(value)
    if (
        parsed.scheme not in ("http", "https")
        or not parsed.hostname
        or parsed.path
        or parsed.query
        or parsed.fragment
        or parsed.username
    ):
        raise SettingsError(
            f"HANDOFF_ALLOWED_ORIGINS entries must look like https://shop.example.com, got {raw!r}"
        )
    return value.lower()


def _production(data: dict[str, object]) -> bool:
    return data.get("environment") == "production"


def _env(name: str) -> AliasChoices:
    """Read from `name` (not HANDOFF_<FIELD>); code may still pass the field's name."""
    return AliasChoices(name)


class Settings(EnvSettings):
    model_config = SettingsConfigDict(env_prefix="HANDOFF_")
    error = SettingsError

    environment: Literal["development", "test", "production"] = Field(
        "development", validation_alias=_env("HANDOFF_ENV")
    )
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = "sqlite+aiosqlite:///var/handoff.db"
    secret: str = DEFAULT_SECRET
    shop_secret: str = DEFAULT_SHOP_SECRET
    rasa_url: str = Field("http://127.0.0.1:5005", validation_alias=_env("RASA_URL"))
    rasa_token: str = Field(DEFAULT_RASA_TOKEN, validation_alias=_env("RASA_TOKEN"))
    # One bot turn's deadline: 3 s leaves the REST customer (who gets the "still checking"
    # notice only with the final answer) 2 s for the handoff's own writes within 5 s (issue 16).
    rasa_timeout: float = 3.0
    # Durable bot turns (handoff.gateway.turns): a "still checking" notice after this long,
    # a lease on a running turn, and how often an instance re-drives abandoned turns.
    still_checking_seconds: float = 1.5
    turn_lease_seconds: float = Field(
        default_factory=lambda data: max(8.0, float(data.get("rasa_timeout", 3.0)) + 4.0)
    )
    turn_sweep_seconds: float = 1.0
    # Who holds a turn's lease; a restarted instance takes its own unfinished turns back at
    # once. Default host:port (unique per instance on one machine); set it on a cluster.
    instance_id: str = ""
    pubsub_url: str = "memory://"
    leave_grace_seconds: float = 60.0
    session_ttl_seconds: int = 12 * 3600
    presence_ttl_seconds: int = 120
    default_handle_seconds: int = 300
    long_wait_seconds: int = 600
    low_confidence: float = 0.5
    # The containment log is kept current by a background task (0 = off; then run
    # `python -m handoff.analytics compute` on a schedule). Source: rasa (HTTP API) | broker.
    analytics_live_seconds: float = Field(30.0, validation_alias=_env("ANALYTICS_LIVE_SECONDS"))
    analytics_live_source: Literal["rasa", "broker"] = Field(
        "rasa", validation_alias=_env("ANALYTICS_LIVE_SOURCE")
    )
    analytics_inactivity_seconds: float = Field(
        1800.0, validation_alias=_env("ANALYTICS_INACTIVITY_SECONDS")
    )
    # The analytics CLI (handoff.analytics): the NLU review's threshold (default
    # low_confidence) and Rasa's event broker.
    analytics_low_confidence: float | None = Field(
        None, gt=0, validation_alias=_env("ANALYTICS_LOW_CONFIDENCE")
    )
    analytics_rabbitmq_url: str = Field(
        "amqp://guest:guest@127.0.0.1:5672/",
        validation_alias=AliasChoices("ANALYTICS_RABBITMQ_URL", "RABBITMQ_URL"),
    )
    analytics_rabbitmq_queue: str = Field(
        "rasa_events", validation_alias=_env("ANALYTICS_RABBITMQ_QUEUE")
    )
    run_migrations: bool = True
    log_format: Literal["json", "text"] = "json"
    log_level: str = "INFO"
    cookie_secure: bool = Field(default_factory=_production)
    # The demo shop page (`/demo`), which mints signed-in customer tokens: never in production.
    demo_enabled: bool = Field(
        default_factory=lambda data: not _production(data), validation_alias=_env("HANDOFF_DEMO")
    )
    # Conversation tokens (JWT) live this long; the widget exchanges them for fresh ones before.
    conversation_token_ttl_seconds: int = 24 * 3600
    # Rate limits in the `limits` notation ("10 per 15 minutes; 50 per day") or "off".
    login_limit_account: str = "10 per 15 minutes"
    login_limit_address: str = "50 per 15 minutes"
    conversation_limit_address: str = "30 per minute; 500 per hour"
    message_limit_conversation: str = "30 per minute"
    message_limit_address: str = "120 per minute"
    # Origins whose pages may call the customer API and load the widget (CORS); "*" = any.
    # Development and tests accept any origin; production must name its shops.
    allowed_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        default_factory=lambda data: () if _production(data) else (ANY_ORIGIN,)
    )
    # The shop's name in customer-facing texts (the CES question); empty = "the shop".
    shop_name: str = ""
    # Customers' photos: where the files live, and the largest upload accepted.
    attachments_dir: str = "var/attachments"
    attachment_max_bytes: int = 10 * 1024 * 1024
    # Outgoing e-mail (transcripts, replies to customers who left); no host = e-mail is off.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_timeout: float = 10.0
    mail_from: str = ""

    @field_validator("rasa_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("shop_name", "smtp_host", "mail_from")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("smtp_tls", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(normalise_origin(part) for part in value.split(",") if part.strip())
        return value

    @property
    def instance(self) -> str:
        return self.instance_id or f"{self.host}:{self.port}"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_host)

    def check(self) -> None:
        self._check_numbers()
        for name, key in RATE_LIMIT_SETTINGS.items():
            parse_rate_limit(key, getattr(self, name))
        if not (self.pubsub_url.startswith("memory://") or self.pubsub_url.startswith("redis")):
            raise SettingsError("HANDOFF_PUBSUB_URL must be memory:// or redis://…")
        if self.smtp_host and "@" not in self.mail_from:
            raise SettingsError(
                "HANDOFF_MAIL_FROM (the sender address) is required when HANDOFF_SMTP_HOST is set"
            )
        if self.smtp_user and not self.smtp_password:
            raise SettingsError("HANDOFF_SMTP_PASSWORD is required with HANDOFF_SMTP_USER")
        if self.is_production:
            self._check_production()

    def _check_numbers(self) -> None:
        if not 0 < self.port < 65536:
            raise SettingsError("HANDOFF_PORT must be between 1 and 65535")
        if self.rasa_timeout <= 0:
            raise SettingsError("HANDOFF_RASA_TIMEOUT must be positive")
        if self.analytics_live_seconds < 0:
            raise SettingsError("ANALYTICS_LIVE_SECONDS must be 0 (off) or positive")
        if self.analytics_inactivity_seconds <= 0:
            raise SettingsError("ANALYTICS_INACTIVITY_SECONDS must be positive")
        if self.turn_lease_seconds <= self.rasa_timeout:
            raise SettingsError(
                "HANDOFF_TURN_LEASE_SECONDS must be longer than HANDOFF_RASA_TIMEOUT "
                "(a turn must end before another instance may take it over)"
            )
        if self.turn_sweep_seconds <= 0 or self.still_checking_seconds <= 0:
            raise SettingsError(
                "HANDOFF_TURN_SWEEP_SECONDS and HANDOFF_STILL_CHECKING_SECONDS must be positive"
            )
        if self.conversation_token_ttl_seconds < 60:
            raise SettingsError("HANDOFF_CONVERSATION_TOKEN_TTL_SECONDS must be at least 60")
        if not 0 < self.attachment_max_bytes <= 50 * 1024 * 1024:
            raise SettingsError("HANDOFF_ATTACHMENT_MAX_BYTES must be between 1 and 52428800")
        if not 0 < self.smtp_port < 65536:
            raise SettingsError("HANDOFF_SMTP_PORT must be between 1 and 65535")

    def _check_production(self) -> None:
        defaults = {
            "HANDOFF_SECRET": (self.secret, DEFAULT_SECRET),
            "HANDOFF_SHOP_SECRET": (self.shop_secret, DEFAULT_SHOP_SECRET),
            "RASA_TOKEN": (self.rasa_token, DEFAULT_RASA_TOKEN),
        }
        bad = [name for name, (value, default) in defaults.items() if value == default]
        if bad:
            raise SettingsError("production refuses default secrets; set " + ", ".join(sorted(bad)))
        if len(self.secret) < 32:
            raise SettingsError("HANDOFF_SECRET must be at least 32 characters in production")
        if len(self.shop_secret) < 32:
            raise SettingsError(
                "HANDOFF_SHOP_SECRET must be at least 32 characters in production (an HS256 "
                "key shorter than the hash is guessable)"
            )
        if self.demo_enabled:
            raise SettingsError(
                "production refuses HANDOFF_DEMO=1: the demo page mints signed-in customer "
                "tokens for anyone"
            )
        if not self.cookie_secure:
            raise SettingsError(
                "production refuses HANDOFF_COOKIE_SECURE=0: the session cookie must be Secure"
            )
        if not self.allowed_origins or ANY_ORIGIN in self.allowed_origins:
            raise SettingsError(
                "production needs explicit HANDOFF_ALLOWED_ORIGINS (the shop origins that "
                "embed the widget, e.g. https://shop.example.com); '*' is refused"
            )


RATE_LIMIT_SETTINGS = {
    name: env_name(Settings, name)
    for name in (
        "login_limit_account",
        "login_limit_address",
        "conversation_limit_address",
        "message_limit_conversation",
        "message_limit_address",
    )
}
"""The rate-limit settings and the variables they are read from."""
