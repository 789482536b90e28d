"""A database's schema as plain data, for comparing two databases: every table with its columns
(in order: name, type, nullability, server default), primary key, foreign keys (with ON DELETE),
unique constraints, check constraints and indexes, as the database itself reports them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Connection


def _named(items: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """The given keys of each item, sorted so that the order a database lists them in is moot."""
    rows = [{key: item.get(key) for key in keys} for item in items]
    return sorted(rows, key=repr)


def schema_of(connection: Connection, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The schema of the database behind `connection`, without the tables named in `skip`."""
    inspector = inspect(connection)
    dialect = connection.dialect
    tables: dict[str, Any] = {}
    for table in sorted(set(inspector.get_table_names()) - skip):
        columns = [
            {
                "name": column["name"],
                "type": column["type"].compile(dialect=dialect),
                "nullable": column["nullable"],
                "default": column.get("default"),
            }
            for column in inspector.get_columns(table)
        ]
        foreign_keys = inspector.get_foreign_keys(table)
        for key in foreign_keys:
            key["ondelete"] = (key.get("options") or {}).get("ondelete")
        tables[table] = {
            "columns": columns,
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": _named(
                foreign_keys,
                "name",
                "constrained_columns",
                "referred_table",
                "referred_columns",
                "ondelete",
            ),
            "unique": _named(inspector.get_unique_constraints(table), "name", "column_names"),
            "checks": _named(inspector.get_check_constraints(table), "name", "sqltext"),
            "indexes": _named(inspector.get_indexes(table), "name", "column_names", "unique"),
        }
    return tables
