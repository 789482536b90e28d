"""analytics tables: raw Rasa events, containment log, failed utterances, state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 17:40:33.709748
"""

import sqlalchemy as sa

from handoff.store.migrations.helpers import Indexes, create_table, drop_table

revision: str = "0002"
down_revision: str | None = "0001"

# Each table's indexes, in the order they are made.
INDEXES: dict[str, Indexes] = {
    "analytics_conversation_state": {
        "ix_analytics_conversation_state_dirty": ["dirty"],
        "ix_analytics_conversation_state_has_open": ["has_open"],
    },
    "analytics_events": {"ix_analytics_events_conversation_ts": ["conversation_id", "timestamp"]},
    "analytics_sessions": {
        "ix_analytics_sessions_conversation_id": ["conversation_id"],
        "ix_analytics_sessions_customer_started": ["customer_key", "started_at"],
        "ix_analytics_sessions_day_outcome": ["day", "outcome"],
        "ix_analytics_sessions_language_day": ["language", "day"],
        "ix_analytics_sessions_task_day": ["task", "day"],
    },
    "analytics_utterances": {
        "ix_analytics_utterances_day_kind": ["day", "kind"],
        "ix_analytics_utterances_session": ["session_key"],
    },
}


def upgrade() -> None:
    create_table(
        "analytics_conversation_state",
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("has_open", sa.Boolean(), nullable=False),
        sa.Column("seen_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seen_events", sa.Integer(), nullable=False),
        sa.Column("seen_handoff_event_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("conversation_id"),
        indexes=INDEXES["analytics_conversation_state"],
    )
    create_table(
        "analytics_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("event_key", sa.String(length=40), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("timestamp", sa.Float(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "event_key", name="uq_analytics_events_key"),
        indexes=INDEXES["analytics_events"],
    )
    create_table(
        "analytics_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_key", sa.String(length=80), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("session_index", sa.Integer(), nullable=False),
        sa.Column("customer_key", sa.String(length=400), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("substantive", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("base_outcome", sa.String(length=16), nullable=False),
        sa.Column("outcome_reason", sa.String(length=40), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("handoff_reason", sa.String(length=32), nullable=True),
        sa.Column("task", sa.String(length=40), nullable=True),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("order_numbers", sa.JSON(), nullable=False),
        sa.Column("tasks_attempted", sa.Integer(), nullable=False),
        sa.Column("tasks_succeeded", sa.Integer(), nullable=False),
        sa.Column("tasks_failed", sa.Integer(), nullable=False),
        sa.Column("failure_codes", sa.JSON(), nullable=False),
        sa.Column("customer_turns", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.Column("rephrasings", sa.Integer(), nullable=False),
        sa.Column("asked_twice", sa.Integer(), nullable=False),
        sa.Column("seconds_to_resolution", sa.Integer(), nullable=True),
        sa.Column("seconds_to_handoff", sa.Integer(), nullable=True),
        sa.Column("handoff_wait_seconds", sa.Integer(), nullable=True),
        sa.Column("handoff_handling_seconds", sa.Integer(), nullable=True),
        sa.Column("abandoned_in_queue", sa.Boolean(), nullable=False),
        sa.Column("ces_score", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("signed_in", sa.Boolean(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("reopened", sa.Boolean(), nullable=False),
        sa.Column("repeat_contact", sa.Boolean(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_key"),
        indexes=INDEXES["analytics_sessions"],
    )
    create_table(
        "analytics_utterances",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_key", sa.String(length=80), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("task", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_norm", sa.String(length=200), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("likely_intent", sa.String(length=64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=INDEXES["analytics_utterances"],
    )


def downgrade() -> None:
    for table in reversed(INDEXES):
        drop_table(table, INDEXES[table])
