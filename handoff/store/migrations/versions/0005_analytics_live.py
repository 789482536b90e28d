"""analytics: agents' side columns, closing reason, compute lease, dashboard indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 00:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_INDEXES = {
    "ix_analytics_sessions_outcome_day": ["outcome", "day"],
    "ix_analytics_sessions_agent_day": ["agent_id", "day"],
    "ix_analytics_sessions_team_day": ["team", "day"],
    "ix_analytics_sessions_started": ["started_at"],
}


def upgrade() -> None:
    with op.batch_alter_table("analytics_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_by", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("agent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("first_agent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("team", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("first_response_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("transfers", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("handed_back", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("agent_ces_score", sa.Integer(), nullable=True))
        for name, columns in NEW_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)

    op.create_table(
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
    )
    op.create_index("ix_analytics_daily_metric_day", "analytics_daily", ["metric", "day"])
    op.create_table(
        "analytics_lease",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_stats", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("analytics_lease")
    op.drop_index("ix_analytics_daily_metric_day", table_name="analytics_daily")
    op.drop_table("analytics_daily")
    with op.batch_alter_table("analytics_sessions", schema=None) as batch_op:
        for name in NEW_INDEXES:
            batch_op.drop_index(name)
        for column in (
            "agent_ces_score",
            "handed_back",
            "transfers",
            "first_response_seconds",
            "team",
            "first_agent_id",
            "agent_id",
            "closed_by",
        ):
            batch_op.drop_column(column)
