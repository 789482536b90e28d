"""Conversation simulator: plays scripted customers through the public gateway.

    python -m bench.simulate --handoff-url http://127.0.0.1:8080 [--shop-url ...] [FILES...]

Each scenario (bench/scenarios/*.yml, see bench/scenarios.py) is one customer: the simulator
opens a conversation like the widget does (``POST /api/conversations``, signed-in customers
with a shop customer token), sends messages over the REST channel of docs/api.md, reads the
bot's replies, classifies every bot question (bench/questions.py) and answers from the
persona's facts, clicks buttons (which order, yes/no, CES), rephrases after a fallback and
gives up after ``patience`` failures. Order API failures are injected with
``PUT /v1/admin/faults`` on the demo shop (SHOP_ALLOW_FAULTS=1); those scenarios run alone.

Per scenario and overall: goal reached, containment, customer turns to goal, handoff reason,
information asked twice, abandoned, CES given.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.client import (
    AgentClient,
    ApiError,
    Conversation,
    CustomerClient,
    set_faults,
)
from bench.english import english_fragments
from bench.facts import Policies, load_policies, wrong_facts
from bench.questions import AskedTwiceDetector, is_fallback
from bench.report import print_table, write_report
from bench.scenarios import Scenario, ScenarioError, load_all
from handoff.security import demo_customer_token

log = logging.getLogger(__name__)

REPLIES: dict[str, dict[str, Any]] = {
    "en": {
        "yes": ["yes please", "yes, go ahead", "sure, do it"],
        "no": ["no thanks", "no, leave it", "nope"],
        "no_more": ["no, that's all, thanks", "nothing else, thank you"],
        "all_items": "all of them",
    },
    "ko": {
        "yes": ["네, 해주세요", "네 좋아요"],
        "no": ["아니요", "아니요 괜찮아요"],
        "no_more": ["아니요, 됐어요. 감사합니다", "괜찮아요, 감사합니다"],
        "all_items": "전부",
    },
}
CES_PAYLOAD = '/ces{{"ces_score": {score}}}'


@dataclass
class Settings:
    handoff_url: str
    shop_url: str | None = None
    shop_api_key: str = "demo-order-key"
    shop_secret: str = "dev-shop-secret-change-me"
    analyst_email: str | None = None  # to look up handoff reasons the customer cannot see
    analyst_password: str | None = None
    agent_email: str | None = None  # hands conversations back for ``handback`` scenarios
    agent_password: str | None = None
    policies: Policies | None = None  # the truth for wrong-fact checks (bench/facts.py)
    seed: int = 7
    concurrency: int = 4


@dataclass
class Turn:
    customer: str
    bot: list[str]
    kinds: list[str]
    seconds: float


@dataclass
class Result:
    scenario: str
    task: str
    customer: str
    expected: str
    expected_reasons: list[str]
    outcome: str = "abandoned"  # contained | escalated | abandoned | error
    goal_reached: bool = False
    turns: int = 0
    turns_to_goal: int | None = None
    handoff_reason: str | None = None
    asked_twice: int = 0
    asked_twice_facts: list[str] = field(default_factory=list)
    abandoned: bool = False
    fallbacks: int = 0
    failures: int = 0
    ces_offered: bool = False
    ces_given: int | None = None
    wrong_facts: list[str] = field(default_factory=list)
    failures_before_handoff: int | None = None
    handed_back: bool = False
    also_missing: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    transcript: list[Turn] = field(default_factory=list)
    asked_twice_detail: list[dict[str, Any]] = field(default_factory=list)
    english_in_korean: list[str] = field(default_factory=list)  # Korean customers only


def product_names() -> list[str]:
    """The shop's product names: data, like carrier names, not English sentences."""
    try:
        from shop.seed import CATALOG
    except ImportError:  # pragma: no cover - the simulator can run without the demo shop
        return []
    return [name for _, name, _ in CATALOG]


PRODUCT_NAMES = product_names()


