"""CLI: compute from a real HTTP tracker server, report, exports (masking, admin check),
NLU review YAML; and `python -m handoff.analytics` as a real process."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from handoff.accounts import create_user
from handoff.analytics.cli import build_parser, run
from handoff.analytics.pipeline import compute
from handoff.analytics.settings import AnalyticsSettings
from handoff.analytics.sources import RasaHttpSource, StoredTrackerSource
from handoff.store.db import Database
from tests.support.analytics_fixtures import NOW, add_conversation, dump, rows
from tests.support.analytics_scenarios import build
from tests.support.rasa_trackers import tracker_server
from tests.support.served import Served

ROOT = Path(__file__).parents[2]
# Real Rasa 3.6 (e2e, 2026-12-01): a signed-in customer asks where an order is, says no
# thanks, rates 6 — the whole tracker, timestamps moved to 2026-11-20 10:00.
FIRST_TURN = Path(__file__).parent / "data" / "rasa_first_turn_tracker.json"


async def test_compute_from_rasa_http_api(db: Database) -> None:
    trackers = await build(db)
    served = Served(tracker_server(trackers, "t0k"))
    await served.start()
    try:
        source = RasaHttpSource(served.url, "t0k", timeout=5)
        stats = await compute(db, source, now=NOW)
        await source.close()
        assert stats.fetch_failures == []
        assert stats.sessions_written == 18
        bad = RasaHttpSource(served.url, "wrong", timeout=5)
        # a full recompute asks Rasa again; refused: stored events are kept, rows unchanged
        await compute(db, bad, now=NOW, full=True)
        await bad.close()
        assert bad.failures
    finally:
        await served.stop()
    reference = Database(db.url.replace("analytics.db", "reference.db"))
    from handoff.store.migrate import upgrade

    await upgrade(reference.engine)
    await build(reference)
    await compute(reference, StoredTrackerSource(trackers), now=NOW)

    strip = ("id", "computed_at")
    a = [{k: v for k, v in r.items() if k not in strip} for r in dump(await rows(db))]
    b = [{k: v for k, v in r.items() if k not in strip} for r in dump(await rows(reference))]
    await reference.close()
    assert a == b


def _made_up_session(cid: str, at: float) -> dict[str, Any]:
    """What Rasa's tracker endpoint answered (seen in that run's `analytics_events`) when the
    live loop asked while Rasa was still answering the first message: the conversation was not
    saved yet, so Rasa ran `action_session_start` on the spot, without the gateway's metadata,
    and returned that session without saving it."""
    meta = {"model_id": "0cc5f47af85f43508e4d0a6d1a9ddc5b", "assistant_id": "effortless"}
    events: list[dict[str, Any]] = [
        {
            "event": "action",
            "timestamp": at,
            "metadata": meta,
            "name": "action_session_start",
            "policy": None,
            "confidence": 1.0,
            "action_text": None,
            "hide_rule_turn": False,
        },
        {"event": "session_started", "timestamp": at + 0.001, "metadata": meta},
        *(
            {"event": "slot", "timestamp": at + 0.001, "metadata": meta, "name": n, "value": v}
            for n, v in (("language", "en"), ("customer_id", None), ("verified", False))
        ),
        {"event": "action", "timestamp": at + 0.001, "metadata": meta, "name": "action_listen"},
    ]
    return {"sender_id": cid, "events": events}


async def test_a_made_up_first_session_does_not_split_the_real_one(db: Database) -> None:
    real = json.loads(FIRST_TURN.read_text(encoding="utf-8"))
    cid, start = real["sender_id"], real["events"][0]["timestamp"]
    customer = [(0.8, "Where is my order EF-100001?"), (2.1, "no, that's all, thanks")]
    at = datetime.fromtimestamp(start, UTC)
    await add_conversation(db, cid, at=at, customer_id="C0001", messages=customer)
    # asked 1.2 s in: after the customer's message (0.8 s), before the bot's answer (1.5 s)
    trackers = {cid: _made_up_session(cid, start + 1.212)}
    served = Served(tracker_server(trackers, "t0k"))
    await served.start()
    try:
        source = RasaHttpSource(served.url, "t0k", timeout=5)
        await compute(db, source, now=NOW)
        trackers[cid] = real  # Rasa has answered and saved the conversation
        await compute(db, source, now=NOW, full=True)
        await source.close()
    finally:
        await served.stop()
    (row,) = (await rows(db)).values()
    assert (row.outcome, row.task, row.ces_score) == ("contained", "order_status", 6)
    assert row.closed_by in ("rated", "goodbye")
    assert row.customer_turns == 2


@pytest.fixture
async def filled(db: Database) -> tuple[Database, AnalyticsSettings]:
    trackers = await build(db)
    await compute(db, StoredTrackerSource(trackers), now=NOW)
    async with db.session() as session:
        await create_user(
            session=session,
            email="boss@example.com",
            name="Boss",
            role="admin",
            password="correct horse battery",
        )
        await create_user(
            session=session,
            email="ana@example.com",
            name="Ana",
            role="analyst",
            password="correct horse battery",
        )
    return db, replace(AnalyticsSettings(), database_url=db.url)


async def cli(settings: AnalyticsSettings, argv: list[str], capsys: Any) -> tuple[int, str]:
    code = await run(build_parser().parse_args(argv), settings)
    return code, capsys.readouterr().out


async def test_report_table(filled: Any, capsys: Any) -> None:
    _, settings = filled
    code, out = await cli(settings, ["report", "--since", "2026-11-01"], capsys)
    assert code == 0
    assert "contained rate" in out and "50.0%  (8)" in out
    assert "repeated_fallback" in out and "customer_turns" in out
    code, out = await cli(settings, ["report", "--since", "2026-11-01", "--json"], capsys)
    assert json.loads(out)["summary"]["escalated"] == 4


async def test_export_masked_and_raw(filled: Any, capsys: Any, tmp_path: Path) -> None:
    _, settings = filled
    code, out = await cli(settings, ["export", "--format", "csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 18
    spoiled = next(r for r in rows if r["session_key"] == "c-spoiled:0")
    assert "[card]" in spoiled["failed_utterances"] and "4111" not in out
    target = tmp_path / "raw.jsonl"
    code, _ = await cli(
        settings,
        ["export", "--format", "jsonl", "--raw", "--as", "boss@example.com", "-o", str(target)],
        capsys,
    )
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(lines) == 18 and "4111" in target.read_text()
    from handoff.errors import Forbidden

    for who in (["--as", "ana@example.com"], ["--as", "nobody@example.com"], []):
        with pytest.raises(Forbidden):
            await cli(settings, ["export", "--raw", *who], capsys)


async def test_nlu_review_yaml(filled: Any, capsys: Any) -> None:
    _, settings = filled
    code, out = await cli(settings, ["export-nlu-review"], capsys)
    assert code == 0
    data = yaml.safe_load(out)
    assert data["version"] == "3.1"
    by_intent = {entry["intent"]: entry["examples"] for entry in data["nlu"]}
    assert "- my parcel is a potato" in by_intent["order_status"]
    assert "can i pay with klarna" in by_intent["payment_methods"]  # low confidence
    assert "[card]" in by_intent["payment_issue"] and "4111" not in out


def test_module_entry_point(tmp_path: Path) -> None:
    env = {**os.environ, "HANDOFF_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}

    def report(since: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "handoff.analytics", "report", "--since", since]
        return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    done = report("7d")
    assert done.returncode == 0, done.stderr
    assert "contained rate" in done.stdout
    done = report("soon")
    assert done.returncode == 2 and "since must look like" in done.stderr
    assert "Traceback" not in done.stderr
