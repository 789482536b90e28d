"""Analytics tables: raw Rasa events, one containment-log row per session, failed utterances,
and the per-conversation bookkeeping that makes the computation incremental.
Created by the Alembic migrations (handoff/store/migrations)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from handoff.store.models import Base, UTCDateTime, utcnow


class AnalyticsEvent(Base):
    """A Rasa tracker event exactly as consumed (HTTP API or event broker)."""

    __tablename__ = "analytics_events"
    __table_args__ = (
        UniqueConstraint("conversation_id", "event_key", name="uq_analytics_events_key"),
        Index("ix_analytics_events_conversation_ts", "conversation_id", "timestamp"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    event_key: Mapped[str] = mapped_column(String(40))
    event: Mapped[str] = mapped_column(String(40))
    timestamp: Mapped[float] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnalyticsConversationState(Base):
    """What the last computation saw for a conversation (drives incremental runs)."""

    __tablename__ = "analytics_conversation_state"

    conversation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    dirty: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    has_open: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    seen_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seen_events: Mapped[int] = mapped_column(Integer, default=0)
    seen_handoff_event_id: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AnalyticsSession(Base):
    """The containment log: one row per Rasa conversation session."""

    __tablename__ = "analytics_sessions"
    __table_args__ = (
        Index("ix_analytics_sessions_day_outcome", "day", "outcome"),
        Index("ix_analytics_sessions_language_day", "language", "day"),
        Index("ix_analytics_sessions_task_day", "task", "day"),
        Index("ix_analytics_sessions_customer_started", "customer_key", "started_at"),
        Index("ix_analytics_sessions_outcome_day", "outcome", "day"),
        Index("ix_analytics_sessions_agent_day", "agent_id", "day"),
        Index("ix_analytics_sessions_team_day", "team", "day"),
        Index("ix_analytics_sessions_started", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_key: Mapped[str] = mapped_column(String(80), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    session_index: Mapped[int] = mapped_column(Integer)
    customer_key: Mapped[str] = mapped_column(String(400))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    day: Mapped[str] = mapped_column(String(10))
    closed: Mapped[bool] = mapped_column(Boolean)
    substantive: Mapped[bool] = mapped_column(Boolean)
    # contained | escalated | abandoned | open (not closed yet) | excluded (not substantive)
    outcome: Mapped[str] = mapped_column(String(16))
    base_outcome: Mapped[str] = mapped_column(String(16))
    outcome_reason: Mapped[str | None] = mapped_column(String(40))
    explanation: Mapped[str] = mapped_column(Text)
    handoff_reason: Mapped[str | None] = mapped_column(String(32))
    task: Mapped[str | None] = mapped_column(String(40))
    topic: Mapped[str | None] = mapped_column(String(64))
    order_numbers: Mapped[list[Any]] = mapped_column(JSON)
    tasks_attempted: Mapped[int] = mapped_column(Integer)
    tasks_succeeded: Mapped[int] = mapped_column(Integer)
    tasks_failed: Mapped[int] = mapped_column(Integer)
    failure_codes: Mapped[list[Any]] = mapped_column(JSON)
    customer_turns: Mapped[int] = mapped_column(Integer)
    fallbacks: Mapped[int] = mapped_column(Integer)
    rephrasings: Mapped[int] = mapped_column(Integer)
    asked_twice: Mapped[int] = mapped_column(Integer)
    seconds_to_resolution: Mapped[int | None] = mapped_column(Integer)
    seconds_to_handoff: Mapped[int | None] = mapped_column(Integer)
    handoff_wait_seconds: Mapped[int | None] = mapped_column(Integer)
    handoff_handling_seconds: Mapped[int | None] = mapped_column(Integer)
    abandoned_in_queue: Mapped[bool] = mapped_column(Boolean)
    ces_score: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(20))
    signed_in: Mapped[bool] = mapped_column(Boolean)
    verified: Mapped[bool] = mapped_column(Boolean)
    reopened: Mapped[bool] = mapped_column(Boolean, default=False)
    repeat_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    # goodbye | rated | left | resolved | handed_back | queue_left | next_session | inactivity |
    # conversation_closed (what closed the session; None while open)
    closed_by: Mapped[str | None] = mapped_column(String(24))
    # the agents' side (escalated sessions with a handoff; the team is the handoff's
    # language queue, the skill group agents are routed by)
    agent_id: Mapped[int | None] = mapped_column(Integer)  # the agent who closed the handoff
    first_agent_id: Mapped[int | None] = mapped_column(Integer)  # the agent who claimed it
    team: Mapped[str | None] = mapped_column(String(16))
    first_response_seconds: Mapped[int | None] = mapped_column(Integer)
    transfers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    handed_back: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    agent_ces_score: Mapped[int | None] = mapped_column(Integer)  # CES given after a human
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class _UtteranceKeys:
    """What a failed utterance is counted by: day, language, kind and normalised text (with the
    intent it most likely meant)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))  # fallback | low_confidence
    text_norm: Mapped[str] = mapped_column(String(200))
    likely_intent: Mapped[str | None] = mapped_column(String(64))


