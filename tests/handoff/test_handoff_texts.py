"""Every customer-facing text in English and Korean, plurals, and one CES scale: the bot's
question (domain.yml), the service's question (handoff/texts.py) and the widget's labels say
the same thing."""

from __future__ import annotations

from pathlib import Path

import yaml

from catalogue import texts as catalogue
from handoff import texts

ROOT = Path(__file__).resolve().parents[2]


def widget_texts() -> dict[str, dict[str, str]]:
    return catalogue.tables("widget")


def test_every_text_exists_in_both_languages() -> None:
    assert set(texts.TEXTS["en"]) == set(texts.TEXTS["ko"])
    widget = widget_texts()
    assert len(widget["en"]) >= 55  # the parser sees them all
    assert set(widget["en"]) == set(widget["ko"])
    assert all(value.strip() for lang in widget.values() for value in lang.values())


def test_waits_use_the_right_plural() -> None:
    assert texts.minutes("en", 1) == "about 1 minute"
    assert texts.minutes("en", 3) == "about 3 minutes"
    assert texts.minutes("ko", 1) == "약 1분"
    assert texts.text("en", "queued", position=2, minutes=1).endswith("about 1 minute.")
    assert texts.text("ko", "queued", position=2, minutes=3).endswith("약 3분입니다.")
    for lang in ("en", "ko"):
        assert "(s)" not in texts.text(lang, "queued", position=1, minutes=5)
    widget = widget_texts()
    assert (widget["en"]["waitOne"], widget["en"]["waitMany"]) == (
        "about 1 minute",
        "about {count} minutes",
    )
    assert widget["ko"]["waitOne"] == "약 1분"


def test_one_ces_scale_everywhere() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    [en, ko] = domain["responses"]["utter_ask_ces"]
    widget = widget_texts()
    for lang, bot in (("en", en["text"]), ("ko", ko["text"])):
        service = texts.text(lang, "ces_question", shop=texts.text(lang, "the_shop"))
        assert bot == service  # the bot and the service ask the very same question
        low, high = widget[lang]["cesLow"], widget[lang]["cesHigh"]
        for said in (bot, service, widget[lang]["cesQuestion"]):
            assert low.lower() in said.lower() and high.lower() in said.lower(), (lang, said)
    assert "made it easy for me to handle my issue" in en["text"]
    for text in (en["text"], ko["text"]):
        assert "very hard" not in text and "매우 쉬움" not in text
