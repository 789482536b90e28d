"""durable bot turns: messages.bot_status, bot_lease_until, bot_owner, bot_attempts

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 00:30:00
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bot_status", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("bot_lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("bot_owner", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("bot_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(batch_op.f("ix_messages_bot_status"), ["bot_status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_bot_status"))
        batch_op.drop_column("bot_attempts")
        batch_op.drop_column("bot_owner")
        batch_op.drop_column("bot_lease_until")
        batch_op.drop_column("bot_status")
