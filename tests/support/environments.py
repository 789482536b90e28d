"""Which environment runs which test folder.

Rasa 3.6 (Python 3.10, old Sanic) and the handoff service (Python 3.11, new Sanic) cannot share
one environment, so `pytest` in each venv runs what it can: every folder's conftest calls one of
these first, and the folder is skipped (with the reason below) in the other venv."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SERVICE = "runs in .venv (Python 3.11, service and dev extras): make test-service, make test-e2e"
ASSISTANT = "runs in .venv-rasa (Python 3.10, Rasa): make test-assistant"
ROOT = Path(__file__).resolve().parents[2]


def _missing(modules: tuple[str, ...]) -> list[str]:
    return [name for name in modules if importlib.util.find_spec(name) is None]


def _skip(reason: str, missing: list[str]) -> None:
    folder = Path(sys._getframe(2).f_globals.get("__file__", "?")).parent
    where = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
    detail = f" (missing here: {', '.join(missing)})" if missing else ""
    pytest.skip(f"{where}/ {reason}{detail}", allow_module_level=True)


def require_service(*extra: str) -> None:
    """Skip the calling conftest's folder unless this is the service environment."""
    missing = _missing(("sanic", "limits", "argon2", *extra))
    if sys.version_info < (3, 11) or missing:
        _skip(SERVICE, missing)


def require_assistant(*modules: str) -> None:
    """Skip the calling conftest's folder unless Rasa / the Rasa SDK are importable."""
    missing = _missing(modules or ("rasa_sdk",))
    if missing:
        _skip(ASSISTANT, missing)
