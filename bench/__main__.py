"""`make bench`: start the whole stack on free ports, run every benchmark, print, stop.

    python -m bench [--parts nlu,simulate,load] [--customers 20] [--think 0] [--only REGEX]
    python -m bench --parts analytics [--analytics-sessions 1000000] [--analytics-backend postgres]

The `analytics` part (not in the default set: it needs no stack but takes minutes at scale)
generates N sessions in a fresh database and times the containment-log computation and every
dashboard query (bench/analytics_scale.py).

Starts the demo order API (SHOP_ALLOW_FAULTS=1, temporary database), the action server, Rasa
with models/current.tar.gz and the handoff service (temporary database, an analyst and an agent
account created with its CLI), then runs the NLU evaluation (held-out tests/nlu/*.yml and the
external-taxonomy sample with its mapping), the conversation simulator (every scenario) and the
load test. Prints a summary table, writes bench/results/bench-<time>.json (and one report per
part) and stops every process it started, also on Ctrl-C or an error.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil

from bench import faults, load, nlu_eval, sim_report, simulate
from bench.labelled import DatasetError
from bench.report import ROOT, cli_parser, print_table, settings_from, write_report
from bench.scenarios import ScenarioError, load_all
from bench.sim_model import Settings as SimulatorSettings
from bench.stack import Stack, StackError

log = logging.getLogger("bench")

BLIND = ROOT / "tests" / "nlu" / "blind"
# name, files, label mapping, blind (aggregate figures only: the lines are never shown)
NLU_SETS: list[tuple[str, list[Path], Path | None, bool]] = [
    ("held_out", sorted((ROOT / "tests" / "nlu").glob("*.yml")), None, False),
    ("blind_en", [BLIND / "en.yml"], None, True),
    ("blind_ko", [BLIND / "ko.yml"], None, True),
    ("blind_out_of_scope", [BLIND / "out_of_scope.yml"], None, True),
    # written apart from the training data like the blind sets, but open: settings are tuned on it
    ("dev_ko", [ROOT / "tests" / "nlu" / "dev" / "ko.yml"], None, False),
    (
        "external_sample",
        [ROOT / "bench" / "data" / "customer_support_sample.csv"],
        ROOT / "bench" / "data" / "customer_support_mapping.yml",
        False,
    ),
]


def _terminate(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


async def run_nlu(stack: Stack | None) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, paths, mapping, blind in NLU_SETS:
        paths = [p for p in paths if p.exists()]
        if not paths:
            log.warning("NLU set %s: no files, skipped", name)
            continue
        try:
            report, result = await nlu_eval.run(
                paths,
                mapping=mapping,
                rasa_url=stack.rasa_url if stack else None,
                token=stack.rasa_token if stack else None,
                curve=nlu_eval.CURVE if name.startswith(("held_out", "blind")) else (),
                keep_misses=not blind,
            )
        except DatasetError as exc:
            log.warning("NLU set %s skipped: %s", name, exc)
            continue
        print(f"\n=== NLU: {name} ===")
        nlu_eval.print_report(report, misses=0 if blind else 10)
        if "threshold_curve" in result:
            nlu_eval.print_curve(result["threshold_curve"])
        write_report(f"nlu-{name}", result)
        results[name] = result
    return results


async def run_simulator(stack: Stack, only: str | None, concurrency: int) -> dict[str, Any]:
    import re

    scenarios = load_all()
    if only:
        scenarios = [s for s in scenarios if re.search(only, s.name)]
    settings = settings_from(SimulatorSettings, stack.addresses(), concurrency=concurrency)
    results = await simulate.run_scenarios(scenarios, settings)
    summary = sim_report.summarise(results)
    print("\n=== conversation simulator ===")
    sim_report.print_results(results, summary)
    body = sim_report.result_json(results, summary)
    write_report("simulate", body)
    return body


async def run_load(stack: Stack, args: argparse.Namespace) -> dict[str, Any]:
    settings = settings_from(
        load.LoadSettings,
        stack.addresses(),
        customers=args.customers,
        think_s=args.think,
        agent_messages=args.agent_messages,
        service_pid=stack.pids().get("handoff"),
        arrival=args.arrival,
    )
    return await load.run_load(settings, args.load_paths)


def summary_rows(report: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for name, nlu in (report.get("nlu") or {}).items():
        rows.append(
            [
                f"NLU {name}",
                "accuracy / macro-F1 / fallback",
                f"{nlu['accuracy']:.3f} / {nlu['macro_f1']:.3f} / {nlu['fallback_rate']:.3f}",
                f"{nlu['examples']} examples",
            ]
        )
    sim = (report.get("simulate") or {}).get("summary", {}).get("overall")
    if sim:
        rows += [
            [
                "simulator",
                "goal reached",
                f"{sim['goal_reached']}/{sim['scenarios']}",
                f"rate {sim['goal_rate']}",
            ],
            [
                "simulator",
                "containment / escalation / abandonment",
                f"{sim['containment_rate']} / {sim['escalation_rate']} / {sim['abandonment_rate']}",
                f"errors {sim['errors']}",
            ],
            ["simulator", "mean customer turns to goal", sim["mean_turns_to_goal"], ""],
            [
                "simulator",
                "information asked twice",
                sim["asked_twice_total"],
                f"in {sim['conversations_with_asked_twice']} conversations",
            ],
            ["simulator", "mean CES given", sim["mean_ces"], ""],
        ]
    lo = report.get("load") or {}
    for key, label in (
        ("rasa", "(a) Rasa REST"),
        ("gateway", "(b) gateway REST"),
        ("gateway_ws", "(b) gateway WS"),
        ("agent", "(c) customer→agent"),
    ):
        r = lo.get(key)
        if r:
            rows.append(
                [
                    f"load {label}",
                    "p50 / p95 / p99 ms",
                    f"{r['p50_ms']} / {r['p95_ms']} / {r['p99_ms']}",
                    f"{r.get('throughput_per_s')} msg/s, {r['count']} msgs, "
                    f"{r.get('errors')} errors"
                    + (
                        f", load {r['load_average_1m']}, "
                        f"{r.get('service_cpu_ms_per_message')} ms CPU/msg"
                        if "load_average_1m" in r
                        else ""
                    ),
                ]
            )
    ratio = lo.get("ratio_gateway_over_rasa")
    if ratio:
        rows.append(
            [
                "load",
                "ratio (b)/(a) p50 / p95 / p99",
                f"{ratio.get('p50_ms')} / {ratio.get('p95_ms')} / {ratio.get('p99_ms')}",
                "",
            ]
        )
    for name, mb in (report.get("peak_rss_mb") or {}).items():
        rows.append(["peak RSS", name, f"{mb} MB", ""])
    return rows


async def run_all(args: argparse.Namespace, stack: Stack | None) -> dict[str, Any]:
    report: dict[str, Any] = {"parts": args.parts}
    if "analytics" in args.parts:
        from bench import analytics_scale

        backends = (
            ["sqlite", "postgres"] if args.analytics_backend == "both" else [args.analytics_backend]
        )
        report["analytics"] = {}
        for backend in backends:
            result = await analytics_scale.run(
                backend,
                args.analytics_sessions,
                args.analytics_stored,
                keep=args.analytics_keep_db,
                reuse_db=args.analytics_reuse_db,
            )
            print(f"\n=== analytics at scale [{backend}] ===")
            for key, value in result.items():
                print(f"  {key:<26}{value}")
            report["analytics"][backend] = result
        write_report("analytics", report["analytics"])
    if "nlu" in args.parts:
        report["nlu"] = await run_nlu(stack)
    if stack is not None and "simulate" in args.parts:
        report["simulate"] = await run_simulator(stack, args.only, args.concurrency)
    if stack is not None and "faults" in args.parts:
        report["faults"] = await faults.run(stack, args.customers, args.only)
        print("\n=== faults ===")
        print_table(faults.HEADERS, faults.rows(report["faults"]))
        print(
            "lost {lost} · duplicated {duplicated} · unanswered {unanswered}".format(
                **report["faults"]
            )
        )
        write_report("faults", report["faults"])
    if stack is not None and "load" in args.parts:
        report["load"] = await run_load(stack, args)
        print("\n=== load ===")
        load.print_load(report["load"])
        write_report("load", report["load"])
    return report


def _parser() -> argparse.ArgumentParser:
    parser = cli_parser("python -m bench", __doc__)
    parser.add_argument(
        "--parts",
        default="nlu,simulate,load",
        help="comma-separated: nlu, simulate, load, analytics, faults (the last two: on request)",
    )
    parser.add_argument("--analytics-sessions", type=int, default=100_000)
    parser.add_argument(
        "--analytics-stored",
        type=int,
        default=1_000_000,
        help="sessions stored when the dashboard is timed (PostgreSQL: the computed log is "
        "replicated server-side up to this count)",
    )
    parser.add_argument(
        "--analytics-backend", choices=("sqlite", "postgres", "both"), default="postgres"
    )
    parser.add_argument(
        "--analytics-keep-db",
        action="store_true",
        help="PostgreSQL: keep the generated database (name printed) for --analytics-reuse-db",
    )
    parser.add_argument(
        "--analytics-reuse-db",
        metavar="DATABASE",
        help="PostgreSQL: time the dashboard on a kept database (no generation, no compute)",
    )
    parser.add_argument("--customers", type=int, default=20, help="concurrent customers (load)")
    parser.add_argument("--think", type=float, default=0.0, help="think time in s (load)")
    parser.add_argument(
        "--agent-messages",
        type=int,
        default=10,
        help="messages per customer on the customer→agent path (load)",
    )
    parser.add_argument(
        "--arrival",
        choices=load.ARRIVALS,
        default="spread",
        help="customer→agent path: first messages spread over one think time, or together",
    )
    parser.add_argument(
        "--load-paths",
        default="rasa,gateway,agent",
        help="comma-separated load paths: rasa, gateway, agent",
    )
    parser.add_argument("--only", help="regex on scenario names (simulate, faults)")
    parser.add_argument("--concurrency", type=int, default=4, help="parallel scenarios")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    args.parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    args.load_paths = [p.strip() for p in args.load_paths.split(",") if p.strip()]
    if set(args.load_paths) - {"rasa", "gateway", "agent"}:
        parser.error("--load-paths takes rasa, gateway, agent")
    unknown = set(args.parts) - {"nlu", "simulate", "load", "analytics", "faults"}
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        load_all()  # fail fast on a broken scenario file
    except ScenarioError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    needs_stack = bool({"simulate", "load", "faults"} & set(args.parts))
    stack = Stack() if needs_stack else None
    started = time.perf_counter()
    try:
        if stack is not None:
            stack.start(timeout=float(os.environ.get("BENCH_START_TIMEOUT", "240")))
        report = asyncio.run(run_all(args, stack))
    except StackError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted, stopping the stack", file=sys.stderr)
        return 130
    finally:
        if stack is not None:
            stack.stop()
    if stack is not None:
        report["peak_rss_mb"] = {
            **stack.peak_rss_mb(),
            "bench (load generator)": round(psutil.Process().memory_info().rss / 2**20, 1),
        }
        if "load" in report:
            report["load"]["peak_rss_mb"] = report["peak_rss_mb"]
    report["seconds"] = round(time.perf_counter() - started, 1)
    print("\n=== summary ===")
    print_table(["part", "figure", "value", "detail"], summary_rows(report))
    print(f"\nreport: {write_report('bench', report)} ({report['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
