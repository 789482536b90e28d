"""The text catalogue: `catalogue/texts/<part>.yml`, one entry per text with every language.

An entry is a mapping {language: text}; a part may nest entries in groups (order values) or, for
bot responses, hold {text: entry, buttons: [{payload, title: entry}]}. Placeholders are
`{name}` and are the same in every language (tests/catalogue/test_catalogue.py).
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from catalogue import vocabulary

LANGUAGES = ("en", "ko")
DEFAULT_LANGUAGE = "en"
DIRECTORY = Path(__file__).resolve().parent / "texts"
PARTS = ("responses", "actions", "order_values", "gateway", "widget", "console")
# In a served script: `/*catalogue:widget*/ {}` or `/*catalogue:console.strings*/ {}` (texts),
# `/*vocabulary:NOT_A_TOPIC*/ []` (a group of catalogue/vocabulary.py, as a sorted list).
SCRIPT_MARKER = re.compile(r"/\*catalogue:(\w+)(?:\.(\w+))?\*/\s*(?:\{\}|\[\]|null)")
VOCABULARY_MARKER = re.compile(r"/\*vocabulary:([A-Z_]+)\*/\s*\[\]")


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
    """A text entry: a mapping from language codes to texts."""
    return (
        isinstance(value, dict)
        and bool(value)
        and set(value) <= set(LANGUAGES)
        and all(isinstance(text, str) for text in value.values())
    )


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
    the catalogue does not have gets the default language (and so would a text lacking the
    language, which tests/catalogue does not let through)."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    data = load(part)
    if group is not None:
        data = data[group]
    return {key: entry.get(language, entry[DEFAULT_LANGUAGE]) for key, entry in data.items()}


def tables(part: str, group: str | None = None) -> dict[str, dict[str, str]]:
    """language → key → text."""
    return {language: table(part, language, group) for language in LANGUAGES}


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def localised(data: Any, language: str) -> Any:
    """The part (or group) with every entry replaced by its text in `language`."""
    if is_entry(data):
        return data.get(language, data[DEFAULT_LANGUAGE])
    if isinstance(data, dict):
        return {key: localised(value, language) for key, value in data.items()}
    if isinstance(data, list):
        return [localised(value, language) for value in data]
    return data


def script_texts(source: str) -> str:
    """A browser script with its catalogue markers replaced by {language: texts} as JSON."""

    def replace(match: re.Match[str]) -> str:
        data = load(match.group(1))
        if match.group(2):
            data = data[match.group(2)]
        by_language = {language: localised(data, language) for language in LANGUAGES}
        return json.dumps(by_language, ensure_ascii=False, separators=(",", ":"))

    def group(match: re.Match[str]) -> str:
        return json.dumps(sorted(getattr(vocabulary, match.group(1))))

    return VOCABULARY_MARKER.sub(group, SCRIPT_MARKER.sub(replace, source))
