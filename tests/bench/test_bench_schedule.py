"""The simulator's schedule: the shop is not reset between scenarios, so order-changing
scenarios run after the readers and no two of them change the same order."""

from __future__ import annotations

from collections import Counter

import httpx

from bench.player import Player
from bench.scenarios import Scenario, load_all, parse_scenario
from bench.sim_model import Settings
from bench.simulate import changes_order, schedule


def scenario(name: str, task: str, order: str, **extra: object) -> Scenario:
    raw = {
        "name": name,
        "task": task,
        "order": order,
        "persona": "test customer",
        "goal": "test goal",
        "say": ["hello there"],
        "expect": {"outcome": "contained", "goal": ["done"]},
        **extra,
    }
    return parse_scenario(raw, "test")


def test_writers_run_after_readers_address_changes_before_cancellations() -> None:
    cancel = scenario("c", "cancel", "EF-100002")
    declined = scenario("d", "cancel", "EF-100002", answers={"confirm": "no"})
    address = scenario("a", "address_change", "EF-100002")
    status = scenario("s", "status", "EF-100002")
    readers, writers = schedule([cancel, declined, address, status])
    assert [s.name for s in readers] == ["d", "s"]
    assert [s.name for s in writers] == ["a", "c"]


def test_no_two_shipped_scenarios_cancel_or_return_the_same_order() -> None:
    closing = [
        s
        for s in load_all()
        if not s.faults and changes_order(s) and s.task in ("cancel", "return")
    ]
    counts = Counter(s.order for s in closing)
    assert closing and all(n == 1 for n in counts.values()), counts


async def test_customer_rephrases_when_the_turn_ends_in_a_fallback() -> None:
    s = scenario("h", "human_request", "EF-100004", rephrase=["get me a person"])
    async with httpx.AsyncClient() as http:
        player = Player(s, Settings(handoff_url="http://127.0.0.1:9"), http)
        bots = [
            {"text": "Before you ask: EF-100004 is late. Is there anything else I can help with?"},
            {"text": "Sorry, I didn't get that. Could you rephrase it?"},
        ]
        reply = player._next({"anything_else", "other"}, bots, goal_met=False)
    assert reply == "get me a person"
    assert player.result.fallbacks == 1 and player.result.failures == 1
