"""analytics: seconds-valued daily figures as value lists per minute bucket, queue wait per bucket

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from handoff.store.migrations.helpers import create_table, drop_table

revision: str = "0007"
down_revision: str | None = "0006"

INDEXES = {"ix_analytics_daily_values_metric_day": ["metric", "day"]}


def upgrade() -> None:
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
        indexes=INDEXES,
    )
    # The daily figures change shape (seconds move to value lists, queue waits to buckets):
    # emptied here, the next computation rebuilds every day from the log (pipeline.compute).
    op.execute("DELETE FROM analytics_daily")


def downgrade() -> None:
    drop_table("analytics_daily_values", INDEXES)
    op.execute("DELETE FROM analytics_daily")
