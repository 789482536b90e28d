"""One scripted customer played through the public gateway (bench/simulate.py): answers the
bot's questions from the persona's facts, clicks buttons, rephrases after a fallback."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Sequence
from typing import Any

import httpx

from bench.client import (
    AgentClient,
    ApiError,
    Conversation,
    CustomerClient,
)
from bench.english import english_fragments
from bench.facts import wrong_facts
from bench.questions import AskedTwiceDetector, is_fallback
from bench.scenarios import Scenario
from bench.sim_model import PRODUCT_NAMES, Result, Settings, Turn
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
# Questions for a fact, which an `interrupt` pool answers with a change of mind instead
FACT_QUESTIONS = frozenset(
    {"choose_order", "order_number", "email", "postcode", "address", "items", "reason"}
)
CES_PAYLOAD = '/ces{{"ces_score": {score}}}'


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
        self.interrupts = [list(pool) for pool in scenario.interrupt]
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

    async def _open(self) -> Conversation:
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
        return conv

    def _read(
        self, text: str, replies: list[dict[str, Any]], elapsed: float
    ) -> tuple[set[str], list[dict[str, Any]]]:
        """Classify the bot's replies to one customer turn and record the turn; the kinds of
        question asked and the bot messages."""
        r = self.result
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
        shown = [str(m.get("text")) for m in replies if m.get("text")]
        r.transcript.append(Turn(text, shown, sorted(kinds), round(elapsed, 3)))
        return kinds, bots

    async def _play(self) -> None:
        conv = await self._open()
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
            kinds, bots = self._read(text, replies, elapsed)
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
        if self.interrupts and kinds & FACT_QUESTIONS:  # a new request instead of the answer
            return self.pick(self.interrupts.pop(0))
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
