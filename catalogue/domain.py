"""domain.yml's `responses:` come from the catalogue (texts/responses.yml).

    python -m catalogue.domain           # exits 1 if domain.yml is out of date
    python -m catalogue.domain --write   # rewrites the responses section (the last one)

English is the plain variation; every other language is a variation conditioned on the
`language` slot, with the same buttons (payloads) and button titles in that language.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from catalogue.texts import DEFAULT_LANGUAGE, LANGUAGES, load

DOMAIN = Path(__file__).resolve().parents[1] / "domain.yml"
MARKER = "responses:\n"
NOTICE = (
    "Generated from catalogue/texts/responses.yml: edit it, then python -m catalogue.domain --write"
)


def variations(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The Rasa response variations of one catalogue response."""
    texts = entry.get("text", entry)
    buttons = entry.get("buttons") or []
    result = []
    for language in (DEFAULT_LANGUAGE, *[lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE]):
        variation: dict[str, Any] = {}
        if language != DEFAULT_LANGUAGE:
            variation["condition"] = [{"type": "slot", "name": "language", "value": language}]
        variation["text"] = texts[language]
        if buttons:
            variation["buttons"] = [
                {"title": button["title"][language], "payload": button["payload"]}
                for button in buttons
            ]
        result.append(variation)
    return result


def responses() -> dict[str, list[dict[str, Any]]]:
    return {name: variations(entry) for name, entry in load("responses").items()}


def _quote(value: str) -> str:
    if '"' in value and "'" not in value and "\n" not in value:
        return f"'{value}'"
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def render() -> str:
    """The responses section as YAML text, laid out like the rest of domain.yml."""
    lines = [MARKER.rstrip("\n"), f"  # {NOTICE}"]
    for name, items in responses().items():
        lines.append(f"  {name}:")
        for variation in items:
            prefix = "    - "
            for condition in variation.get("condition", []):
                lines.append(f"{prefix}condition:")
                lines.append(f"        - type: {condition['type']}")
                lines.append(f"          name: {condition['name']}")
                lines.append(f"          value: {condition['value']}")
                prefix = "      "
            lines.append(f"{prefix}text: {_quote(variation['text'])}")
            if variation.get("buttons"):
                lines.append("      buttons:")
                for button in variation["buttons"]:
                    lines.append(f"        - title: {_quote(button['title'])}")
                    lines.append(f"          payload: {_quote(button['payload'])}")
    return "\n".join(lines) + "\n"


def updated(domain_text: str) -> str:
    head, found, _ = domain_text.partition("\n" + MARKER)
    if not found:
        raise ValueError("domain.yml has no top-level `responses:` section")
    return head + "\n" + render()


def main(argv: list[str]) -> int:
    current = DOMAIN.read_text(encoding="utf-8")
    wanted = updated(current)
    if "--write" in argv:
        if wanted != current:
            DOMAIN.write_text(wanted, encoding="utf-8")
            print("domain.yml: responses rewritten from catalogue/texts/responses.yml")
        return 0
    if wanted != current:
        print("domain.yml is out of date: run `python -m catalogue.domain --write`")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
