"""Classification metrics, retrieval-intent names and percentiles on hand-checked sets."""

from __future__ import annotations

import math

import pytest

from bench.metrics import (
    Example,
    Prediction,
    Tally,
    evaluate,
    label_matches,
    latency_summary,
    percentile,
    project,
)


def ex(text: str, *gold: str) -> Example:
    return Example(text, tuple(gold))


def pred(*names: str) -> list[Prediction]:
    return [Prediction(n, 0.5) for n in names]


def test_scores_match_hand_computed_values() -> None:
    examples = [ex("a1", "A"), ex("a2", "A"), ex("b1", "B"), ex("b2", "B"), ex("c1", "C")]
    report = evaluate(examples, pred("A", "B", "B", "B", "nlu_fallback"))

    assert report.accuracy == pytest.approx(0.6)
    assert report.fallback_rate == pytest.approx(0.2)
    a, b, c = (report.per_intent[n] for n in "ABC")
    assert (a.precision, a.recall, a.f1) == pytest.approx((1.0, 0.5, 2 / 3))
    assert (b.precision, b.recall, b.f1) == pytest.approx((2 / 3, 1.0, 0.8))
    assert (c.precision, c.recall, c.f1) == (0.0, 0.0, 0.0)
    # macro over gold intents only: nlu_fallback (predicted, no support) is listed apart
    assert report.macro_f1 == pytest.approx((2 / 3 + 0.8 + 0.0) / 3)
    assert report.weighted_f1 == pytest.approx((2 * 2 / 3 + 2 * 0.8 + 0) / 5)
    assert report.as_dict()["only_predicted"] == ["nlu_fallback"]
    assert report.top_confusions() == [
        {"gold": "A", "predicted": "B", "count": 1},
        {"gold": "C", "predicted": "nlu_fallback", "count": 1},
    ]
    assert [m["text"] for m in report.misses] == ["a2", "c1"]


def test_perfect_predictions() -> None:
    examples = [ex("x", "greet"), ex("y", "goodbye")]
    report = evaluate(examples, pred("greet", "goodbye"))
    assert report.accuracy == 1.0
    assert report.macro_f1 == 1.0
    assert report.misses == []


def test_mapping_to_several_intents_accepts_any_and_counts_the_match() -> None:
    examples = [
        Example("when will it come", ("order_status", "delivery_time"), "shipping"),
        Example("where is it", ("order_status", "delivery_time"), "shipping"),
        Example("cancel it", ("cancel_order",), "cancel"),
    ]
    report = evaluate(examples, pred("delivery_time", "cancel_order", "cancel_order"))
    assert report.correct == 2
    assert report.per_intent["delivery_time"].true_positives == 1
    # a miss counts against the first acceptable intent
    assert report.per_intent["order_status"].support == 1
    assert report.per_intent["order_status"].recall == 0.0
    assert report.per_intent["cancel_order"].precision == pytest.approx(0.5)
    assert report.misses[0]["label"] == "shipping"


@pytest.mark.parametrize(
    ("gold", "predicted", "expected"),
    [
        ("faq/returns", "faq/returns", True),
        ("faq", "faq/returns", True),
        ("returns", "faq/returns", True),
        ("faq/shipping", "faq/returns", False),
        ("shipping", "faq/returns", False),
        ("greet", "greet", True),
        ("faq", "greet", False),
    ],
)
def test_retrieval_intents_match_by_full_base_or_short_name(
    gold: str, predicted: str, expected: bool
) -> None:
    assert label_matches(gold, predicted) is expected


def test_predictions_are_projected_onto_the_test_set_vocabulary() -> None:
    assert project("faq/returns", {"faq", "greet"}) == "faq"
    assert project("faq/returns", {"returns"}) == "returns"
    assert project("faq/returns", {"faq/returns"}) == "faq/returns"
    assert project("faq/returns", {"greet"}) == "faq/returns"

    examples = [ex("q1", "faq"), ex("q2", "order_status")]
    report = evaluate(examples, pred("faq/returns", "faq/shipping"))
    assert report.per_intent["faq"].precision == pytest.approx(0.5)
    assert report.per_intent["faq"].recall == 1.0
    assert report.top_confusions() == [{"gold": "order_status", "predicted": "faq", "count": 1}]


def test_length_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="2 examples but 1"):
        evaluate([ex("a", "A"), ex("b", "B")], pred("A"))


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([15, 20, 35, 40, 50], 40, 29.0),
        ([1, 2, 3, 4], 50, 2.5),
        (list(range(1, 101)), 99, 99.01),
        (list(range(1, 101)), 95, 95.05),
        ([7], 99, 7.0),
        ([3, 1, 2], 0, 1.0),
        ([3, 1, 2], 100, 3.0),
    ],
)
def test_percentile_uses_linear_interpolation(
    values: list[float], q: float, expected: float
) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_edge_cases() -> None:
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_latency_summary_reports_throughput() -> None:
    summary = latency_summary([10.0, 20.0, 30.0, 40.0], duration_s=2.0)
    assert summary["p50_ms"] == 25.0
    assert summary["count"] == 4
    assert summary["throughput_per_s"] == 2.0
    assert latency_summary([])["p50_ms"] is None


def test_a_load_tally_counts_answers_in_ms_and_failures() -> None:
    tally = Tally()
    tally.answered(10.0, 10.02)
    tally.answered(11.0, 11.04)
    tally.errors += 1
    summary = tally.summary(2.0)
    assert (summary["count"], summary["errors"], summary["throughput_per_s"]) == (2, 1, 1.0)
    assert summary["p50_ms"] == 30.0
