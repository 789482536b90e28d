"""`python -m handoff.analytics report|export|compute|consume|export-nlu-review`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any

from handoff.analytics.analysis import Rules
from handoff.analytics.live import acquire, holder_id, last_update, record_run, release
from handoff.analytics.queries import OUTCOMES, Filters, agents, dashboard, parse_filters
from handoff.analytics.settings import AnalyticsSettings
from handoff.config import SettingsError
from handoff.errors import DomainError
from handoff.store.db import Database
from handoff.store.migrate import MigrationError, ensure_sqlite_dir, upgrade
from handoff.store.models import utcnow

log = logging.getLogger("handoff.analytics")
LEASE_SECONDS = 300.0  # renewed after every batch


def _filters(args: argparse.Namespace) -> Filters:
    return parse_filters(
        {
            "since": args.since,
            "until": args.until,
            "language": args.language,
            "task": args.task,
            "agent": args.agent,
        }
    )


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def render_report(data: dict[str, Any]) -> str:
    s = data["summary"]
    f = data["filters"]
    lines = [
        f"Containment report  since {f['since'] or 'start'}  until {f['until'] or 'now'}"
        f"  language {f['language'] or 'all'}  task {f['task'] or 'all'}"
        f"  agent {f.get('agent') or 'all'}",
        f"last updated {data.get('updated_at') or 'never (no computation has run yet)'}",
        "",
        f"{'sessions':<32}{s['sessions']:>10}",
        f"{'substantive, closed':<32}{s['substantive_closed']:>10}",
        f"{'open (not closed yet)':<32}{s['open']:>10}",
        f"{'excluded (not substantive)':<32}{s['excluded']:>10}",
    ]
    for o in OUTCOMES:
        rate = s[f"{o}_rate"]
        shown = f"{100 * rate:.1f}%" if rate is not None else "–"
        lines.append(f"{o + ' rate':<32}{shown:>10}  ({s[o]})")
    lines += [
        "",
        "Rates over time",
        f"{'day':<12}{'sessions':>9}{'cont.':>9}{'esc.':>9}{'aband.':>9}",
    ]
    for d in data["over_time"]:
        rates = [
            f"{100 * d[o + '_rate']:.0f}%" if d[o + "_rate"] is not None else "–" for o in OUTCOMES
        ]
        lines.append(f"{d['day']:<12}{d['substantive']:>9}" + "".join(f"{r:>9}" for r in rates))
    lines += _section(
        "Handoff reasons",
        [f"  {r['reason']:<30}{r['sessions']:>8}" for r in data["handoff_reasons"]],
    )
    lines += ["", f"{'Effort (median)':<28}{'all':>8}" + "".join(f"{o[:6]:>9}" for o in OUTCOMES)]
    for name, e in data["effort"].items():
        lines.append(
            f"  {name:<26}{_fmt(e['median']):>8}" + "".join(f"{_fmt(e[o]):>9}" for o in OUTCOMES)
        )
    lines.append(f"  {'sessions asking info twice':<26}{data['asked_twice_sessions']:>8}")
    for title, key in (("CES by outcome", "ces_by_outcome"), ("CES by task", "ces_by_task")):
        lines += ["", f"{title:<22}" + "".join(f"{k:>5}" for k in range(1, 8)) + "      n  median"]
        for g in data[key]:
            dist = "".join(f"{g['distribution'][str(k)]:>5}" for k in range(1, 8))
            lines.append(f"  {g['group']:<20}{dist}{g['n']:>7}  {_fmt(g['median'])}")
    lines += ["", "Top failing intents (sessions, not contained, fallbacks)"]
    for r in data["failing_intents"]:
        lines.append(
            f"  {r['intent']:<30}{r['sessions']:>7}{r['not_contained']:>7}{r['fallbacks']:>7}"
        )
    lines += ["", "Top fallback utterances (masked)"]
    for u in data["fallback_utterances"]:
        lines.append(f"  {u['count']:>5}  {u['text']}  → {u['likely_intent'] or '?'}")
    lines += render_agents(data)
    return "\n".join(lines) + "\n"


def _section(title: str, rows: list[str]) -> list[str]:
    """A titled block of the report; a dash where it has no rows."""
    return ["", title, *(rows or ["  –"])]


def render_agents(data: dict[str, Any]) -> list[str]:
    lines = _section(
        "Agents (handled, median first response s, median handling s, hand-backs, transfers,"
        " CES after a human: n / mean)",
        [
            f"  {a['name'][:28]:<30}{a['handled']:>6}{_fmt(a['first_response_median_s']):>8}"
            f"{_fmt(a['handling_median_s']):>8}{a['handed_back']:>6}{a['transfers']:>6}"
            f"   {a['ces_after_human_n']} / {_fmt(a['ces_after_human_mean'])}"
            for a in data.get("agents", [])
        ],
    )
    lines += _section(
        "Teams by language queue (handoffs, handled, left the queue, median wait s,"
        " median first response s, median handling s, hand-backs, transfers)",
        [
            f"  {t['team']:<10}{t['handoffs']:>8}{t['handled']:>8}{t['abandoned_in_queue']:>6}"
            f"{_fmt(t['queue_wait_median_s']):>8}{_fmt(t['first_response_median_s']):>8}"
            f"{_fmt(t['handling_median_s']):>8}{t['handed_back']:>6}{t['transfers']:>6}"
            for t in data.get("teams", [])
        ],
    )
    lines += ["", "Queue wait (answered / left the queue)"]
    for b in data.get("queue_wait", []):
        lines.append(f"  {b['bucket']:<16}{b['answered']:>8}{b['abandoned']:>8}")
    return lines


async def _open(path: str) -> IO[str]:
    """The CLI writes exports synchronously to a local file (one writer, no server loop)."""
    return await asyncio.to_thread(open, path, "w", newline="", encoding="utf-8")


async def _db(settings: AnalyticsSettings) -> Database:
    ensure_sqlite_dir(settings.database_url)
    db = Database(settings.database_url)
    await upgrade(db.engine)
    return db


Command = Callable[[argparse.Namespace, AnalyticsSettings, Database], Awaitable[int]]


async def _report(args: argparse.Namespace, settings: AnalyticsSettings, db: Database) -> int:
    async with db.session() as session:
        data = await dashboard(session, _filters(args))
        data.update(await agents(session, _filters(args)))
        data.update(await last_update(session))
    if args.json:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(render_report(data))
    return 0


async def _export(args: argparse.Namespace, settings: AnalyticsSettings, db: Database) -> int:
    from handoff.analytics.exports import export, require_admin

    filters = _filters(args)
    async with db.session() as session:
        if args.raw:
            admin = await require_admin(session, args.as_user)
            log.warning("raw export", extra={"admin": admin.email})
        out = await _open(args.output) if args.output else None
        try:
            n = await export(session, filters, out or sys.stdout, fmt=args.format, raw=args.raw)
        finally:
            if out is not None:
                out.close()
    log.info("exported", extra={"rows": n, "format": args.format, "raw": args.raw})
    return 0


async def _nlu_review(args: argparse.Namespace, settings: AnalyticsSettings, db: Database) -> int:
    from handoff.analytics.exports import nlu_review

    async with db.session() as session:
        text, n = await nlu_review(session, _filters(args))
    if args.output:
        await asyncio.to_thread(Path(args.output).write_text, text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    log.info("nlu review written", extra={"examples": n, "path": args.output})
    return 0


async def _compute(args: argparse.Namespace, settings: AnalyticsSettings, db: Database) -> int:
    from handoff.analytics.pipeline import compute
    from handoff.analytics.sources import BrokerSource, RasaHttpSource

    source: Any
    if args.source == "rasa":
        source = RasaHttpSource(
            settings.rasa_url,
            settings.rasa_token,
            timeout=settings.rasa_timeout,
            concurrency=settings.fetch_concurrency,
        )
    else:
        source = BrokerSource()
    holder = holder_id()
    if not await acquire(db, holder, LEASE_SECONDS):
        sys.stderr.write("another instance is computing the analytics; try again later\n")
        await source.close()
        return 3
    started = utcnow()

    async def renew() -> bool:
        return await acquire(db, holder, LEASE_SECONDS)

    try:
        stats = await compute(
            db,
            source,
            rules=Rules(settings.inactivity_seconds, settings.low_confidence),
            batch_size=settings.batch_size,
            progress=not args.quiet,
            full=args.full,
            heartbeat=renew,
        )
        await record_run(db, started, stats)
    finally:
        await release(db, holder)
        await source.close()
    sys.stdout.write(json.dumps(stats.as_dict()) + "\n")
    return 2 if stats.fetch_failures and args.source == "rasa" else 0


async def _consume(args: argparse.Namespace, settings: AnalyticsSettings, db: Database) -> int:
    from handoff.analytics.broker import EventConsumer

    consumer = EventConsumer(db, settings.rabbitmq_url, settings.queue)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await consumer.run(stop=stop, idle_exit=args.idle_exit)
    log.info("consumer stopped", extra={"stored": consumer.stored})
    return 0


COMMANDS: dict[str, Command] = {
    "report": _report,
    "export": _export,
    "export-nlu-review": _nlu_review,
    "compute": _compute,
    "consume": _consume,
}


async def run(args: argparse.Namespace, settings: AnalyticsSettings) -> int:
    db = await _db(settings)
    try:
        command = COMMANDS.get(args.command)
        return 0 if command is None else await command(args, settings, db)
    finally:
        await db.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m handoff.analytics")
    sub = parser.add_subparsers(dest="command", required=True)

    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--since", default=None, help="7d, 4w or an ISO date")
        p.add_argument("--until", default=None, help="ISO date (inclusive)")
        p.add_argument("--language", default=None)
        p.add_argument("--task", default=None)
        p.add_argument("--agent", default=None, help="an agent's numeric id")

    report = sub.add_parser("report", help="print the dashboard figures as a table")
    filters(report)
    report.add_argument("--json", action="store_true", help="print JSON instead of a table")
    export = sub.add_parser("export", help="export the containment log (PII masked)")
    filters(export)
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    export.add_argument("--output", "-o", default=None, help="file (default: stdout)")
    export.add_argument("--raw", action="store_true", help="unmasked (admins only, with --as)")
    export.add_argument("--as", dest="as_user", default=None, help="admin email for --raw")
    compute = sub.add_parser("compute", help="compute the containment log incrementally")
    compute.add_argument(
        "--source",
        choices=("rasa", "broker"),
        default="rasa",
        help="rasa: fetch trackers from Rasa's HTTP API; broker: use events the consumer stored",
    )
    compute.add_argument("--quiet", action="store_true", help="no progress bar")
    compute.add_argument("--full", action="store_true", help="recompute every conversation")
    consume = sub.add_parser("consume", help="consume Rasa's events from RabbitMQ")
    consume.add_argument("--idle-exit", type=float, default=None, help="stop after N idle seconds")
    nlu = sub.add_parser("export-nlu-review", help="fallback utterances as Rasa NLU YAML")
    filters(nlu)
    nlu.add_argument("--output", "-o", default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    try:
        settings = AnalyticsSettings.from_env()
    except SettingsError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        return 2
    try:
        return asyncio.run(run(args, settings))
    except (DomainError, MigrationError) as exc:  # str(): a DomainError's message
        sys.stderr.write(f"error: {exc}\n")
        return 2
