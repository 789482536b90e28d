"""Scenario files for the conversation simulator: loading and validation.

A file in bench/scenarios/ holds ``scenarios: [...]`` (and optional ``defaults: {...}`` merged
into each) or a single scenario mapping. Fields (docs/benchmarks.md has the full reference):

    name        unique id                          task      one of TASKS
    persona     who the customer is (free text)    goal      what they want (free text)
    language    en | ko                            customer  anonymous | signed_in
    signed_in   customer id when signed in         order     the order they mean (seed order)
    say         utterance pool for the opening     rephrase  pool used after a bot fallback
    turns       pools said in order when the bot asks nothing (e.g. "get me a human")
    interrupt   pools said in order INSTEAD of answering the bot's next questions for a fact
                (order number, which order, e-mail …): a change of mind mid-question
    answers     order_number / email / postcode / address / items / reason / confirm (yes|no)
                / anything_else (yes|no) — how the persona answers the bot's questions
    expect      outcome: contained | escalated; reason: one or a list (escalated);
                goal: regexes — a bot message matching one means the goal was met (contained)
    patience    failures (fallbacks, unhelpful replies) before the customer gives up
    ces         the score the persona clicks when the CES question comes (1..7)
    faults      {error_rate, latency_ms} set on the order API for this scenario
    max_turns   hard stop on customer turns (default 12)
    replies     the persona's own words for yes / no / no_more (instead of the stock pools)
    handback    an agent note: when the bot hands over, a bench agent claims the handoff and
                hands it back with this note; the customer then goes on with ``turns``
    expect.also regexes that must ALL appear in bot messages (e.g. both of two requests done)
    expect.forbid  regexes that are wrong facts for this scenario (counted, must be 0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"

TASKS = frozenset(
    {
        "status",
        "tracking",
        "cancel",
        "address_change",
        "return",
        "refund_status",
        "invoice",
        "which_order",
        "account",
        "refusal",
        "out_of_scope",
        "human_request",
        "angry",
        "api_failure",
        "small_talk",
    }
)
OUTCOMES = frozenset({"contained", "escalated"})
REASONS = frozenset(
    {
        "customer_request",
        "repeated_fallback",
        "task_failed",
        "policy",
        "negative_sentiment",
        "bot_unavailable",
    }
)
# docs/contracts.md: the well-known seed orders and customers
SEED_ORDERS = {f"EF-1000{n:02d}": ("C0001" if n <= 6 else "C0002") for n in range(1, 13)}
CUSTOMERS = {
    "C0001": {"email": "alice@example.com", "postcode": "10115"},
    "C0002": {"email": "minji@example.com", "postcode": "04524"},
    "C0003": {},
}
ANSWER_KEYS = frozenset(
    {"order_number", "email", "postcode", "address", "items", "reason", "confirm", "anything_else"}
)
KNOWN_KEYS = frozenset(
    {
        "name",
        "task",
        "persona",
        "goal",
        "language",
        "customer",
        "signed_in",
        "order",
        "say",
        "rephrase",
        "turns",
        "interrupt",
        "answers",
        "expect",
        "patience",
        "ces",
        "faults",
        "max_turns",
        "notes",
        "replies",
        "handback",
    }
)
REPLY_KEYS = frozenset({"yes", "no", "no_more"})


class ScenarioError(ValueError):
    """A scenario file is invalid; the message names the file and the scenario."""


@dataclass(frozen=True)
class Expectation:
    outcome: str
    reasons: tuple[str, ...] = ()
    goal: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    forbid: tuple[str, ...] = ()

    def goal_met_by(self, text: str) -> bool:
        return any(re.search(p, text, re.IGNORECASE) for p in self.goal)

    def wrong_facts_in(self, text: str) -> list[str]:
        return [p for p in self.forbid if re.search(p, text, re.IGNORECASE)]


@dataclass(frozen=True)
class Scenario:
    name: str
    task: str
    persona: str
    goal: str
    language: str
    signed_in: str | None
    order: str | None
    say: tuple[str, ...]
    rephrase: tuple[str, ...]
    turns: tuple[tuple[str, ...], ...]
    answers: dict[str, str]
    expect: Expectation
    patience: int
    ces: int | None
    faults: dict[str, float] | None
    max_turns: int
    source: str = ""
    notes: str = ""
    replies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    handback: str | None = None
    interrupt: tuple[tuple[str, ...], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def anonymous(self) -> bool:
        return self.signed_in is None


def _pool(value: Any, where: str, what: str, required: bool = True) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if isinstance(value, str):
        value = [value]
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise ScenarioError(f"{where}: '{what}' must be a non-empty list of utterances")
    return tuple(v.strip() for v in value)


def _identity(raw: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    """The signed-in customer id (None: anonymous) and the order the scenario is about."""
    customer = raw.get("customer", "anonymous")
    signed_in = raw.get("signed_in")
    if customer == "anonymous":
        if signed_in is not None:
            raise ScenarioError(f"{where}: anonymous customers have no 'signed_in' id")
    elif customer == "signed_in":
        if signed_in not in CUSTOMERS:
            raise ScenarioError(f"{where}: 'signed_in' must be one of {', '.join(CUSTOMERS)}")
    else:
        raise ScenarioError(f"{where}: 'customer' must be anonymous or signed_in")
    order = raw.get("order")
    if order is not None:
        if not isinstance(order, str) or not re.fullmatch(r"EF-\d{6}", order):
            raise ScenarioError(f"{where}: 'order' must look like EF-100001")
        owner = SEED_ORDERS.get(order)
        if signed_in and owner and owner != signed_in:
            raise ScenarioError(f"{where}: {order} belongs to {owner}, not {signed_in}")
    return signed_in, order


def _answers(
    raw: dict[str, Any], where: str, signed_in: str | None, order: str | None
) -> dict[str, str]:
    answers_raw = raw.get("answers") or {}
    if not isinstance(answers_raw, dict) or set(answers_raw) - ANSWER_KEYS:
        bad = set(answers_raw) - ANSWER_KEYS if isinstance(answers_raw, dict) else answers_raw
        raise ScenarioError(f"{where}: unknown answer key(s) {bad}; allowed {sorted(ANSWER_KEYS)}")
    answers = {str(k): str(v) for k, v in answers_raw.items()}
    for key in ("confirm", "anything_else"):
        if key in answers and answers[key] not in ("yes", "no", "True", "False"):
            raise ScenarioError(f"{where}: answers.{key} must be yes or no")
        if key in answers:
            answers[key] = {"True": "yes", "False": "no"}.get(answers[key], answers[key])
    if order and "order_number" not in answers:
        answers["order_number"] = order
    if order in SEED_ORDERS and not signed_in:
        identity = CUSTOMERS[SEED_ORDERS[order]]
        for key in ("email", "postcode"):
            answers.setdefault(key, identity[key])
    return answers


def _expectation(raw: dict[str, Any], where: str) -> Expectation:
    expect_raw = raw.get("expect")
    if not isinstance(expect_raw, dict) or expect_raw.get("outcome") not in OUTCOMES:
        raise ScenarioError(f"{where}: 'expect.outcome' must be contained or escalated")
    reasons_raw = expect_raw.get("reason") or []
    reasons = (reasons_raw,) if isinstance(reasons_raw, str) else tuple(reasons_raw)
    if any(r not in REASONS for r in reasons):
        raise ScenarioError(f"{where}: 'expect.reason' must be among {', '.join(sorted(REASONS))}")
    goal_patterns = _pool(expect_raw.get("goal"), where, "expect.goal", required=False)
    also = _pool(expect_raw.get("also"), where, "expect.also", required=False)
    forbid = _pool(expect_raw.get("forbid"), where, "expect.forbid", required=False)
    for pattern in (*goal_patterns, *also, *forbid):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ScenarioError(f"{where}: bad goal regex {pattern!r}: {exc}") from None
    if expect_raw["outcome"] == "escalated" and not reasons:
        raise ScenarioError(f"{where}: an escalated scenario needs 'expect.reason'")
    if expect_raw["outcome"] == "contained" and (reasons or not goal_patterns):
        raise ScenarioError(f"{where}: a contained scenario needs 'expect.goal' and no reason")
    return Expectation(str(expect_raw["outcome"]), reasons, goal_patterns, also, forbid)


def _limits(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """patience, ces, faults and max_turns, checked."""
    patience = raw.get("patience", 3)
    if not isinstance(patience, int) or patience < 1:
        raise ScenarioError(f"{where}: 'patience' must be a positive integer")
    ces = raw.get("ces")
    if ces is not None and (not isinstance(ces, int) or not 1 <= ces <= 7):
        raise ScenarioError(f"{where}: 'ces' must be 1..7")
    faults = raw.get("faults")
    if faults is not None:
        if not isinstance(faults, dict) or set(faults) - {"error_rate", "latency_ms"}:
            raise ScenarioError(f"{where}: 'faults' takes error_rate and latency_ms")
        rate = faults.get("error_rate", 0)
        if not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise ScenarioError(f"{where}: faults.error_rate must be in 0..1")
    max_turns = raw.get("max_turns", 12)
    if not isinstance(max_turns, int) or max_turns < 1:
        raise ScenarioError(f"{where}: 'max_turns' must be a positive integer")
    return {
        "patience": patience,
        "ces": ces,
        "faults": {k: float(v) for k, v in faults.items()} if faults else None,
        "max_turns": max_turns,
    }


def _replies(raw: dict[str, Any], where: str) -> dict[str, tuple[str, ...]]:
    replies_raw = raw.get("replies") or {}
    if isinstance(replies_raw, dict):  # YAML 1.1 reads the keys yes/no as booleans
        replies_raw = {{True: "yes", False: "no"}.get(k, k): v for k, v in replies_raw.items()}
    if not isinstance(replies_raw, dict) or set(replies_raw) - REPLY_KEYS:
        raise ScenarioError(f"{where}: 'replies' takes {', '.join(sorted(REPLY_KEYS))}")
    return {str(k): _pool(v, where, f"replies.{k}") for k, v in replies_raw.items()}


def parse_scenario(raw: Any, where: str) -> Scenario:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: a scenario must be a mapping")
    name = raw.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ScenarioError(f"{where}: 'name' must be a lowercase id (a-z, 0-9, -, _)")
    where = f"{where} [{name}]"
    unknown = set(raw) - KNOWN_KEYS
    if unknown:
        raise ScenarioError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    task = raw.get("task")
    if task not in TASKS:
        raise ScenarioError(f"{where}: 'task' must be one of {', '.join(sorted(TASKS))}")
    for key in ("persona", "goal"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ScenarioError(f"{where}: '{key}' is required (free text)")
    language = raw.get("language", "en")
    if language not in ("en", "ko"):
        raise ScenarioError(f"{where}: 'language' must be en or ko")
    signed_in, order = _identity(raw, where)
    handback = raw.get("handback")
    if handback is not None and (not isinstance(handback, str) or not handback.strip()):
        raise ScenarioError(f"{where}: 'handback' must be the agent's note (text)")
    turns_raw, interrupt_raw = raw.get("turns") or [], raw.get("interrupt") or []
    if not isinstance(turns_raw, list) or not isinstance(interrupt_raw, list):
        raise ScenarioError(f"{where}: 'turns' and 'interrupt' must be lists of utterance pools")
    return Scenario(
        name=name,
        task=str(task),
        persona=raw["persona"].strip(),
        goal=raw["goal"].strip(),
        language=language,
        signed_in=signed_in,
        order=order,
        say=_pool(raw.get("say"), where, "say"),
        rephrase=_pool(raw.get("rephrase"), where, "rephrase", required=False),
        turns=tuple(_pool(t, where, "turns[]") for t in turns_raw),
        interrupt=tuple(_pool(t, where, "interrupt[]") for t in interrupt_raw),
        answers=_answers(raw, where, signed_in, order),
        expect=_expectation(raw, where),
        source=where.split(" [")[0],
        notes=str(raw.get("notes") or ""),
        replies=_replies(raw, where),
        handback=handback.strip() if handback else None,
        **_limits(raw, where),
    )


def load_file(path: Path) -> list[Scenario]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path.name}: invalid YAML ({exc})") from None
    if isinstance(document, dict) and "scenarios" in document:
        defaults = document.get("defaults") or {}
        if not isinstance(defaults, dict) or not isinstance(document["scenarios"], list):
            raise ScenarioError(f"{path.name}: 'scenarios' must be a list, 'defaults' a mapping")
        raws = [
            {**defaults, **item} if isinstance(item, dict) else item
            for item in document["scenarios"]
        ]
    else:
        raws = [document]
    return [parse_scenario(raw, path.name) for raw in raws]


def load_all(paths: list[Path] | None = None) -> list[Scenario]:
    """Load the given files (or every bench/scenarios/*.yml); names must be unique."""
    files = paths or sorted(SCENARIO_DIR.glob("*.yml"))
    if not files:
        raise ScenarioError(f"no scenario files in {SCENARIO_DIR}")
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for path in files:
        for scenario in load_file(path):
            if scenario.name in seen:
                raise ScenarioError(
                    f"duplicate scenario name {scenario.name!r} in {path.name} and "
                    f"{seen[scenario.name]}"
                )
            seen[scenario.name] = path.name
            scenarios.append(scenario)
    return scenarios
