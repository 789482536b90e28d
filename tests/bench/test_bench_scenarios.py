"""Every shipped scenario loads and validates; the validator rejects broken scenarios."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bench.labelled import DatasetError, load_labelled
from bench.scenarios import TASKS, ScenarioError, load_all, load_file, parse_scenario

ROOT = Path(__file__).resolve().parents[2]


def norm(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


def test_shipped_scenarios_cover_every_task_and_both_kinds_of_customer() -> None:
    scenarios = load_all()
    assert len(scenarios) >= 40
    assert {s.task for s in scenarios} == TASKS  # every task has shipped scenarios
    assert any(s.signed_in for s in scenarios)
    assert any(s.anonymous for s in scenarios)
    assert any(s.faults for s in scenarios)
    assert {s.expect.outcome for s in scenarios} == {"contained", "escalated"}
    assert any(s.language == "ko" for s in scenarios)


def test_anonymous_scenarios_can_answer_verification_questions() -> None:
    for scenario in load_all():
        if scenario.order and scenario.anonymous:
            assert {"order_number", "email", "postcode"} <= set(scenario.answers), scenario.name


def test_utterances_are_not_copied_from_the_training_data() -> None:
    training = set()
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        try:
            training |= {norm(row.text) for row in load_labelled(path)}
        except DatasetError:
            continue  # regex/lookup-only files
    if not training:
        pytest.skip("no NLU training data in data/nlu yet")
    copied = [
        (s.name, u)
        for s in load_all()
        for u in (*s.say, *s.rephrase, *(u for pool in s.turns for u in pool))
        if norm(u) in training
    ]
    assert copied == []


def valid() -> dict:
    return {
        "name": "ok",
        "task": "status",
        "persona": "p",
        "goal": "g",
        "order": "EF-100001",
        "say": ["where is EF-100001"],
        "expect": {"outcome": "contained", "goal": ["transit"]},
    }


def test_a_minimal_scenario_gets_identity_answers_from_the_seed_data() -> None:
    scenario = parse_scenario(valid(), "t.yml")
    assert scenario.answers == {
        "order_number": "EF-100001",
        "email": "alice@example.com",
        "postcode": "10115",
    }
    assert scenario.patience == 3
    assert scenario.expect.goal_met_by("Your order is In Transit.")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"task": "weather"}, "'task' must be one of"),
        ({"say": []}, "'say' must be a non-empty list"),
        ({"expect": {"outcome": "solved"}}, "expect.outcome"),
        ({"expect": {"outcome": "escalated"}}, "needs 'expect.reason'"),
        ({"expect": {"outcome": "escalated", "reason": "bored"}}, "expect.reason"),
        ({"expect": {"outcome": "contained"}}, "needs 'expect.goal'"),
        ({"expect": {"outcome": "contained", "goal": ["("]}}, "bad goal regex"),
        ({"customer": "signed_in", "signed_in": "C0002"}, "belongs to C0001"),
        ({"customer": "signed_in"}, "'signed_in' must be one of"),
        ({"order": "100001"}, "'order' must look like"),
        ({"ces": 9}, "'ces' must be 1..7"),
        ({"patience": 0}, "'patience' must be a positive"),
        ({"faults": {"error_rate": 2}}, "error_rate must be in 0..1"),
        ({"answers": {"shoe_size": "42"}}, "unknown answer key"),
        ({"colour": "red"}, "unknown field"),
        ({"name": "Bad Name"}, "lowercase id"),
    ],
)
def test_invalid_scenarios_are_rejected_with_a_clear_message(change: dict, message: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)):
        parse_scenario({**valid(), **change}, "t.yml")


def test_files_with_defaults_and_duplicate_names(tmp_path: Path) -> None:
    body = {
        "defaults": {"task": "status", "persona": "p", "goal": "g"},
        "scenarios": [{k: v for k, v in valid().items() if k not in ("task", "persona", "goal")}],
    }
    path = tmp_path / "a.yml"
    path.write_text(yaml.safe_dump(body), encoding="utf-8")
    assert load_file(path)[0].task == "status"
    copy = tmp_path / "b.yml"
    copy.write_text(yaml.safe_dump(body), encoding="utf-8")
    with pytest.raises(ScenarioError, match="duplicate scenario name 'ok'"):
        load_all([path, copy])


def test_contained_return_scenarios_name_an_order_inside_its_return_window() -> None:
    """The seed's dates are relative to the seeding instant, so an order returnable today stays
    returnable; one outside the window can never reach a 'return started' goal."""
    from shop import rules, seed

    now = datetime.now(UTC).replace(tzinfo=None)
    orders = {o.order_number: o for o in seed.build(now)[1]}
    refused = {
        s.name: rules.return_refusal(o.status, o.delivered_at, now.date())
        for s in load_all()
        if s.task == "return" and s.expect.outcome == "contained" and s.order
        for o in [orders[s.order]]
    }
    assert {name: why for name, why in refused.items() if why} == {}
