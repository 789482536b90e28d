"""Store and services against real databases: SQLite (temp file) and PostgreSQL
(TEST_POSTGRES_URL; skipped when unreachable unless REQUIRE_SERVICES=1)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from handoff.store import repositories as repo
from handoff.store.db import Database
from handoff.store.migrate import upgrade
from handoff.store.models import Handoff, utcnow
from tests.support.handoff_service import auth
from tests.support.postgres import create_database, drop_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    name = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    else:
        url, name = await create_database()
    database = Database(url)
    await upgrade(database.engine)
    yield database
    await database.close()
    if name:
        await drop_database(name)


async def test_migrations_create_every_table(db: Database) -> None:
    async with db.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {
        "conversations",
        "messages",
        "users",
        "auth_sessions",
        "handoffs",
        "notes",
        "handoff_events",
        "alembic_version",
    } <= tables
    await upgrade(db.engine)  # idempotent


async def _conversation(db: Database, **fields: object) -> str:
    from handoff.gateway.services import create_conversation

    async with db.session() as session:
        conv = await create_conversation(session=session, language="en", customer=None)
        for key, value in fields.items():
            setattr(conv, key, value)
        return conv.id


async def test_concurrent_writers_get_gapless_unique_sequence_numbers(db: Database) -> None:
    cid = await _conversation(db)

    async def write(n: int) -> int:
        async with db.session() as session:
            m = await repo.add_message(
                session, conversation_id=cid, role="customer", text=str(n), client_message_id=str(n)
            )
            return m.seq

    seqs = await asyncio.gather(*(write(n) for n in range(30)))
    assert sorted(seqs) == list(range(1, 31))
    async with db.session() as session:
        messages = await repo.list_messages(session, cid)
        assert [m.seq for m in messages] == list(range(1, 31))
        assert all(m.created_at.tzinfo is not None for m in messages)


async def test_client_message_id_is_unique_per_conversation(db: Database) -> None:
    cid = await _conversation(db)
    other = await _conversation(db)
    async with db.session() as session:
        await repo.add_message(
            session, conversation_id=cid, role="customer", text="a", client_message_id="same"
        )
        await repo.add_message(
            session, conversation_id=other, role="customer", text="a", client_message_id="same"
        )
    with pytest.raises(IntegrityError):
        async with db.session() as session:
            await repo.add_message(
                session, conversation_id=cid, role="customer", text="b", client_message_id="same"
            )
    async with db.session() as session:
        found = await repo.message_by_client_id(session, cid, "same")
        assert found is not None and found.text == "a"


async def test_recent_conversations_by_customer_or_email(db: Database) -> None:
    now = await _conversation(db, customer_id="C1")
    week_ago = await _conversation(db, customer_id="C1")
    old = await _conversation(db, customer_id="C1")
    by_mail = await _conversation(db, email="Minji@Example.com")
    async with db.session() as session:
        from handoff.store.models import Conversation

        (await session.get(Conversation, old)).created_at = utcnow().replace(year=2020)  # type: ignore[union-attr]
    async with db.session() as session:
        since = utcnow().replace(microsecond=0) - __import__("datetime").timedelta(days=7)
        rows = await repo.recent_conversations(
            session, customer_id="C1", email=None, exclude=now, since=since
        )
        assert [r.id for r in rows] == [week_ago]
        rows = await repo.recent_conversations(
            session, customer_id=None, email="minji@example.com", exclude=now, since=since
        )
        assert [r.id for r in rows] == [by_mail]


async def test_handoff_events_and_handling_times(db: Database) -> None:
    cid = await _conversation(db)
    async with db.session() as session:
        h = Handoff(
            conversation_id=cid,
            status="queued",
            reason="customer_request",
            language="en",
            priority=0,
            priority_reasons=[],
            summary="",
            context={"a": [1]},
            requested_at=utcnow(),
        )
        session.add(h)
        await session.flush()
        await repo.add_event(session, h, "requested", data={"reason": "customer_request"})
        h.status, h.claimed_at = "resolved", utcnow()
        h.closed_at = h.claimed_at + __import__("datetime").timedelta(seconds=120)
        await repo.add_event(session, h, "resolved")
    async with db.session() as session:
        events = await repo.list_events(session, h.id)
        assert [e.type for e in events] == ["requested", "resolved"]
        assert events[0].data == {"reason": "customer_request"}
        assert await repo.recent_handling_seconds(session) == [120.0]
        assert await repo.open_handoff(session, cid) is None


async def _nul_and_huge_numbers(service) -> None:  # type: ignore[no-untyped-def]
    conv = await service.conversation()
    cid, token = conv["conversation_id"], conv["token"]
    r = await service.http.post(
        f"/api/conversations/{cid}/messages",
        headers=auth(token),
        json={"client_message_id": "nul", "text": "my order\x00 EF-100001"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["message"]["text"] == "my order EF-100001"
    r = await service.http.post(
        f"/api/conversations/{cid}/messages",
        headers=auth(token),
        json={"client_message_id": "only-nul", "text": "\x00\x00"},
    )
    assert r.status_code == 400 and r.json()["field"] == "text"
    big = "9" * 30
    for query in (f"after={big}", f"limit={big}", "after=-5"):
        r = await service.http.get(
            f"/api/conversations/{cid}/messages?{query}", headers=auth(token)
        )
        assert r.status_code == 400, (query, r.text)
        assert r.json()["code"] == "bad_request"
    r = await service.http.get(f"/api/conversations/{cid}/messages?limit=5000", headers=auth(token))
    assert r.status_code == 200  # capped at 1000, not refused
    agent = await service.user("big@example.com")
    for path in (f"/api/handoffs/{big}", f"/api/handoffs/{big}/events"):
        r = await service.http.get(path, headers=auth(agent["token"]))
        assert r.status_code == 404 and r.json()["code"] == "not_found", (path, r.text)
    r = await service.http.post(f"/api/handoffs/{big}/claim", headers=auth(agent["token"]))
    assert r.status_code == 404
    r = await service.http.post(
        "/api/handoffs/1/transfer", headers=auth(agent["token"]), json={"agent_id": int(big)}
    )
    assert r.status_code == 400 and r.json()["field"] == "agent_id"


async def test_bad_numbers_and_nul_text_are_clear_errors(service_factory) -> None:  # type: ignore[no-untyped-def]
    await _nul_and_huge_numbers(await service_factory())


@pytest.mark.postgres
async def test_bad_numbers_and_nul_text_on_postgres(pg_url: str, service_factory) -> None:  # type: ignore[no-untyped-def]
    await _nul_and_huge_numbers(await service_factory(database_url=pg_url))


async def test_a_database_at_head_is_not_migrated_again(tmp_path: Path) -> None:
    """The service's start skips Alembic (0.5 s of a restart) when the database is at the
    newest script's revision; the head read from the scripts is Alembic's own."""
    from alembic.script import ScriptDirectory

    from handoff.store import migrate

    assert (
        migrate.script_head()
        == ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    )
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'head.db'}")
    try:
        assert await migrate.at_head(db.engine) is False  # a new database
        await migrate.upgrade_if_needed(db.engine)
        assert await migrate.at_head(db.engine) is True
        from sqlalchemy import text

        async with db.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = '0006'"))
        assert await migrate.at_head(db.engine) is False  # one behind: migrated at start
    finally:
        await db.close()
