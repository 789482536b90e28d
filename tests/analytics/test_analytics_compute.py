"""The containment log computed from stored tracker JSON + a real SQLite handoff store."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from handoff.analytics.analysis import Rules
from handoff.analytics.models import AnalyticsEvent, AnalyticsSession, AnalyticsUtterance
from handoff.analytics.pipeline import compute
from handoff.analytics.sources import StoredTrackerSource
from handoff.store.db import Database
from tests.support.analytics_fixtures import NOW, dump, rows
from tests.support.analytics_scenarios import EXPECTED, build


@pytest.fixture
async def computed(db: Database) -> tuple[Database, dict[str, Any]]:
    trackers = await build(db)
    stats = await compute(db, StoredTrackerSource(trackers), now=NOW, rules=Rules())
    return db, {"trackers": trackers, "stats": stats}


@pytest.mark.parametrize("key", sorted(EXPECTED))
async def test_outcome_rules(computed: tuple[Database, dict[str, Any]], key: str) -> None:
    db, _ = computed
    found = await rows(db)
    assert key in found, sorted(found)
    row = found[key]
    for field, expected in EXPECTED[key].items():
        assert getattr(row, field) == expected, (field, row.explanation)


async def test_one_row_per_session_and_bot_unavailable(computed: tuple[Database, Any]) -> None:
    db, info = computed
    found = await rows(db)
    assert set(EXPECTED) <= set(found)
    no_bot = [r for k, r in found.items() if k.startswith("c-no-bot:h")]
    assert len(no_bot) == 1
    assert no_bot[0].outcome == "escalated"
    assert no_bot[0].handoff_reason == "bot_unavailable"
    assert no_bot[0].customer_turns == 2
    assert no_bot[0].handoff_wait_seconds == 45
    assert len(found) == len(EXPECTED) + 1
    assert info["stats"].conversations == 17


async def test_explanations_say_why(computed: tuple[Database, Any]) -> None:
    db, _ = computed
    found = await rows(db)
    fallback = found["c-fallback:0"].explanation
    assert fallback.startswith("escalated: repeated_fallback after 2 fallbacks on “my parcel")
    assert "handed over after the bot had resolved" in found["c-after-resolution:0"].explanation
    assert "left the queue after 120 s" in found["c-queue-left:0"].explanation
    assert "came back" in found["c-reopen-1:0"].explanation
    assert found["c-greeting:0"].explanation.startswith("excluded: not substantive")
    assert "already_shipped" in found["c-failed:0"].explanation


async def test_effort_timings(computed: tuple[Database, Any]) -> None:
    db, _ = computed
    found = await rows(db)
    contained = found["c-contained:0"]
    assert contained.seconds_to_resolution is not None and 5 <= contained.seconds_to_resolution < 20
    assert contained.seconds_to_handoff is None
    escalated = found["c-fallback:0"]
    assert escalated.seconds_to_handoff is not None and escalated.seconds_to_resolution is None


async def test_idempotent_and_incremental(computed: tuple[Database, Any]) -> None:
    db, info = computed
    before = dump(await rows(db))
    again = await compute(db, StoredTrackerSource(info["trackers"]), now=NOW)
    # only the still-open conversation is looked at again, and nothing changes
    assert again.conversations == 1
    assert again.sessions_written == 0 and again.events_stored == 0
    assert dump(await rows(db)) == before


async def test_raw_events_allow_recompute_without_rasa(computed: tuple[Database, Any]) -> None:
    db, _ = computed
    before = dump(await rows(db))
    async with db.session() as session:
        count = len((await session.scalars(select(AnalyticsEvent))).all())
        for row in await session.scalars(select(AnalyticsSession)):
            await session.delete(row)
        from handoff.analytics.models import AnalyticsConversationState

        for state in await session.scalars(select(AnalyticsConversationState)):
            state.dirty = True
    assert count > 100
    stats = await compute(db, StoredTrackerSource({}), now=NOW)
    assert stats.events_stored == 0
    after = dump(await rows(db))
    strip = ("id", "computed_at")
    assert [{k: v for k, v in r.items() if k not in strip} for r in after] == [
        {k: v for k, v in r.items() if k not in strip} for r in before
    ]


async def test_new_events_only_recompute_that_conversation(
    computed: tuple[Database, Any],
) -> None:
    db, info = computed
    trackers = info["trackers"]
    tracker = trackers["c-info"]
    last = tracker["events"][-1]["timestamp"]
    from tests.support.analytics_rasa_events import Script

    extra = Script(last).fallback("hmm what about this", likely="refund_policy").events
    tracker["events"] = [*tracker["events"], *extra]
    from handoff.analytics.store import mark_dirty

    async with db.session() as session:
        await mark_dirty(session, ["c-info"])
    stats = await compute(db, StoredTrackerSource(trackers), now=NOW)
    assert stats.conversations == 2  # c-info + the open one
    assert stats.events_stored == len(extra)
    found = await rows(db)
    assert found["c-info:0"].outcome == "abandoned"
    assert found["c-info:0"].outcome_reason == "goal_spoiled"


async def test_failed_utterances_stored(computed: tuple[Database, Any]) -> None:
    db, _ = computed
    async with db.session() as session:
        utterances = (await session.scalars(select(AnalyticsUtterance))).all()
    kinds = {(u.session_key, u.kind) for u in utterances}
    assert ("c-fallback:0", "fallback") in kinds
    assert ("c-low-confidence:0", "low_confidence") in kinds
    potato = [u for u in utterances if "potato" in u.text]
    assert potato and all(u.likely_intent == "order_status" for u in potato)


async def test_inactivity_timeout_is_configurable(db: Database) -> None:
    trackers = await build(db)
    await compute(db, StoredTrackerSource(trackers), now=NOW, rules=Rules(inactivity_seconds=60))
    found = await rows(db)
    assert found["c-open:0"].outcome == "abandoned"
