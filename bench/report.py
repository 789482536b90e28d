"""The benchmarks' command lines (parser, logging, settings from the options), printing tables
and writing JSON reports to bench/results/."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    SettingsT = TypeVar("SettingsT", bound=DataclassInstance)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


def write_report(name: str, result: dict[str, Any], directory: Path | None = None) -> Path:
    """Write ``<name>-<timestamp>.json`` and ``<name>-latest.json``; return the first path."""
    target = directory or RESULTS
    target.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    body = json.dumps(
        {"generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **result},
        indent=2,
        ensure_ascii=False,
        default=str,
    )
    path = target / f"{name}-{stamp}.json"
    path.write_text(body + "\n", encoding="utf-8")
    (target / f"{name}-latest.json").write_text(body + "\n", encoding="utf-8")
    return path


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    print(format_table(headers, rows))


def cli_parser(prog: str, doc: str | None) -> argparse.ArgumentParser:
    """A benchmark's command line, its module docstring as the help text."""
    return argparse.ArgumentParser(
        prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


def settings_from(
    cls: type[SettingsT], source: argparse.Namespace | Mapping[str, Any], **values: Any
) -> SettingsT:
    """A settings dataclass whose fields take the parsed options (or the mapping's values) of
    the same names; `values` set the fields named otherwise. A field without a value keeps its
    default."""
    given = source if isinstance(source, Mapping) else vars(source)
    options = {f.name: given[f.name] for f in dataclasses.fields(cls) if f.name in given}
    return cls(**(options | values))
