"""One settings reader per process (envsettings, pydantic-settings): clear one-line errors naming
the variable, the environment read only by from_env, production guards, and the real processes
refusing a bad value with that line instead of a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from handoff.analytics.settings import AnalyticsSettings
from handoff.config import RATE_LIMIT_SETTINGS, Settings, SettingsError
from shop.config import ConfigError
from shop.config import Settings as ShopSettings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HANDOFF_PORT": "abc"}, "HANDOFF_PORT must be an integer, got 'abc'"),
        ({"HANDOFF_RASA_TIMEOUT": "soon"}, "HANDOFF_RASA_TIMEOUT must be a number, got 'soon'"),
        ({"HANDOFF_DEMO": "maybe"}, "HANDOFF_DEMO must be 1 or 0, got 'maybe'"),
        ({"HANDOFF_ENV": "staging"}, "HANDOFF_ENV must be 'development', 'test' or 'production'"),
        ({"HANDOFF_SMTP_TLS": "ssl"}, "HANDOFF_SMTP_TLS must be 'none', 'starttls' or 'tls'"),
        ({"ANALYTICS_LIVE_SOURCE": "kafka"}, "ANALYTICS_LIVE_SOURCE must be 'rasa' or 'broker'"),
        ({"HANDOFF_ALLOWED_ORIGINS": "shop.example.com"}, "HANDOFF_ALLOWED_ORIGINS entries"),
        ({"HANDOFF_MESSAGE_LIMIT_ADDRESS": "lots"}, "HANDOFF_MESSAGE_LIMIT_ADDRESS must look"),
        ({"HANDOFF_RASA_TIMEOUT": "10", "HANDOFF_TURN_LEASE_SECONDS": "9"}, "longer than"),
    ],
)
def test_a_bad_value_is_one_clear_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as exc:
        Settings.from_env(env)
    assert message in str(exc.value) and "\n" not in str(exc.value)
    assert "pydantic" not in str(exc.value) and "PydanticUndefined" not in str(exc.value)


def test_every_bad_value_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as exc:
        Settings.from_env({"HANDOFF_PORT": "1.5", "HANDOFF_ENV": "staging"})
    assert "HANDOFF_PORT" in str(exc.value) and "HANDOFF_ENV" in str(exc.value)


def test_names_defaults_and_derived_defaults() -> None:
    dev = Settings.from_env({"HANDOFF_PORT": "", "RASA_URL": "http://rasa:5005/"})
    assert (dev.port, dev.rasa_url, dev.turn_lease_seconds) == (8080, "http://rasa:5005", 8.0)
    assert dev.demo_enabled and not dev.cookie_secure and dev.allowed_origins == ("*",)
    assert Settings.from_env({"HANDOFF_RASA_TIMEOUT": "10"}).turn_lease_seconds == 14.0
    origins = Settings.from_env({"HANDOFF_ALLOWED_ORIGINS": "https://A.example/, http://b.test"})
    assert origins.allowed_origins == ("https://a.example", "http://b.test")
    assert set(RATE_LIMIT_SETTINGS.values()) >= {"HANDOFF_LOGIN_LIMIT_ACCOUNT"}
    assert not Settings.from_env({"HANDOFF_RUN_MIGRATIONS": "0"}).run_migrations


def test_production_refuses_defaults_demo_and_insecure_cookies() -> None:
    strong = "x" * 40
    prod = {
        "HANDOFF_ENV": "production",
        "HANDOFF_SECRET": strong,
        "HANDOFF_SHOP_SECRET": strong,
        "RASA_TOKEN": "t",
        "HANDOFF_ALLOWED_ORIGINS": "https://shop.example.com",
    }
    ok = Settings.from_env(prod)
    assert ok.cookie_secure and not ok.demo_enabled
    with pytest.raises(SettingsError, match="default secrets; set HANDOFF_SECRET"):
        Settings.from_env({**prod, "HANDOFF_SECRET": ""})  # empty = the default
    with pytest.raises(SettingsError, match="HANDOFF_DEMO=1"):
        Settings.from_env({**prod, "HANDOFF_DEMO": "1"})
    with pytest.raises(SettingsError, match="HANDOFF_COOKIE_SECURE=0"):
        Settings.from_env({**prod, "HANDOFF_COOKIE_SECURE": "0"})


def test_only_from_env_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDOFF_PORT", "9001")
    monkeypatch.setenv("SHOP_PORT", "9002")
    assert Settings.from_env().port == 9001 and ShopSettings.from_env().port == 9002
    assert Settings().port == 8080 and ShopSettings().port == 8081  # built in code
    assert Settings.from_env({}).port == 8080  # a given mapping is all there is


def test_settings_are_read_only_and_replace_makes_a_checked_copy() -> None:
    settings = Settings(rasa_url="http://rasa")
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]
    changed = settings.replace(port=9, log_level="debug")
    assert (changed.port, changed.log_level, changed.rasa_url) == (9, "DEBUG", "http://rasa")
    assert settings.port == 8080


def test_analytics_settings_come_from_the_handoff_settings() -> None:
    env = {"HANDOFF_LOW_CONFIDENCE": "0.4", "RABBITMQ_URL": "amqp://r/", "RASA_TOKEN": "tok"}
    analytics = AnalyticsSettings.from_env(env)
    assert (analytics.low_confidence, analytics.rabbitmq_url) == (0.4, "amqp://r/")
    assert analytics.rasa_token == "tok" and analytics.queue == "rasa_events"
    own = AnalyticsSettings.from_env({**env, "ANALYTICS_LOW_CONFIDENCE": "0.3",
                                      "ANALYTICS_RABBITMQ_URL": "amqp://a/"})  # fmt: skip
    assert (own.low_confidence, own.rabbitmq_url) == (0.3, "amqp://a/")
    with pytest.raises(SettingsError, match="ANALYTICS_LOW_CONFIDENCE"):
        AnalyticsSettings.from_env({"ANALYTICS_LOW_CONFIDENCE": "-1"})


def test_shop_settings_errors() -> None:
    with pytest.raises(ConfigError, match="SHOP_PORT must be an integer, got 'abc'"):
        ShopSettings.from_env({"SHOP_PORT": "abc"})
    with pytest.raises(ConfigError, match="SHOP_API_KEY must not be empty"):
        ShopSettings.from_env({"SHOP_API_KEY": ""})
    with pytest.raises(ConfigError, match="SHOP_FAULT_ERROR_RATE"):
        ShopSettings.from_env({"SHOP_FAULT_ERROR_RATE": "2"})
    lenient = ShopSettings.from_env({"SHOP_ENV": " Production ", "SHOP_API_KEY": "k",
                                     "SHOP_DATABASE_URL": ""})  # fmt: skip
    assert lenient.env == "production" and lenient.database_url.endswith("var/shop.db")


@pytest.mark.parametrize(
    ("module", "env", "line"),
    [
        ("handoff", {"HANDOFF_PORT": "abc"}, "HANDOFF_PORT must be an integer, got 'abc'"),
        ("shop", {"SHOP_PORT": "abc"}, "SHOP_PORT must be an integer, got 'abc'"),
        ("handoff.analytics", {"HANDOFF_PORT": "abc"}, "HANDOFF_PORT must be an integer"),
    ],
)
def test_the_processes_refuse_a_bad_value_without_a_traceback(
    module: str, env: dict[str, str], line: str
) -> None:
    argv = [sys.executable, "-m", module] + (["report"] if module == "handoff.analytics" else [])
    done = subprocess.run(
        argv, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert line in done.stderr and "Traceback" not in done.stderr
