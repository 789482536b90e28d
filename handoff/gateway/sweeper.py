"""The bot-turn sweeper: every instance re-drives turns nobody is driving (pending for a while,
or running with an expired lease: their driver died). See handoff.gateway.turns."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import and_, or_, select

from handoff.gateway.turns import PENDING, RUNNING, drive
from handoff.hub import Hub
from handoff.store.models import Message, utcnow

log = logging.getLogger(__name__)


async def abandoned_turns(hub: Hub, *, limit: int = 200) -> list[tuple[int, str]]:
    """Turns nobody is driving: pending for a while, or running with an expired lease."""
    now = utcnow()
    grace = timedelta(seconds=hub.settings.still_checking_seconds + 1.0)
    async with hub.db.session() as session:
        rows = (
            await session.execute(
                select(Message.id, Message.conversation_id)
                .where(
                    or_(
                        and_(Message.bot_status == PENDING, Message.created_at < now - grace),
                        and_(Message.bot_status == RUNNING, Message.bot_lease_until < now),
                    )
                )
                .order_by(Message.conversation_id, Message.seq)
                .limit(limit)
            )
        ).all()
    return [(int(mid), str(cid)) for mid, cid in rows]


async def sweep_once(hub: Hub) -> int:
    """Start a re-drive for every conversation with abandoned turns; how many were found."""
    turns = await abandoned_turns(hub)
    by_conversation: dict[str, list[int]] = {}
    for message_id, conversation_id in turns:
        by_conversation.setdefault(conversation_id, []).append(message_id)
    for conversation_id, ids in by_conversation.items():
        if conversation_id in hub.redriving:
            continue
        hub.redriving.add(conversation_id)
        hub.spawn(_redrive(hub, conversation_id, ids), name=f"redrive-{conversation_id}")
    return len(turns)


async def _redrive(hub: Hub, conversation_id: str, message_ids: list[int]) -> None:
    try:
        for message_id in message_ids:
            log.info(
                "re-driving a bot turn",
                extra={"conversation_id": conversation_id, "message_id": message_id},
            )
            await drive(hub, conversation_id=conversation_id, message_id=message_id)
    except Exception:
        log.exception("re-driving a bot turn failed", extra={"conversation_id": conversation_id})
    finally:
        hub.redriving.discard(conversation_id)


async def run_sweeper(hub: Hub) -> None:
    """Forever: re-drive abandoned turns (at start, then every `turn_sweep_seconds`). The
    service has released its own leases before it serves (`turns.release_own_leases`)."""
    while True:
        try:
            await sweep_once(hub)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("bot turn sweep failed")
        await asyncio.sleep(hub.settings.turn_sweep_seconds)