class AnalyticsUtterance(_UtteranceKeys, Base):
    """A customer message the bot did not understand (fallback) or barely did (low confidence)."""

    __tablename__ = "analytics_utterances"
    __table_args__ = (
        Index("ix_analytics_utterances_day_kind", "day", "kind"),
        Index("ix_analytics_utterances_session", "session_key"),
        Index("ix_analytics_utterances_agent_day", "agent_id", "day"),
        Index("ix_analytics_utterances_task_day", "task", "day"),
    )

    session_key: Mapped[str] = mapped_column(String(80))
    conversation_id: Mapped[str] = mapped_column(String(64))
    task: Mapped[str | None] = mapped_column(String(40))
    agent_id: Mapped[int | None] = mapped_column(Integer)  # the session's agent (agent filter)
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AnalyticsLease(Base):
    """One row per background job: who may run it until when (several service instances share
    one database; the holder renews the lease, the others skip), and when it last finished."""

    __tablename__ = "analytics_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(80))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_stats: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class _DailyKeys:
    """The keys of a pre-aggregated daily row: day, language, task, agent, figure, key k1."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(8))
    task: Mapped[str] = mapped_column(String(40))  # '' = none
    agent_id: Mapped[int] = mapped_column(Integer)  # 0 = none
    metric: Mapped[str] = mapped_column(String(48))
    k1: Mapped[str] = mapped_column(String(64))  # '' = none


class AnalyticsDaily(_DailyKeys, Base):
    """Pre-aggregated dashboard figures: n sessions (and a sum) per day, language, task, agent,
    figure (`metric`) and up to two keys (`k1` text, `k2` number). See analytics/daily.py."""

    __tablename__ = "analytics_daily"
    __table_args__ = (Index("ix_analytics_daily_metric_day", "metric", "day"),)

    k2: Mapped[int] = mapped_column(Integer)  # -1 = none
    n: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)


class AnalyticsDailyValues(_DailyKeys, Base):
    """The values of the seconds-valued figures (wait, first response, handling, time to
    resolution / handoff) per day, language, task, agent, figure, key `k1` and `bucket` (the
    seconds below a minute, else the minute's first second), as one list per row (`vals`, `n`
    of them): exact seconds do not aggregate into histogram rows (almost one per session). A
    median reads the counts per bucket, then the values of the one or two buckets holding the
    middle: exact over any filter. See analytics/daily.py and query_common.exact_medians."""

    __tablename__ = "analytics_daily_values"
    __table_args__ = (Index("ix_analytics_daily_values_metric_day", "metric", "day"),)

    bucket: Mapped[int] = mapped_column(Integer)  # s if s < 60 else s // 60 * 60
    n: Mapped[int] = mapped_column(Integer)
    vals: Mapped[list[int]] = mapped_column(JSON)


class AnalyticsUtteranceDaily(_UtteranceKeys, Base):
    """Failed utterances counted per day, language, kind and normalised text: the dashboard's
    "fallback utterances" without a task or agent filter (those read the utterances through
    their indexes). Rebuilt with the daily figures (analytics/daily.py)."""

    __tablename__ = "analytics_utterance_daily"
    __table_args__ = (Index("ix_analytics_utterance_daily_kind_day", "kind", "day"),)

    n: Mapped[int] = mapped_column(Integer)