def english_replies(results: Sequence[Result]) -> list[str]:
    """Every English fragment in a reply to a Korean customer ("scenario: fragment")."""
    return [f"{r.scenario}: {fragment}" for r in results for fragment in r.english_in_korean]


def _handoff_in(messages: Sequence[dict[str, Any]]) -> tuple[bool, str | None]:
    for message in messages:
        custom = message.get("custom") or {}
        if isinstance(custom, dict) and isinstance(custom.get("handoff"), dict):
            return True, custom["handoff"].get("reason")
    return False, None


def _button_for(buttons: Sequence[dict[str, Any]], *needles: str) -> dict[str, Any] | None:
    for needle in needles:
        if not needle:
            continue
        for button in buttons:
            if needle.lower() in f"{button.get('title')} {button.get('payload')}".lower():
                return button
    return None


class Player:
    """Plays one scenario against the gateway."""

    def __init__(self, scenario: Scenario, settings: Settings, http: httpx.AsyncClient) -> None:
        self.s = scenario
        self.settings = settings
        self.customers = CustomerClient(settings.handoff_url, http)
        self.rng = random.Random(f"{settings.seed}:{scenario.name}")
        self.replies = {**REPLIES.get(scenario.language, REPLIES["en"]), **scenario.replies}
        self.also_seen: set[str] = set()
        self.queue = [list(pool) for pool in scenario.turns]
        self.rephrases = list(scenario.rephrase or scenario.say)
        self.rng.shuffle(self.rephrases)
        self.detector = (
            AskedTwiceDetector.signed_in() if scenario.signed_in else AskedTwiceDetector()
        )
        self.result = Result(
            scenario=scenario.name,
            task=scenario.task,
            customer=scenario.signed_in or "anonymous",
            expected=scenario.expect.outcome,
            expected_reasons=list(scenario.expect.reasons),
        )

    def pick(self, pool: Sequence[str]) -> str:
        return self.rng.choice(list(pool))

    def rephrase(self) -> str:
        text = self.rephrases.pop(0)
        self.rephrases.append(text)
        return text

    async def play(self) -> Result:
        started = time.perf_counter()
        try:
            await self._play()
        except (ApiError, httpx.HTTPError) as exc:
            self.result.outcome = "error"
            self.result.error = str(exc)
            log.warning("scenario %s failed: %s", self.s.name, exc)
        self.result.seconds = round(time.perf_counter() - started, 3)
        self.result.asked_twice = self.detector.count
        self.result.asked_twice_facts = self.detector.facts_asked_twice()
        self.result.asked_twice_detail = self.detector.repeats
        expect = self.s.expect
        if self.result.outcome == "escalated":
            self.result.goal_reached = expect.outcome == "escalated" and (
                self.result.handoff_reason in expect.reasons
            )
        elif self.result.outcome == "contained":
            self.result.goal_reached = expect.outcome == "contained"
        self.result.also_missing = [p for p in expect.also if p not in self.also_seen]
        if self.result.also_missing:
            self.result.goal_reached = False
        return self.result

    def check_bot(self, text: str | None) -> None:
        """Wrong facts (shop policies, the scenario's forbidden statements); ``also`` seen."""
        if not text:
            return
        if self.settings.policies is not None:
            self.result.wrong_facts += wrong_facts(text, self.settings.policies)
        self.result.wrong_facts += [f"forbidden: {p}" for p in self.s.expect.wrong_facts_in(text)]
        self.also_seen |= {p for p in self.s.expect.also if re.search(p, text, re.IGNORECASE)}

    async def _play(self) -> None:
        token = (
            demo_customer_token(self.settings.shop_secret, self.s.signed_in)
            if self.s.signed_in
            else None
        )
        conv = await self.customers.create(self.s.language, token)
        # a proactive greeting (e.g. a known delay) may already be there
        for message in await self.customers.messages(conv):
            if message.get("role") == "bot":
                self.detector.bot(message.get("text"), message.get("buttons"), 0)
                self.check_bot(message.get("text"))
        text: str | None = self.pick(self.s.say)
        goal_met = False
        r = self.result
        while text is not None and r.turns < self.s.max_turns:
            r.turns += 1
            self.detector.customer(text)
            sent = time.perf_counter()
            response = await self.customers.send(conv, text)
            replies = list(response.get("replies") or [])
            elapsed = time.perf_counter() - sent
            handed, reason = _handoff_in(replies)
            if not handed and any(m.get("role") == "system" for m in replies):
                state = await self.customers.state(conv)
                handed = state.get("mode") in ("queued", "agent")
            bots = [m for m in replies if m.get("role") == "bot" and m.get("text")]
            if self.s.language == "ko":
                for message in replies:
                    titles = " ".join(str(b.get("title")) for b in message.get("buttons") or [])
                    r.english_in_korean += english_fragments(
                        f"{message.get('text') or ''} {titles}", PRODUCT_NAMES
                    )
            kinds: set[str] = set()
            for message in bots:
                kinds |= self.detector.bot(message.get("text"), message.get("buttons"), r.turns)
                self.check_bot(message.get("text"))
            r.transcript.append(
                Turn(
                    text,
                    [str(m.get("text")) for m in replies if m.get("text")],
                    sorted(kinds),
                    round(elapsed, 3),
                )
            )
            if handed and self.s.handback and not r.handed_back:
                r.handoff_reason = reason or await self._lookup_reason(conv)
                r.failures_before_handoff = r.failures
                back = await self._hand_back(conv)
                r.handed_back = True
                for message in back:
                    kinds |= self.detector.bot(message.get("text"), message.get("buttons"), r.turns)
                    self.check_bot(message.get("text"))
                r.transcript.append(
                    Turn(
                        "(agent hands back)", [str(m.get("text")) for m in back], sorted(kinds), 0.0
                    )
                )
                text = self.pick(self.queue.pop(0)) if self.queue else None
                continue
            if handed:
                r.outcome = "escalated"
                r.handoff_reason = reason or await self._lookup_reason(conv)
                r.failures_before_handoff = r.failures
                r.turns_to_goal = r.turns
                break
            if not goal_met and any(
                self.s.expect.goal_met_by(str(m.get("text")))
                and not self._is_confirmation(m)
                and not is_fallback(m.get("text"))  # "I didn't get that" never meets a goal
                for m in bots
            ):
                goal_met = True
                if self.s.expect.outcome == "contained":
                    r.outcome = "contained"
                    r.turns_to_goal = r.turns
            text = self._next(kinds, bots, goal_met)
        else:
            if not goal_met and r.outcome != "contained":
                r.abandoned = True
        if r.outcome == "abandoned":
            r.abandoned = True
        try:
            await self.customers.leave(conv)
        except httpx.HTTPError:
            pass

    def _is_confirmation(self, message: dict[str, Any]) -> bool:
        payloads = {str(b.get("payload")) for b in message.get("buttons") or []}
        return bool(payloads & {"/affirm", "/deny"}) or str(message.get("text", "")).startswith(
            "Shall I"
        )

    def _next(self, kinds: set[str], bots: list[dict[str, Any]], goal_met: bool) -> str | None:
        """What the persona says next; None ends the conversation."""
        r, answers = self.result, self.s.answers
        buttons = [b for m in bots for b in (m.get("buttons") or [])]
        if "ces" in kinds:
            r.ces_offered = True
            if self.s.ces is None:
                return None
            r.ces_given = self.s.ces
            button = _button_for(buttons, f'"ces_score": {self.s.ces}}}', f": {self.s.ces}}}")
            return str(button["payload"]) if button else CES_PAYLOAD.format(score=self.s.ces)
        if bots and is_fallback(bots[-1].get("text")) and "confirm" not in kinds:
            # the bot's last word is "I didn't get that": a customer rephrases, even if an
            # earlier message of the same turn (e.g. a proactive notice) asked something else
            return self._failed(fell_back=True)
        if "confirm" in kinds:
            return self.pick(
                self.replies["yes" if answers.get("confirm", "yes") == "yes" else "no"]
            )
        if "choose_order" in kinds:
            button = _button_for(buttons, self.s.order or "") or (buttons[0] if buttons else None)
            if button is not None:
                self.detector.customer_fact("order_number")
                return str(button.get("payload") or button.get("title"))
            if self.s.order:
                return self.s.order
        for fact in ("order_number", "email", "postcode"):
            if fact in kinds and fact in answers:
                self.detector.customer_fact(fact)
                return answers[fact]
        if "address" in kinds and "address" in answers:
            return answers["address"]
        if "items" in kinds:
            wanted = answers.get("items", "all")
            if wanted == "all":
                button = _button_for(buttons, "all", "전부")
                return str(button["payload"]) if button else str(self.replies["all_items"])
            button = _button_for(buttons, wanted)
            return str(button["payload"]) if button else wanted
        if "reason" in kinds and "reason" in answers:
            return answers["reason"]
        if "anything_else" in kinds:
            if self.queue:
                return self.pick(self.queue.pop(0))
            if answers.get("anything_else") == "yes" and not goal_met:
                return self.rephrase()
            return self.pick(self.replies["no_more"])
        fell_back = any(is_fallback(m.get("text")) for m in bots)
        if goal_met and not fell_back:
            return self.pick(self.queue.pop(0)) if self.queue else None
        if self.queue and not fell_back:
            return self.pick(self.queue.pop(0))
        return self._failed(fell_back)

    def _failed(self, fell_back: bool) -> str | None:
        """The bot did not help this turn: rephrase, or give up when patience runs out."""
        r = self.result
        if fell_back:
            r.fallbacks += 1
        r.failures += 1
        if r.failures >= self.s.patience:
            r.abandoned = True
            return None
        return self.rephrase()

    async def _hand_back(self, conv: Conversation) -> list[dict[str, Any]]:
        """A bench agent claims the conversation's handoff and hands it back with the note."""
        if not (self.settings.agent_email and self.settings.agent_password and self.s.handback):
            raise ApiError(0, "handback scenario without agent credentials")
        seen = len(await self.customers.messages(conv))
        agent = AgentClient(self.settings.handoff_url, self.customers.http)
        await agent.login(self.settings.agent_email, self.settings.agent_password)
        summary = None
        for _ in range(20):
            summary = await agent.handoff_for(conv.id)
            if summary:
                break
            await asyncio.sleep(0.25)
        if not summary:
            raise ApiError(0, f"no handoff for conversation {conv.id}")
        await agent.post(f"/api/handoffs/{summary['id']}/claim")
        await agent.post(f"/api/handoffs/{summary['id']}/handback", {"note": self.s.handback})
        bots: list[dict[str, Any]] = []
        for _ in range(40):  # the bot's resume replies are relayed asynchronously
            messages = await self.customers.messages(conv)
            bots = [m for m in messages[seen:] if m.get("role") == "bot" and m.get("text")]
            if bots:
                break
            await asyncio.sleep(0.25)
        return bots

    async def _lookup_reason(self, conv: Conversation) -> str | None:
        if not (self.settings.analyst_email and self.settings.analyst_password):
            return None
        agent = AgentClient(self.settings.handoff_url, self.customers.http)
        try:
            await agent.login(self.settings.analyst_email, self.settings.analyst_password)
            summary = await agent.handoff_for(conv.id)
        except (ApiError, httpx.HTTPError) as exc:
            log.info("handoff reason lookup failed: %s", exc)
            return None
        return str(summary["reason"]) if summary and summary.get("reason") else None


