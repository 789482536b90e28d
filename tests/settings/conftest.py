"""The settings tests read the service's settings (pydantic-settings, Python 3.11: .venv)."""

from __future__ import annotations

from tests.support.environments import require_service

require_service()
