"""What the Alembic revisions in versions/ share: a table's plain (non-unique) indexes, created
and dropped in batch mode (SQLite rebuilds tables in batch mode; elsewhere it is plain DDL)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import sqlalchemy as sa
from alembic import op

Indexes = Mapping[str, Sequence[str]]  # index name -> its columns, in order


def create_indexes(table: str, indexes: Indexes) -> None:
    if not indexes:
        return
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, columns in indexes.items():
            batch_op.create_index(batch_op.f(name), list(columns), unique=False)


def drop_indexes(table: str, names: Iterable[str]) -> None:
    """Drops the named indexes in the reverse of the order given (the order they were made in)."""
    ordered = list(names)
    if not ordered:
        return
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name in reversed(ordered):
            batch_op.drop_index(batch_op.f(name))


def create_table(table: str, *elements: sa.schema.SchemaItem, indexes: Indexes) -> None:
    """Creates a table and its indexes."""
    op.create_table(table, *elements)
    create_indexes(table, indexes)


def drop_table(table: str, indexes: Iterable[str]) -> None:
    """Drops a table made by create_table, its indexes first."""
    drop_indexes(table, indexes)
    op.drop_table(table)