# Tasks that change an order when the customer confirms, in the order they run: an address
# change leaves the order changeable, a return or cancellation closes it for later scenarios.
WRITE_ORDER = {"address_change": 0, "return": 1, "cancel": 2}


def changes_order(scenario: Scenario) -> bool:
    """Does the scenario (if the bot does its job) change its order in the shop?"""
    return scenario.task in WRITE_ORDER and scenario.answers.get("confirm", "yes") == "yes"


def schedule(scenarios: Sequence[Scenario]) -> tuple[list[Scenario], list[Scenario]]:
    """Readers (run in parallel) and writers (run one by one afterwards, address changes first).

    The shop is not reset between scenarios, so a scenario that cancels or returns an order
    must not run before (or alongside) one that expects the order as seeded.
    """
    readers = [s for s in scenarios if not changes_order(s)]
    writers = sorted((s for s in scenarios if changes_order(s)), key=lambda s: WRITE_ORDER[s.task])
    return readers, writers


async def run_scenarios(scenarios: Sequence[Scenario], settings: Settings) -> list[Result]:
    """Play every scenario: readers in parallel, then order-changing ones one at a time, then
    fault scenarios one at a time (faults set)."""
    normal, writers = schedule([s for s in scenarios if not s.faults])
    faulty = [s for s in scenarios if s.faults]
    if faulty and not settings.shop_url:
        log.warning("no --shop-url: skipping %d order-API-failure scenarios", len(faulty))
        faulty = []
    if settings.policies is None:
        settings.policies = await load_policies(settings.shop_url, settings.shop_api_key)
    results: dict[str, Result] = {}
    limit = asyncio.Semaphore(max(1, settings.concurrency))
    async with httpx.AsyncClient(timeout=60) as http:

        async def one(scenario: Scenario) -> None:
            async with limit:
                results[scenario.name] = await Player(scenario, settings, http).play()
                log.info("%s: %s", scenario.name, results[scenario.name].outcome)

        await asyncio.gather(*(one(s) for s in normal))
        for scenario in writers:
            await one(scenario)
        for scenario in faulty:
            assert settings.shop_url and scenario.faults
            await set_faults(settings.shop_url, settings.shop_api_key, **scenario.faults)
            try:
                await one(scenario)
            finally:
                await set_faults(settings.shop_url, settings.shop_api_key)
    return [results[s.name] for s in scenarios if s.name in results]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def summarise(results: Sequence[Result]) -> dict[str, Any]:
    """Overall and per-task figures."""

    def figures(group: Sequence[Result]) -> dict[str, Any]:
        n = len(group)
        outcomes = Counter(r.outcome for r in group)
        to_goal = [r.turns_to_goal for r in group if r.goal_reached and r.turns_to_goal]
        ces = [r.ces_given for r in group if r.ces_given is not None]
        self_service = [r for r in group if r.expected == "contained"]
        must_handoff = [r for r in group if r.expected == "escalated"]
        return {
            "scenarios": n,
            "self_service_containment": _rate(
                sum(r.goal_reached and r.outcome == "contained" for r in self_service),
                len(self_service),
            ),
            "must_handoff": len(must_handoff),
            "must_handoff_within_2_failures": sum(
                r.outcome == "escalated"
                and r.failures_before_handoff is not None
                and r.failures_before_handoff <= 2
                for r in must_handoff
            ),
            "wrong_facts": sum(len(r.wrong_facts) for r in group),
            "goal_reached": sum(r.goal_reached for r in group),
            "goal_rate": _rate(sum(r.goal_reached for r in group), n),
            "containment_rate": _rate(outcomes["contained"], n),
            "escalation_rate": _rate(outcomes["escalated"], n),
            "abandonment_rate": _rate(outcomes["abandoned"], n),
            "errors": outcomes["error"],
            "mean_turns_to_goal": round(sum(to_goal) / len(to_goal), 2) if to_goal else None,
            "asked_twice_total": sum(r.asked_twice for r in group),
            "conversations_with_asked_twice": sum(1 for r in group if r.asked_twice),
            "fallbacks": sum(r.fallbacks for r in group),
            "english_in_korean_replies": sum(len(r.english_in_korean) for r in group),
            "mean_ces": round(sum(ces) / len(ces), 2) if ces else None,
            "handoff_reasons": dict(
                Counter(r.handoff_reason or "?" for r in group if r.outcome == "escalated")
            ),
        }

    tasks = sorted({r.task for r in results})
    return {
        "overall": figures(results),
        "by_task": {t: figures([r for r in results if r.task == t]) for t in tasks},
    }


