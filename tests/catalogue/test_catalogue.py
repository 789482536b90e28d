"""The one text catalogue (catalogue/texts/*.yml): every text in every language with the same
placeholders, no English in Korean, and domain.yml's responses generated from it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.english import english_fragments
from catalogue import domain
from catalogue import texts as catalogue

ROOT = Path(__file__).resolve().parents[2]
LATIN_KOREAN = {"1", "2", "3", "4", "5", "6", "7"}  # CES scale button titles
BRANDS = ("effortless",)  # the product's name stays as it is
SCRIPTS = ("handoff/static/widget.js", "handoff/static/console/console.js")


def problems(data: Any) -> list[str]:
    """Why the part's entries are incomplete: a missing language, an empty text, or
    placeholders that differ from the default language's."""
    found = []
    for path, entry in catalogue.entries(data):
        missing = [lang for lang in catalogue.LANGUAGES if lang not in entry]
        if missing:
            found.append(f"{path}: lacks {missing}")
            continue
        english = catalogue.placeholders(str(entry[catalogue.DEFAULT_LANGUAGE]))
        for language, template in entry.items():
            if not isinstance(template, str) or not template.strip():
                found.append(f"{path}: {language} is empty")
            elif catalogue.placeholders(template) != english:
                found.append(f"{path}: {language} placeholders differ from English")
    return found


@pytest.mark.parametrize("part", catalogue.PARTS)
def test_every_text_has_every_language_with_the_same_placeholders(part: str) -> None:
    data = catalogue.load(part)
    assert sum(1 for _ in catalogue.entries(data)) >= 10
    assert problems(data) == []


def test_the_check_finds_a_missing_language_and_a_different_placeholder() -> None:
    broken = {
        "a": {"en": "Order {order_number}", "ko": "주문 {order}"},
        "b": {"en": "Only English"},
        "group": {"c": {"en": "x", "ko": " "}},
    }
    assert problems(broken) == [
        "a: ko placeholders differ from English",
        "b: lacks ['ko']",
        "group.c: ko is empty",
    ]


def _every_entry_is_a_text_entry(data: Any) -> bool:
    """Leaves are entries (language → text); a key that is not a language cannot hide a text."""
    if isinstance(data, str):
        return False
    if catalogue.is_entry(data):
        return all(isinstance(value, str) for value in data.values())
    if isinstance(data, dict):
        return all(k == "payload" or _every_entry_is_a_text_entry(v) for k, v in data.items())
    if isinstance(data, list):
        return all(_every_entry_is_a_text_entry(v) for v in data)
    return False


@pytest.mark.parametrize("part", catalogue.PARTS)
def test_no_text_outside_a_language_entry(part: str) -> None:
    assert _every_entry_is_a_text_entry(catalogue.load(part))


@pytest.mark.parametrize("part", catalogue.PARTS)
def test_korean_texts_contain_no_english(part: str) -> None:
    leaks = {
        path: english_fragments(entry["ko"], allowed=BRANDS)
        for path, entry in catalogue.entries(catalogue.load(part))
        if english_fragments(entry["ko"], allowed=BRANDS) and entry["ko"] not in LATIN_KOREAN
    }
    assert leaks == {}


def test_domain_responses_are_generated_from_the_catalogue() -> None:
    text = (ROOT / "domain.yml").read_text(encoding="utf-8")
    assert domain.updated(text) == text, "run `python -m catalogue.domain --write`"
    generated = yaml.safe_load(text)["responses"]
    assert generated == domain.responses()
    assert set(generated) == set(catalogue.load("responses"))


def test_every_language_variation_has_the_same_buttons() -> None:
    for name, variations in domain.responses().items():
        payloads = [[b["payload"] for b in v.get("buttons", [])] for v in variations]
        assert all(p == payloads[0] for p in payloads), name
        assert len(variations) == len(catalogue.LANGUAGES), name


def test_an_unknown_language_gets_the_default() -> None:
    assert catalogue.table("gateway", "fr") == catalogue.table("gateway", "en")
    with pytest.raises(KeyError):
        catalogue.load("nonexistent")


@pytest.mark.parametrize("script", SCRIPTS)
def test_served_scripts_get_every_text_in_every_language(script: str, tmp_path: Path) -> None:
    source = (ROOT / script).read_text(encoding="utf-8")
    markers = catalogue.SCRIPT_MARKER.findall(source)
    assert markers, f"{script} takes no texts from the catalogue"
    served = catalogue.script_texts(source)
    assert "/*catalogue:" not in served and "/*vocabulary:" not in served
    for language in catalogue.LANGUAGES:
        assert f'"{language}":{{' in served
    # No text object left in the script itself: every {en: …, ko: …} table comes from here.
    assert "ko: {" not in source and "ko: [" not in source
    node = shutil.which("node")
    if node:  # the served script is valid JavaScript
        (tmp_path / "served.js").write_text(served, encoding="utf-8")
        subprocess.run([node, "--check", str(tmp_path / "served.js")], check=True)


def _used(pattern: str, *paths: str) -> set[str]:
    return {m for path in paths for m in re.findall(pattern, (ROOT / path).read_text("utf-8"))}


def test_every_text_the_scripts_and_templates_use_is_in_the_catalogue() -> None:
    widget = set(catalogue.load("widget"))
    used = _used(r'\bt\("(\w+)"', "handoff/static/widget.js") | _used(
        r"\bT\.(\w+)", "handoff/static/widget.js"
    )
    assert len(used) >= 40 and used - widget == set()
    console = catalogue.load("console")
    used = _used(r'\bt\("(\w+)"', "handoff/static/console/console.js") | _used(
        r'data-i18n(?:-[a-z-]+)?="(\w+)"', "handoff/templates/console.html"
    )
    assert len(used) >= 100 and used - set(console["strings"]) == set()
    groups = _used(r'\bword\("(\w+)"', "handoff/static/console/console.js")
    assert groups and groups - set(console["words"]) == set()
