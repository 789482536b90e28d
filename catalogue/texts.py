"""The text catalogue: `catalogue/texts/<part>.yml`, one entry per text with every language.

An entry is a mapping {language: text}; a part may nest entries in groups (order values) or, for
bot responses, hold {text: entry, buttons: [{payload, title: entry}]}. Placeholders are
`{name}` and are the same in every language (tests/catalogue/test_catalogue.py).
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("en", "ko")
DEFAULT_LANGUAGE = "en"
DIRECTORY = Path(__file__).resolve().parent / "texts"
PARTS = ("responses", "actions", "order_values", "gateway")


@cache
def load(part: str) -> dict[str, Any]:
    """The raw contents of `texts/<part>.yml`."""
    if part not in PARTS:
        raise KeyError(f"no catalogue part {part!r}")
    with (DIRECTORY / f"{part}.yml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"catalogue part {part!r} is not a mapping")
    return data


def is_entry(value: Any) -> bool:
    """A text entry: a mapping whose keys are all language codes."""
    return isinstance(value, dict) and bool(value) and set(value) <= set(LANGUAGES)


def entries(data: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every text entry of a part, with its dotted path (buttons by index)."""
    if is_entry(data):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if key == "payload":
                continue
            yield from entries(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from entries(value, f"{path}.{index}")


@cache
def table(part: str, language: str, group: str | None = None) -> dict[str, str]:
    """key → text in `language` for a flat part (or one group of a nested part). A language
    the catalogue does not have gets the default language."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    data = load(part)
    if group is not None:
        data = data[group]
    return {key: entry[language] for key, entry in data.items()}


def tables(part: str, group: str | None = None) -> dict[str, dict[str, str]]:
    """language → key → text."""
    return {language: table(part, language, group) for language in LANGUAGES}


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}