def print_results(results: Sequence[Result], summary: dict[str, Any]) -> None:
    rows = [
        [
            r.scenario,
            r.customer,
            r.expected,
            r.outcome,
            "yes" if r.goal_reached else "NO",
            r.turns_to_goal or "-",
            r.handoff_reason or "-",
            r.asked_twice or "-",
            "yes" if r.abandoned else "-",
            r.ces_given or "-",
            len(r.wrong_facts) or "-",
        ]
        for r in results
    ]
    print_table(
        [
            "scenario",
            "customer",
            "expected",
            "outcome",
            "goal",
            "turns",
            "handoff",
            "asked2x",
            "abandoned",
            "CES",
            "wrong",
        ],
        rows,
    )
    o = summary["overall"]
    print(
        f"\nsimulator: {o['scenarios']} scenarios, goal reached {o['goal_reached']} "
        f"({o['goal_rate']}), containment {o['containment_rate']}, escalation "
        f"{o['escalation_rate']}, abandonment {o['abandonment_rate']}, mean turns to goal "
        f"{o['mean_turns_to_goal']}, information asked twice {o['asked_twice_total']} "
        f"(in {o['conversations_with_asked_twice']} conversations), mean CES {o['mean_ces']}, "
        f"errors {o['errors']}; self-service containment {o['self_service_containment']}, "
        f"must-handoff handed off within 2 failures {o['must_handoff_within_2_failures']}/"
        f"{o['must_handoff']}, wrong facts {o['wrong_facts']}, English fragments in replies "
        f"to Korean customers {o['english_in_korean_replies']}"
    )
    for line in english_replies(results)[:20]:
        print(f"  English to a Korean customer: {line}")


