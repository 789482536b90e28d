"""Settings for the handoff service: one frozen object, read from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import limits

DEFAULT_SECRET = "dev-handoff-secret-change-me-in-production"
DEFAULT_SHOP_SECRET = "dev-shop-secret-change-me-in-production"
DEFAULT_RASA_TOKEN = "dev-rasa-token"
LANGUAGES = ("en", "ko")
ANY_ORIGIN = "*"


class SettingsError(ValueError):
    """The environment does not describe a valid configuration."""


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{key} must be an integer, got {raw!r}") from exc


def _float(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{key} must be a number, got {raw!r}") from exc


def _flag(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = env.get(key, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{key} must be 1 or 0, got {raw!r}")


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


def _origins(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("HANDOFF_ALLOWED_ORIGINS")
    if raw is None:
        # Development and tests accept any origin; production must name its shops.
        return () if env.get("HANDOFF_ENV") == "production" else (ANY_ORIGIN,)
    return tuple(normalise_origin(part) for part in raw.split(",") if part.strip())


RATE_LIMIT_SETTINGS = {
    "login_limit_account": "HANDOFF_LOGIN_LIMIT_ACCOUNT",
    "login_limit_address": "HANDOFF_LOGIN_LIMIT_ADDRESS",
    "conversation_limit_address": "HANDOFF_CONVERSATION_LIMIT_ADDRESS",
    "message_limit_conversation": "HANDOFF_MESSAGE_LIMIT_CONVERSATION",
    "message_limit_address": "HANDOFF_MESSAGE_LIMIT_ADDRESS",
}


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = "sqlite+aiosqlite:///var/handoff.db"
    secret: str = DEFAULT_SECRET
    shop_secret: str = DEFAULT_SHOP_SECRET
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = DEFAULT_RASA_TOKEN
    rasa_timeout: float = 4.0
    # Durable bot turns (handoff.gateway.turns): a "still checking" notice after this long,
    # a lease on a running turn, and how often an instance re-drives abandoned turns.
    still_checking_seconds: float = 2.0
    turn_lease_seconds: float = 8.0
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
    analytics_live_seconds: float = 30.0
    analytics_live_source: str = "rasa"
    analytics_inactivity_seconds: float = 1800.0
    run_migrations: bool = True
    log_format: str = "json"
    log_level: str = "INFO"
    cookie_secure: bool = False
    # The demo shop page (`/demo`), which mints signed-in customer tokens: never in production.
    demo_enabled: bool = True
    # Conversation tokens (JWT) live this long; the widget exchanges them for fresh ones before.
    conversation_token_ttl_seconds: int = 24 * 3600
    # Rate limits in the `limits` notation ("10 per 15 minutes; 50 per day") or "off".
    login_limit_account: str = "10 per 15 minutes"
    login_limit_address: str = "50 per 15 minutes"
    conversation_limit_address: str = "30 per minute; 500 per hour"
    message_limit_conversation: str = "30 per minute"
    message_limit_address: str = "120 per minute"
    # Origins whose pages may call the customer API and load the widget (CORS); "*" = any.
    allowed_origins: tuple[str, ...] = (ANY_ORIGIN,)
    # The shop's name in customer-facing texts (the CES question); empty = "the shop".
    shop_name: str = ""
    # Customers' photos: where the files live, and the largest upload accepted.
    attachments_dir: str = "var/attachments"
    attachment_max_bytes: int = 10 * 1024 * 1024
    # Outgoing e-mail (transcripts, replies to customers who left); no host = e-mail is off.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_tls: str = "starttls"  # none | starttls | tls
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_timeout: float = 10.0
    mail_from: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def instance(self) -> str:
        return self.instance_id or f"{self.host}:{self.port}"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_host)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        production = env.get("HANDOFF_ENV") == "production"
        settings = cls(
            environment=env.get("HANDOFF_ENV", "development"),
            host=env.get("HANDOFF_HOST", "127.0.0.1"),
            port=_int(env, "HANDOFF_PORT", 8080),
            database_url=env.get("HANDOFF_DATABASE_URL", cls.database_url),
            secret=env.get("HANDOFF_SECRET", DEFAULT_SECRET),
            shop_secret=env.get("HANDOFF_SHOP_SECRET", DEFAULT_SHOP_SECRET),
            rasa_url=env.get("RASA_URL", cls.rasa_url).rstrip("/"),
            rasa_token=env.get("RASA_TOKEN", DEFAULT_RASA_TOKEN),
            rasa_timeout=_float(env, "HANDOFF_RASA_TIMEOUT", 4.0),
            still_checking_seconds=_float(env, "HANDOFF_STILL_CHECKING_SECONDS", 2.0),
            turn_lease_seconds=_float(
                env,
                "HANDOFF_TURN_LEASE_SECONDS",
                max(8.0, _float(env, "HANDOFF_RASA_TIMEOUT", 4.0) + 4.0),
            ),
            turn_sweep_seconds=_float(env, "HANDOFF_TURN_SWEEP_SECONDS", 1.0),
            instance_id=env.get("HANDOFF_INSTANCE_ID", ""),
            pubsub_url=env.get("HANDOFF_PUBSUB_URL", "memory://"),
            leave_grace_seconds=_float(env, "HANDOFF_LEAVE_GRACE_SECONDS", 60.0),
            session_ttl_seconds=_int(env, "HANDOFF_SESSION_TTL_SECONDS", 12 * 3600),
            presence_ttl_seconds=_int(env, "HANDOFF_PRESENCE_TTL_SECONDS", 120),
            default_handle_seconds=_int(env, "HANDOFF_DEFAULT_HANDLE_SECONDS", 300),
            long_wait_seconds=_int(env, "HANDOFF_LONG_WAIT_SECONDS", 600),
            low_confidence=_float(env, "HANDOFF_LOW_CONFIDENCE", 0.5),
            analytics_live_seconds=_float(env, "ANALYTICS_LIVE_SECONDS", 30.0),
            analytics_live_source=env.get("ANALYTICS_LIVE_SOURCE", "rasa"),
            analytics_inactivity_seconds=_float(env, "ANALYTICS_INACTIVITY_SECONDS", 1800.0),
            run_migrations=env.get("HANDOFF_RUN_MIGRATIONS", "1") not in ("0", "false", "no"),
            log_format=env.get("HANDOFF_LOG_FORMAT", "json"),
            log_level=env.get("HANDOFF_LOG_LEVEL", "INFO").upper(),
            cookie_secure=_flag(env, "HANDOFF_COOKIE_SECURE", production),
            allowed_origins=_origins(env),
            demo_enabled=_flag(env, "HANDOFF_DEMO", not production),
            conversation_token_ttl_seconds=_int(
                env, "HANDOFF_CONVERSATION_TOKEN_TTL_SECONDS", 24 * 3600
            ),
            login_limit_account=env.get("HANDOFF_LOGIN_LIMIT_ACCOUNT") or cls.login_limit_account,
            login_limit_address=env.get("HANDOFF_LOGIN_LIMIT_ADDRESS") or cls.login_limit_address,
            conversation_limit_address=env.get("HANDOFF_CONVERSATION_LIMIT_ADDRESS")
            or cls.conversation_limit_address,
            message_limit_conversation=env.get("HANDOFF_MESSAGE_LIMIT_CONVERSATION")
            or cls.message_limit_conversation,
            message_limit_address=env.get("HANDOFF_MESSAGE_LIMIT_ADDRESS")
            or cls.message_limit_address,
            shop_name=env.get("HANDOFF_SHOP_NAME", "").strip(),
            attachments_dir=env.get("HANDOFF_ATTACHMENTS_DIR", cls.attachments_dir),
            attachment_max_bytes=_int(env, "HANDOFF_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024),
            smtp_host=env.get("HANDOFF_SMTP_HOST", "").strip(),
            smtp_port=_int(env, "HANDOFF_SMTP_PORT", 587),
            smtp_tls=env.get("HANDOFF_SMTP_TLS", "starttls").strip().lower(),
            smtp_user=env.get("HANDOFF_SMTP_USER", ""),
            smtp_password=env.get("HANDOFF_SMTP_PASSWORD", ""),
            smtp_timeout=_float(env, "HANDOFF_SMTP_TIMEOUT", 10.0),
            mail_from=env.get("HANDOFF_MAIL_FROM", "").strip(),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.environment not in ("development", "test", "production"):
            raise SettingsError("HANDOFF_ENV must be development, test or production")
        if not 0 < self.port < 65536:
            raise SettingsError("HANDOFF_PORT must be between 1 and 65535")
        if self.rasa_timeout <= 0:
            raise SettingsError("HANDOFF_RASA_TIMEOUT must be positive")
        if self.analytics_live_seconds < 0:
            raise SettingsError("ANALYTICS_LIVE_SECONDS must be 0 (off) or positive")
        if self.analytics_live_source not in ("rasa", "broker"):
            raise SettingsError("ANALYTICS_LIVE_SOURCE must be rasa or broker")
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
        if self.log_format not in ("json", "text"):
            raise SettingsError("HANDOFF_LOG_FORMAT must be json or text")
        if not (self.pubsub_url.startswith("memory://") or self.pubsub_url.startswith("redis")):
            raise SettingsError("HANDOFF_PUBSUB_URL must be memory:// or redis://…")
        if self.conversation_token_ttl_seconds < 60:
            raise SettingsError("HANDOFF_CONVERSATION_TOKEN_TTL_SECONDS must be at least 60")
        for name, key in RATE_LIMIT_SETTINGS.items():
            parse_rate_limit(key, getattr(self, name))
        if not 0 < self.attachment_max_bytes <= 50 * 1024 * 1024:
            raise SettingsError("HANDOFF_ATTACHMENT_MAX_BYTES must be between 1 and 52428800")
        if self.smtp_tls not in ("none", "starttls", "tls"):
            raise SettingsError("HANDOFF_SMTP_TLS must be none, starttls or tls")
        if not 0 < self.smtp_port < 65536:
            raise SettingsError("HANDOFF_SMTP_PORT must be between 1 and 65535")
        if self.smtp_host and "@" not in self.mail_from:
            raise SettingsError(
                "HANDOFF_MAIL_FROM (the sender address) is required when HANDOFF_SMTP_HOST is set"
            )
        if self.smtp_user and not self.smtp_password:
            raise SettingsError("HANDOFF_SMTP_PASSWORD is required with HANDOFF_SMTP_USER")
        if self.is_production:
            defaults = {
                "HANDOFF_SECRET": (self.secret, DEFAULT_SECRET),
                "HANDOFF_SHOP_SECRET": (self.shop_secret, DEFAULT_SHOP_SECRET),
                "RASA_TOKEN": (self.rasa_token, DEFAULT_RASA_TOKEN),
            }
            bad = [name for name, (value, default) in defaults.items() if value == default]
            if bad:
                raise SettingsError(
                    "production refuses default secrets; set " + ", ".join(sorted(bad))
                )
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
