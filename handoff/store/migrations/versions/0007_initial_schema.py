"""initial schema: the service's tables and the analytics tables

The pre-release revisions 0001-0006 and the old 0007 squashed into one revision that keeps the
head's id, so a database already at 0007 is at head; a database at 0001-0006 is refused with a
clear message (handoff.store.migrate).

Revision ID: 0007
Revises: (none)
Create Date: 2026-12-01 12:00:00.000000
"""

import sqlalchemy as sa

from handoff.store.migrations.helpers import Indexes, create_table, drop_table

revision: str = "0007"
down_revision: str | None = None

# Each table's indexes, in the order the tables are made.
INDEXES: dict[str, Indexes] = {
    "conversations": {
        "ix_conversations_customer_id": ["customer_id"],
        "ix_conversations_email": ["email"],
    },
    "users": {},
    "auth_sessions": {"ix_auth_sessions_user_id": ["user_id"]},
    "handoffs": {
        "ix_handoffs_conversation_id": ["conversation_id"],
        "ix_handoffs_status_requested": ["status", "requested_at"],
    },
    "messages": {
        "ix_messages_conversation_id": ["conversation_id"],
        "ix_messages_bot_status": ["bot_status"],
    },
    "handoff_events": {
        "ix_handoff_events_at": ["at"],
        "ix_handoff_events_conversation_id": ["conversation_id"],
        "ix_handoff_events_handoff_id": ["handoff_id"],
    },
    "notes": {"ix_notes_handoff_id": ["handoff_id"]},
    "attachments": {"ix_attachments_conversation_id": ["conversation_id"]},
    "ces_ratings": {
        "ix_ces_ratings_conversation_id": ["conversation_id"],
        "ix_ces_ratings_handoff_id": ["handoff_id"],
    },
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
        "ix_analytics_sessions_outcome_day": ["outcome", "day"],
        "ix_analytics_sessions_agent_day": ["agent_id", "day"],
        "ix_analytics_sessions_team_day": ["team", "day"],
        "ix_analytics_sessions_started": ["started_at"],
    },
    "analytics_utterances": {
        "ix_analytics_utterances_day_kind": ["day", "kind"],
        "ix_analytics_utterances_session": ["session_key"],
        "ix_analytics_utterances_agent_day": ["agent_id", "day"],
        "ix_analytics_utterances_task_day": ["task", "day"],
    },
    "analytics_daily": {"ix_analytics_daily_metric_day": ["metric", "day"]},
    "analytics_daily_values": {"ix_analytics_daily_values_metric_day": ["metric", "day"]},
    "analytics_utterance_daily": {"ix_analytics_utterance_daily_kind_day": ["kind", "day"]},
    "analytics_lease": {},
}


def upgrade() -> None:
    _conversations_and_agents()
    _conversation_extras()
    _analytics_log()
    _analytics_figures()


def downgrade() -> None:
    for table in reversed(INDEXES):
        drop_table(table, INDEXES[table])


def _conversations_and_agents() -> None:
    """Conversations, their messages and handoffs; agents, their sessions and notes."""
    create_table(
        "conversations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("customer_name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("customer_present", sa.Boolean(), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reply_email", sa.String(length=320), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        indexes=INDEXES["conversations"],
    )
    create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        indexes=INDEXES["users"],
    )
    create_table(
        "auth_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
        indexes=INDEXES["auth_sessions"],
    )
    create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("priority_reasons", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        indexes=INDEXES["handoffs"],
    )
    create_table(
        "messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("client_message_id", sa.String(length=100), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bot_status", sa.String(length=12), nullable=True),
        sa.Column("bot_lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bot_owner", sa.String(length=100), nullable=True),
        sa.Column("bot_attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "client_message_id", name="uq_messages_client_id"),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
        indexes=INDEXES["messages"],
    )
    create_table(
        "handoff_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        indexes=INDEXES["handoff_events"],
    )
    create_table(
        "notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        indexes=INDEXES["notes"],
    )


def _conversation_extras() -> None:
    """Customers' photos, and the CES question the service asks itself."""
    create_table(
        "attachments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=40), nullable=False),
        sa.Column("message_seq", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        indexes=INDEXES["attachments"],
    )
    create_table(
        "ces_ratings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=40), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=True),
        sa.Column("after", sa.String(length=16), nullable=False),
        sa.Column("asked_seq", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        indexes=INDEXES["ces_ratings"],
    )


def _analytics_log() -> None:
    """The analytics log: raw Rasa events, one row per session, failed utterances, bookkeeping."""
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
        sa.Column("closed_by", sa.String(length=24), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("first_agent_id", sa.Integer(), nullable=True),
        sa.Column("team", sa.String(length=16), nullable=True),
        sa.Column("first_response_seconds", sa.Integer(), nullable=True),
        sa.Column("transfers", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("handed_back", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("agent_ces_score", sa.Integer(), nullable=True),
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
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        indexes=INDEXES["analytics_utterances"],
    )


def _analytics_figures() -> None:
    """The dashboard's daily figures, and the lease that lets one instance compute them."""
    create_table(
        "analytics_daily",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("task", sa.String(length=40), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=48), nullable=False),
        sa.Column("k1", sa.String(length=64), nullable=False),
        sa.Column("k2", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=INDEXES["analytics_daily"],
    )
    create_table(
        "analytics_daily_values",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("task", sa.String(length=40), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=48), nullable=False),
        sa.Column("k1", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("vals", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=INDEXES["analytics_daily_values"],
    )
    create_table(
        "analytics_utterance_daily",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text_norm", sa.String(length=200), nullable=False),
        sa.Column("likely_intent", sa.String(length=64), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=INDEXES["analytics_utterance_daily"],
    )
    create_table(
        "analytics_lease",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_stats", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
        indexes=INDEXES["analytics_lease"],
    )
