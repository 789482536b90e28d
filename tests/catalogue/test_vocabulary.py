"""The vocabulary (catalogue/vocabulary.py) agrees with domain.yml and the dialogue rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from catalogue import texts as catalogue
from catalogue import vocabulary as v

ROOT = Path(__file__).resolve().parents[2]


def _yaml(path: str) -> Any:
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


def test_intents_are_the_domain_s() -> None:
    domain = _yaml("domain.yml")["intents"]
    assert len(domain) == len(set(domain))
    assert set(domain) == v.INTENTS
    assert v.NLU_INTENTS.isdisjoint(v.EVENT_INTENTS)
    # the groups do not overlap: each NLU intent is conversation, a task or an answer
    groups = [set(v.CONVERSATION_INTENTS), set(v.TASK_INTENTS), set(v.INFO_ANSWERS)]
    assert sum(len(g) for g in groups) == len(v.NLU_INTENTS)


def test_informational_answers_are_the_rules() -> None:
    rules = _yaml("data/rules/informational.yml")["rules"]
    answers: dict[str, tuple[str, ...]] = {}
    for rule in rules:
        steps = rule["steps"]
        intent = steps[0]["intent"]
        actions = [s["action"] for s in steps[1:]]
        assert actions[-1] == "utter_anything_else", rule["rule"]
        answers[intent] = tuple(actions[:-1])
    assert answers == v.INFO_ANSWERS


def test_actions_and_responses_named_exist_in_the_domain() -> None:
    domain = _yaml("domain.yml")
    known = set(domain["actions"]) | set(domain["responses"])
    current = v.INFO_ACTIONS - v.RETIRED_INFO_RESPONSES
    assert current <= known
    assert v.RETIRED_INFO_RESPONSES.isdisjoint(known)
    assert (v.FALLBACK_ACTIONS - {"action_default_fallback", "action_two_stage_fallback"}) <= known


def test_groups_use_known_intents_and_tasks() -> None:
    everything = v.INTENTS | {v.FALLBACK_INTENT}
    for group in (v.SMALL_TALK, v.NOT_A_REQUEST, v.NOT_A_TOPIC, v.COMPLAINT_INTENTS):
        assert group <= everything
    assert v.TASKS <= set(v.TASK_INTENTS)
    policy_texts = catalogue.load("actions")
    assert all(key in policy_texts for key in v.POLICY_ANSWERS.values())


def test_every_requestable_intent_has_a_button_label() -> None:
    """The one-click fallback offers intents as buttons (actions/fallback.py)."""
    labels = {key.removeprefix("choice_") for key in catalogue.load("actions") if "choice_" in key}
    assert (set(v.TASK_INTENTS) | set(v.INFO_ANSWERS)) <= labels


def test_the_console_names_every_topic_and_task() -> None:
    """An agent reads the topic of a handoff in words (console.js `word("topic", …)`)."""
    topics = set(catalogue.load("console")["words"]["topic"])
    assert (v.NLU_INTENTS - v.NOT_A_TOPIC) <= topics
    assert v.TASKS <= topics
