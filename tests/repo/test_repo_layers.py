"""Issue 10: the handoff service's layers (import-linter contracts in pyproject.toml)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_handoff_features_and_shared_modules_keep_their_layers() -> None:
    if sys.version_info < (3, 11):
        pytest.skip("import-linter lives in .venv (Python 3.11): make lint, make test-service")
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint_imports is None:
        pytest.fail("import-linter is not installed (pip install -e '.[dev]')")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [lint_imports, "--no-cache", "--no-logo"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
