"""Size limits (issue 10): no Python module over 400 lines, no function over 80 lines.

Usage: python scripts/check_sizes.py [--all]   (exit 1 and a list when something is too big)

Data files (the shop's seed and OpenAPI dict, Alembic migrations) are exempt. ALLOWED names files
still being split: whoever splits one removes its entry (an entry that no longer fails is
reported too, so the list only shrinks). `--all` ignores ALLOWED.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
SOURCE_DIRS = (
    *("actions", "bench", "catalogue", "components", "handoff", "launcher", "scripts", "shop"),
    "tests",
)
DATA_FILES = {"shop/seed.py", "shop/openapi.py"}
DATA_DIRS = ("handoff/store/migrations/",)
SKIP_PARTS = {".venv", ".venv-rasa", "node_modules", "__pycache__", "vendor"}

# Files (or "file:function") still over a limit while someone splits them. Remove your entry when
# done; the check fails on an entry that is no longer needed.
ALLOWED: set[str] = set()


@dataclass(frozen=True)
class Problem:
    key: str
    message: str


def python_files(root: Path = ROOT) -> list[Path]:
    found = []
    for top in SOURCE_DIRS:
        for path in sorted((root / top).rglob("*.py")):
            if SKIP_PARTS.intersection(path.relative_to(root).parts):
                continue
            found.append(path)
    return found


def is_data_file(rel: str) -> bool:
    return rel in DATA_FILES or rel.startswith(DATA_DIRS)


def problems_in(path: Path, rel: str) -> list[Problem]:
    source = path.read_text(encoding="utf-8")
    found = []
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(Problem(rel, f"{rel}: {lines} lines (max {MAX_MODULE_LINES})"))
    for node in ast.walk(ast.parse(source, filename=rel)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - start + 1
            if length > MAX_FUNCTION_LINES:
                key = f"{rel}:{node.name}"
                found.append(
                    Problem(
                        key,
                        f"{rel}:{node.lineno} {node.name}() is {length} lines "
                        f"(max {MAX_FUNCTION_LINES})",
                    )
                )
    return found


def check(root: Path = ROOT, allowed: set[str] | None = None) -> list[str]:
    """Every problem not on the allow-list, and every allow-list entry no longer needed."""
    allowed = ALLOWED if allowed is None else allowed
    report, used = [], set()
    for path in python_files(root):
        rel = path.relative_to(root).as_posix()
        if is_data_file(rel):
            continue
        for problem in problems_in(path, rel):
            if problem.key in allowed:
                used.add(problem.key)
            else:
                report.append(problem.message)
    report += [
        f"{key}: on the allow-list but within limits now: remove it"
        for key in sorted(allowed - used)
    ]
    return report


def main(argv: list[str]) -> int:
    report = check(allowed=set() if "--all" in argv else None)
    for line in report:
        print(line)
    return 1 if report else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
