"""analytics: the agent on each failed utterance, daily fallback-utterance counts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 03:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

from handoff.store.migrations.helpers import create_indexes, create_table, drop_indexes, drop_table

revision: str = "0006"
down_revision: str | None = "0005"

UTTERANCE_INDEXES = {
    "ix_analytics_utterances_agent_day": ["agent_id", "day"],
    "ix_analytics_utterances_task_day": ["task", "day"],
}
DAILY_INDEXES = {"ix_analytics_utterance_daily_kind_day": ["kind", "day"]}


def upgrade() -> None:
    with op.batch_alter_table("analytics_utterances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agent_id", sa.Integer(), nullable=True))
    create_indexes("analytics_utterances", UTTERANCE_INDEXES)
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
        indexes=DAILY_INDEXES,
    )
    # Existing logs: the agent of each utterance's session, and the daily counts.
    op.execute(
        "UPDATE analytics_utterances SET agent_id = (SELECT s.agent_id FROM analytics_sessions s "
        "WHERE s.session_key = analytics_utterances.session_key)"
    )
    op.execute(
        "INSERT INTO analytics_utterance_daily (day, language, kind, text_norm, likely_intent, n) "
        "SELECT day, language, kind, text_norm, max(likely_intent), count(*) "
        "FROM analytics_utterances GROUP BY day, language, kind, text_norm"
    )


def downgrade() -> None:
    drop_table("analytics_utterance_daily", DAILY_INDEXES)
    drop_indexes("analytics_utterances", UTTERANCE_INDEXES)
    with op.batch_alter_table("analytics_utterances", schema=None) as batch_op:
        batch_op.drop_column("agent_id")
