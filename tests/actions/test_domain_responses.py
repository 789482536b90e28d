"""The domain's responses that carry buttons the gateway and widget rely on."""

from __future__ import annotations

from pathlib import Path

import yaml

from actions.session import CES_BUTTONS

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


def test_every_ces_question_variation_offers_the_seven_score_buttons() -> None:
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    variations = responses["utter_ask_ces"]
    assert len(variations) >= 2  # English and the Korean variation
    for variation in variations:
        assert variation["buttons"] == CES_BUTTONS
    assert CES_BUTTONS[0]["payload"] == '/ces{"ces_score": 1}'
    assert len(CES_BUTTONS) == 7
