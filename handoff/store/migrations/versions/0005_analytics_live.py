"""analytics: agents' side columns, closing reason, compute lease, dashboard indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 00:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

from handoff.store.migrations.helpers import create_indexes, create_table, drop_indexes, drop_table

revision: str = "0005"
down_revision: str | None = "0004"

NEW_INDEXES = {
    "ix_analytics_sessions_outcome_day": ["outcome", "day"],
    "ix_analytics_sessions_agent_day": ["agent_id", "day"],
    "ix_analytics_sessions_team_day": ["team", "day"],
    "ix_analytics_sessions_started": ["started_at"],
}
DAILY_INDEXES = {"ix_analytics_daily_metric_day": ["metric", "day"]}


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
    create_indexes("analytics_sessions", NEW_INDEXES)
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
        indexes=DAILY_INDEXES,
    )
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
    drop_table("analytics_daily", DAILY_INDEXES)
    drop_indexes("analytics_sessions", NEW_INDEXES)
    with op.batch_alter_table("analytics_sessions", schema=None) as batch_op:
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
