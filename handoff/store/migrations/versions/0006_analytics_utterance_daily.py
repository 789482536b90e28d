"""analytics: the agent on each failed utterance, daily fallback-utterance counts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTTERANCE_INDEXES = {
    "ix_analytics_utterances_agent_day": ["agent_id", "day"],
    "ix_analytics_utterances_task_day": ["task", "day"],
}


def upgrade() -> None:
    with op.batch_alter_table("analytics_utterances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agent_id", sa.Integer(), nullable=True))
        for name, columns in UTTERANCE_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    op.create_table(
        "analytics_utterance_daily",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text_norm", sa.String(length=200), nullable=False),
        sa.Column("likely_intent", sa.String(length=64), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_analytics_utterance_daily_kind_day",
        "analytics_utterance_daily",
        ["kind", "day"],
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
    op.drop_index("ix_analytics_utterance_daily_kind_day", table_name="analytics_utterance_daily")
    op.drop_table("analytics_utterance_daily")
    with op.batch_alter_table("analytics_utterances", schema=None) as batch_op:
        for name in UTTERANCE_INDEXES:
            batch_op.drop_index(name)
        batch_op.drop_column("agent_id")
