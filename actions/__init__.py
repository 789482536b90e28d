"""The assistant's custom actions, run by the Rasa SDK action server (`rasa run actions`).

The action server's settings (actions.settings) are checked when it loads this package: a bad
ORDER_API_* value stops it at once with one clear line, not every order lookup later."""

from actions.settings import ActionSettings, SettingsError

try:
    ActionSettings.from_env()
except SettingsError as exc:
    raise SystemExit(f"configuration error: {exc}") from None
