"""Fails when pyproject.toml asks for something its lock file does not pin (run by `make lint`).

    python scripts/check_locks.py [ROOT]

Each environment installs only its lock file (`make install`), so a dependency added to
pyproject.toml without `make lock` would be missing there. Checks names and version ranges."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCKS = {
    "requirements/service.lock": ("service", "dev"),
    "requirements/assistant.lock": ("assistant", "assistant-test"),
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)")


def pins(lock: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def problems(root: Path = ROOT) -> list[str]:
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    out: list[str] = []
    for name, groups in LOCKS.items():
        path = root / name
        if not path.exists():
            out.append(f"{name} is missing: run `make lock`")
            continue
        pinned = pins(path)
        wanted = [*project["dependencies"], *(r for group in groups for r in extras[group])]
        for text in wanted:
            req = Requirement(text)
            version = pinned.get(canonicalize_name(req.name))
            if version is None:
                out.append(f"{name} lacks {req.name} ({text}): run `make lock`")
            elif not req.specifier.contains(version, prereleases=True):
                out.append(f"{name} pins {req.name}=={version}, pyproject wants {text}")
    return out


def main(argv: list[str]) -> int:
    found = problems(Path(argv[0]) if argv else ROOT)
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
