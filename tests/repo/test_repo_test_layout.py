"""Issue 10: plain `pytest` from the root runs every test, so no test edits sys.path or imports a
conftest, another test module or a helper by its bare name; shared helpers live in tests/support
(`tests.support.*`)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
# Modules of tests/ are imported as `tests.support.x`, never by their bare name.
LOCAL = {path.stem for path in TESTS.rglob("*.py")} - {"__init__"}


def offences(path: Path) -> list[str]:
    found: list[str] = []
    where = path.relative_to(TESTS.parent) if path.is_relative_to(TESTS.parent) else path
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            last = name.rsplit(".", 1)[-1]
            if last == "conftest" or last.startswith("test_") or name in LOCAL:
                found.append(f"{where}:{node.lineno} imports {name}")
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "path"
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
        ):
            found.append(f"{where}:{node.lineno} uses sys.path")
    return found


def test_no_test_imports_a_test_module_or_edits_sys_path() -> None:
    found = [o for path in sorted(TESTS.rglob("*.py")) for o in offences(path)]
    assert found == []


def test_the_check_finds_an_offence(tmp_path: Path) -> None:
    bad = tmp_path / "test_probe.py"
    bad.write_text(
        "import sys\nfrom conftest import x\nfrom shop_testkit import y\nsys.path.insert(0, '.')\n"
    )
    assert len(offences(bad)) == 3
