"""A real handoff server on a free port: the helper in tests/handoff/handoff_served.py."""

from __future__ import annotations

import sys
from pathlib import Path

HANDOFF_TESTS = str(Path(__file__).resolve().parents[1] / "handoff")
if HANDOFF_TESTS not in sys.path:
    sys.path.append(HANDOFF_TESTS)  # appended: it never shadows a module found elsewhere

from handoff_served import Served, free_port  # noqa: E402

__all__ = ["Served", "free_port"]