def result_json(results: Sequence[Result], summary: dict[str, Any]) -> dict[str, Any]:
    return {"summary": summary, "scenarios": [asdict(r) for r in results]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.simulate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="*", type=Path, help="scenario files (default: all)")
    parser.add_argument(
        "--handoff-url", default=os.environ.get("HANDOFF_URL", "http://127.0.0.1:8080")
    )
    parser.add_argument(
        "--shop-url",
        default=os.environ.get("SHOP_URL"),
        help="demo order API with SHOP_ALLOW_FAULTS=1 (for fault scenarios)",
    )
    parser.add_argument("--shop-api-key", default=os.environ.get("SHOP_API_KEY", "demo-order-key"))
    parser.add_argument(
        "--shop-secret", default=os.environ.get("HANDOFF_SHOP_SECRET", "dev-shop-secret-change-me")
    )
    parser.add_argument("--analyst-email", default=os.environ.get("BENCH_ANALYST_EMAIL"))
    parser.add_argument("--analyst-password", default=os.environ.get("BENCH_ANALYST_PASSWORD"))
    parser.add_argument("--agent-email", default=os.environ.get("BENCH_AGENT_EMAIL"))
    parser.add_argument("--agent-password", default=os.environ.get("BENCH_AGENT_PASSWORD"))
    parser.add_argument("--only", help="regex on scenario names")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        scenarios = load_all(args.files or None)
    except ScenarioError as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    if args.only:
        scenarios = [s for s in scenarios if re.search(args.only, s.name)]
    settings = Settings(
        handoff_url=args.handoff_url,
        shop_url=args.shop_url,
        shop_api_key=args.shop_api_key,
        shop_secret=args.shop_secret,
        analyst_email=args.analyst_email,
        analyst_password=args.analyst_password,
        agent_email=args.agent_email,
        agent_password=args.agent_password,
        seed=args.seed,
        concurrency=args.concurrency,
    )
    results = asyncio.run(run_scenarios(scenarios, settings))
    summary = summarise(results)
    print_results(results, summary)
    path = write_report("simulate", result_json(results, summary))
    print(f"\nreport: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
