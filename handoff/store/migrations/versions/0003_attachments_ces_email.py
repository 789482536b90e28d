"""customer photos (attachments), the service's own CES question, reply e-mail address

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 00:20:00
"""

import sqlalchemy as sa
from alembic import op

from handoff.store.migrations.helpers import Indexes, create_table, drop_table

revision: str = "0003"
down_revision: str | None = "0002"

# Each new table's indexes, in the order they are made.
INDEXES: dict[str, Indexes] = {
    "attachments": {"ix_attachments_conversation_id": ["conversation_id"]},
    "ces_ratings": {
        "ix_ces_ratings_conversation_id": ["conversation_id"],
        "ix_ces_ratings_handoff_id": ["handoff_id"],
    },
}


def upgrade() -> None:
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
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_email", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("reply_email")
    for table in reversed(INDEXES):
        drop_table(table, INDEXES[table])
