"""Settings from the environment."""

import pytest

from shop.config import DEFAULT_API_KEY, ConfigError, Settings


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.host == "127.0.0.1"
    assert settings.port == 8081
    assert settings.database_url == "sqlite+aiosqlite:///var/shop.db"
    assert settings.api_key == DEFAULT_API_KEY
    assert settings.env == "development"
    assert settings.allow_faults is False
    assert settings.max_body_bytes == 64 * 1024


def test_reads_environment() -> None:
    settings = Settings.from_env(
        {
            "SHOP_HOST": "0.0.0.0",
            "SHOP_PORT": "9000",
            "SHOP_API_KEY": "s3cret",
            "SHOP_ENV": "production",
            "SHOP_ALLOW_FAULTS": "1",
            "SHOP_FAULT_LATENCY_MS": "250",
            "SHOP_FAULT_ERROR_RATE": "0.25",
            "SHOP_MAX_BODY_BYTES": "2048",
        }
    )
    assert (settings.host, settings.port, settings.api_key) == ("0.0.0.0", 9000, "s3cret")
    assert settings.allow_faults and settings.fault_latency_ms == 250
    assert settings.fault_error_rate == 0.25 and settings.max_body_bytes == 2048


def test_production_refuses_default_key() -> None:
    with pytest.raises(ConfigError, match="default"):
        Settings.from_env({"SHOP_ENV": "production"})


@pytest.mark.parametrize(
    "env",
    [
        {"SHOP_PORT": "abc"},
        {"SHOP_ENV": "staging"},
        {"SHOP_FAULT_ERROR_RATE": "2"},
        {"SHOP_FAULT_LATENCY_MS": "-1"},
        {"SHOP_API_KEY": ""},
    ],
)
def test_invalid_values_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env(env)


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]
