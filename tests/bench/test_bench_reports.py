"""Parse results → intents (retrieval full names), simulator summaries, customer tokens,
settings from a benchmark's options."""

from __future__ import annotations

import pytest

from bench.load import LoadSettings
from bench.nlu_eval import predicted_intent
from bench.report import cli_parser, settings_from
from bench.sim_model import Result
from bench.sim_report import summarise
from handoff.errors import Unauthorized
from handoff.security import demo_customer_token, verify_shop_token


def test_retrieval_intent_gets_its_full_name_from_the_response_selector() -> None:
    parsed = {
        "intent": {"name": "faq", "confidence": 0.91},
        "response_selector": {
            "all_retrieval_intents": ["faq"],
            "faq": {"response": {"intent_response_key": "faq/shipping_costs"}},
        },
    }
    prediction = predicted_intent(parsed)
    assert (prediction.intent, prediction.confidence) == ("faq/shipping_costs", 0.91)
    plain = predicted_intent({"intent": {"name": "greet", "confidence": 0.5}})
    assert plain.intent == "greet"
    assert predicted_intent({"intent": None}).intent == "<none>"


def result(name: str, outcome: str, goal: bool, **kw: object) -> Result:
    r = Result(
        scenario=name,
        task=str(kw.pop("task", "status")),
        customer="anonymous",
        expected="contained",
        expected_reasons=[],
        outcome=outcome,
        goal_reached=goal,
    )
    for key, value in kw.items():
        setattr(r, key, value)
    return r


def test_summary_rates_turns_asked_twice_and_ces() -> None:
    results = [
        result("a", "contained", True, turns_to_goal=2, ces_given=7),
        result("b", "contained", True, turns_to_goal=4, asked_twice=1, ces_given=5),
        result("c", "escalated", False, handoff_reason="task_failed", task="cancel"),
        result("d", "abandoned", False, abandoned=True, task="cancel"),
    ]
    summary = summarise(results)
    overall = summary["overall"]
    assert overall["goal_reached"] == 2
    assert overall["containment_rate"] == 0.5
    assert overall["escalation_rate"] == 0.25
    assert overall["abandonment_rate"] == 0.25
    assert overall["mean_turns_to_goal"] == 3.0
    assert overall["asked_twice_total"] == 1
    assert overall["mean_ces"] == 6.0
    assert overall["handoff_reasons"] == {"task_failed": 1}
    assert summary["by_task"]["cancel"]["scenarios"] == 2


def test_customer_token_is_what_the_service_accepts() -> None:
    secret = "s3cret-" + "x" * 32
    customer = verify_shop_token(secret, demo_customer_token(secret, "C0002"))
    assert customer.customer_id == "C0002" and customer.name == "Minji Kim"
    with pytest.raises(Unauthorized):
        verify_shop_token("another-secret-" + "y" * 32, demo_customer_token(secret, "C0002"))


def test_settings_take_the_options_of_their_names() -> None:
    parser = cli_parser("bench", None)
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--think", type=float, default=0.0)
    parser.add_argument("--handoff-url")
    parser.add_argument("--parts", default="rasa")  # no such field: not passed
    args = parser.parse_args(["--customers", "3", "--think", "0.5", "--handoff-url", "http://h"])
    settings = settings_from(LoadSettings, args, think_s=args.think)
    assert settings == LoadSettings(customers=3, think_s=0.5, handoff_url="http://h")
    assert settings.agent_messages == 10  # no option: the field's default
