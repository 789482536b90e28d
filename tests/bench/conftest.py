"""The benchmark tests run in the service environment (.venv)."""

from __future__ import annotations

from tests.support.environments import require_service

require_service()
