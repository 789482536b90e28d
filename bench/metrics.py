"""Pure metric computations shared by the benchmarks: classification scores and percentiles.

No I/O and no third-party imports, so the numbers are easy to test on tiny hand-made sets.

Classification conventions (documented in docs/benchmarks.md):

- every example has one or more *acceptable* gold intents (a mapping file can map one external
  label to several of ours); a prediction is correct when it matches any of them;
- retrieval intents match by full name (``faq/shipping_costs``), by their base (``faq``) or by
  their short name (``shipping_costs``); predictions are projected onto the label vocabulary
  of the test set before counting, so a test set labelled ``faq`` is scored per ``faq``;
- for per-intent counts, a correct example counts for the intent it matched, a wrong one for
  its first acceptable intent;
- macro-F1 is the unweighted mean of F1 over the intents that occur in the gold labels
  (intents that are only ever predicted lower the precision of nothing and are listed apart).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

FALLBACK_INTENTS = frozenset({"nlu_fallback"})


def split_retrieval(name: str) -> tuple[str, str | None]:
    """``faq/shipping`` → (``faq``, ``shipping``); ``greet`` → (``greet``, None)."""
    base, sep, short = name.partition("/")
    return (base, short) if sep else (name, None)


def label_matches(gold: str, predicted: str) -> bool:
    """True when the gold label names the predicted intent (full, base or short name)."""
    if gold == predicted:
        return True
    base, short = split_retrieval(predicted)
    if short is None:
        return False
    return gold in (base, short)


def project(predicted: str, vocabulary: Iterable[str]) -> str:
    """Express a predicted intent in the label vocabulary of the test set, if possible."""
    vocab = set(vocabulary)
    if predicted in vocab:
        return predicted
    base, short = split_retrieval(predicted)
    if short is not None:
        if base in vocab:
            return base
        if short in vocab:
            return short
    return predicted


@dataclass(frozen=True)
class Example:
    text: str
    gold: tuple[str, ...]  # acceptable intents, first one is canonical
    source_label: str = ""  # the label as written in the data (before mapping)


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float = 0.0
    # the classifier's ranking without nlu_fallback (for threshold curves), best first
    ranking: tuple[tuple[str, float], ...] = ()


def threshold_curve(
    examples: Sequence[Example],
    predictions: Sequence[Prediction],
    thresholds: Sequence[float],
    ambiguity: float = 0.0,
    accept: frozenset[str] = frozenset(),
) -> list[dict[str, float]]:
    """Accuracy and fallback rate if the fallback threshold were each of ``thresholds``.

    A prediction falls back when the top intent's confidence is below the threshold or the top
    two are closer than ``ambiguity`` (as Rasa's FallbackClassifier does). ``accept``: labels
    that also count as right when the example falls back or is predicted so (out_of_scope).
    """
    rows = []
    for threshold in thresholds:
        correct = fallbacks = 0
        for example, prediction in zip(examples, predictions, strict=True):
            ranking = prediction.ranking or ((prediction.intent, prediction.confidence),)
            top, confidence = ranking[0]
            second = ranking[1][1] if len(ranking) > 1 else 0.0
            if confidence < threshold or (ambiguity and confidence - second < ambiguity):
                fallbacks += 1
                correct += bool(accept & set(example.gold))
            elif any(label_matches(g, top) for g in example.gold) or (
                accept & set(example.gold) and top in accept
            ):
                correct += 1
        n = len(examples) or 1
        rows.append(
            {
                "threshold": threshold,
                "accuracy": round(correct / n, 4),
                "fallback_rate": round(fallbacks / n, 4),
            }
        )
    return rows


def ratio(part: float, whole: float) -> float:
    """part / whole, 0.0 when there is no whole (no examples, no predictions)."""
    return part / whole if whole else 0.0


@dataclass
class IntentScore:
    intent: str
    support: int
    predicted: int
    true_positives: int

    @property
    def precision(self) -> float:
        return ratio(self.true_positives, self.predicted)

    @property
    def recall(self) -> float:
        return ratio(self.true_positives, self.support)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return ratio(2 * p * r, p + r)

    def as_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "support": self.support,
            "predicted": self.predicted,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class ClassificationReport:
    total: int
    correct: int
    fallbacks: int
    per_intent: dict[str, IntentScore]
    confusions: Counter[tuple[str, str]]
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return ratio(self.correct, self.total)

    @property
    def fallback_rate(self) -> float:
        return ratio(self.fallbacks, self.total)

    @property
    def gold_intents(self) -> list[str]:
        return sorted(name for name, score in self.per_intent.items() if score.support > 0)

    @property
    def macro_f1(self) -> float:
        names = self.gold_intents
        return ratio(sum(self.per_intent[name].f1 for name in names), len(names))

    @property
    def weighted_f1(self) -> float:
        scores = [self.per_intent[name] for name in self.gold_intents]
        return ratio(sum(s.f1 * s.support for s in scores), sum(s.support for s in scores))

    def top_confusions(self, limit: int = 10) -> list[dict[str, Any]]:
        ranked = sorted(self.confusions.items(), key=lambda item: (-item[1], item[0]))
        return [{"gold": g, "predicted": p, "count": c} for (g, p), c in ranked[:limit]]

    def as_dict(self, confusions: int = 10) -> dict[str, Any]:
        return {
            "examples": self.total,
            "correct": self.correct,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "weighted_f1": round(self.weighted_f1, 4),
            "fallback_rate": round(self.fallback_rate, 4),
            "per_intent": [self.per_intent[n].as_dict() for n in sorted(self.per_intent)],
            "only_predicted": sorted(
                n for n, s in self.per_intent.items() if s.support == 0 and s.predicted
            ),
            "top_confusions": self.top_confusions(confusions),
            "misses": self.misses,
        }


def evaluate(
    examples: Sequence[Example],
    predictions: Sequence[Prediction],
    fallback_intents: frozenset[str] = FALLBACK_INTENTS,
) -> ClassificationReport:
    """Score predictions against examples (same order, same length)."""
    if len(examples) != len(predictions):
        raise ValueError(f"{len(examples)} examples but {len(predictions)} predictions")
    vocabulary = {label for ex in examples for label in ex.gold}
    scores: dict[str, IntentScore] = {}

    def score(name: str) -> IntentScore:
        if name not in scores:
            scores[name] = IntentScore(name, 0, 0, 0)
        return scores[name]

    correct = fallbacks = 0
    confusions: Counter[tuple[str, str]] = Counter()
    misses: list[dict[str, Any]] = []
    for example, prediction in zip(examples, predictions, strict=True):
        if not example.gold:
            raise ValueError(f"example without a gold intent: {example.text!r}")
        if prediction.intent in fallback_intents:
            fallbacks += 1
        matched = next((g for g in example.gold if label_matches(g, prediction.intent)), None)
        if matched is not None:
            correct += 1
            hit = score(matched)
            hit.support += 1
            hit.predicted += 1
            hit.true_positives += 1
            continue
        gold = example.gold[0]
        predicted = project(prediction.intent, vocabulary)
        score(gold).support += 1
        score(predicted).predicted += 1
        confusions[(gold, predicted)] += 1
        misses.append(
            {
                "text": example.text,
                "gold": list(example.gold),
                "label": example.source_label or gold,
                "predicted": prediction.intent,
                "confidence": round(prediction.confidence, 4),
            }
        )
    return ClassificationReport(len(examples), correct, fallbacks, scores, confusions, misses)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks.

    Same definition as numpy's default (``method="linear"``). NaN for an empty sequence.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be in 0..100, got {q}")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(samples_ms: Sequence[float], duration_s: float | None = None) -> dict[str, Any]:
    """p50/p95/p99/mean/max of latency samples in ms, plus throughput when a duration is given."""
    summary: dict[str, Any] = {
        "count": len(samples_ms),
        "p50_ms": _round(percentile(samples_ms, 50)),
        "p95_ms": _round(percentile(samples_ms, 95)),
        "p99_ms": _round(percentile(samples_ms, 99)),
        "mean_ms": _round(sum(samples_ms) / len(samples_ms)) if samples_ms else None,
        "max_ms": _round(max(samples_ms)) if samples_ms else None,
    }
    if duration_s is not None:
        summary["duration_s"] = round(duration_s, 3)
        summary["throughput_per_s"] = (
            round(len(samples_ms) / duration_s, 2) if duration_s > 0 else None
        )
    return summary


def _round(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 2)


@dataclass
class Tally:
    """One path's latencies (ms, of the answered messages) and failed messages, over all its
    customers."""

    samples: list[float] = field(default_factory=list)
    errors: int = 0

    def answered(self, started: float, at: float | None = None) -> None:
        """A message sent at `started` (perf_counter) was answered at `at` (default: now)."""
        self.samples.append(((time.perf_counter() if at is None else at) - started) * 1000)

    def summary(self, duration: float) -> dict[str, Any]:
        return {**latency_summary(self.samples, duration), "errors": self.errors}
