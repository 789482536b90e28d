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

import asyncio
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx

from bench.client import (
    set_faults,
)
from bench.facts import load_policies
from bench.player import Player
from bench.report import cli_parser, log_to_stderr, settings_from, write_report
from bench.scenarios import Scenario, ScenarioError, load_all
from bench.sim_model import PRODUCT_NAMES, Result, Settings, Turn
from bench.sim_report import print_results, result_json, summarise

log = logging.getLogger(__name__)

__all__ = [
    "PRODUCT_NAMES",
    "Player",
    "Result",
    "Settings",
    "Turn",
    "changes_order",
    "print_results",
    "result_json",
    "run_scenarios",
    "schedule",
    "summarise",
]

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli_parser("python -m bench.simulate", __doc__)
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
    log_to_stderr()
    try:
        scenarios = load_all(args.files or None)
    except ScenarioError as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    if args.only:
        scenarios = [s for s in scenarios if re.search(args.only, s.name)]
    settings = settings_from(Settings, args)
    results = asyncio.run(run_scenarios(scenarios, settings))
    summary = summarise(results)
    print_results(results, summary)
    path = write_report("simulate", result_json(results, summary))
    print(f"\nreport: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
