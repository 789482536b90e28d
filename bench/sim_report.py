"""The simulator's figures: per scenario, per task and overall; printed and as JSON."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from bench.report import print_table
from bench.sim_model import Result, english_replies


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
