"""What the service itself says to customers and agents, rendered from the catalogue
(catalogue/texts/gateway.yml, English and Korean)."""

from __future__ import annotations

from catalogue import texts as catalogue

TEXTS: dict[str, dict[str, str]] = catalogue.tables("gateway")


def minutes(language: str, count: int) -> str:
    """A wait in whole minutes with the right plural: "about 1 minute", "약 3분"."""
    return text(language, "wait_minute" if count == 1 else "wait_minutes", count=count)


def text(language: str, key: str, **values: object) -> str:
    table = TEXTS.get(language, TEXTS["en"])
    count = values.get("minutes")
    if isinstance(count, int) and "wait" not in values:
        values["wait"] = minutes(language if language in TEXTS else "en", count)
    return table[key].format(**values)
