"""Infix search from three characters, indexed on both databases.

PostgreSQL: a pg_trgm GIN index on ``search_text`` serves ``LIKE '%…%'`` directly.
SQLite: an external-content FTS5 table with the trigram tokenizer mirrors ``search_text`` through
triggers, and the query becomes ``id IN (SELECT rowid FROM <table>_fts WHERE … MATCH '"…"')``.
``search_text`` is already folded (lower-case, no diacritics), so both match "novak" to "Novák".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DDL, ColumnElement, Table, bindparam, event, literal_column, select, text

from retino_core.text import fold

MINIMUM_SEARCH_LENGTH = 3

#: Tables whose ``search_text`` gets an FTS5 mirror on SQLite.
SEARCHABLE_TABLES = ("cases", "orders")


def fts_table_name(table_name: str) -> str:
    return f"{table_name}_fts"


def sqlite_fts_statements(table_name: str) -> list[str]:
    """DDL creating the FTS5 mirror of ``table_name.search_text`` and the triggers that keep it in step."""
    if table_name not in SEARCHABLE_TABLES:
        raise ValueError(f"{table_name} has no search mirror")
    fts = fts_table_name(table_name)
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content='{table_name}', content_rowid='id', "
        "tokenize='trigram')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table_name} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table_name} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF search_text ON {table_name} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def sqlite_fts_drop_statements(table_name: str) -> list[str]:
    fts = fts_table_name(table_name)
    return [f"DROP TRIGGER IF EXISTS {fts}_{kind}" for kind in ("insert", "delete", "update")] + [
        f"DROP TABLE IF EXISTS {fts}"
    ]


def attach_sqlite_fts(searchable: Table) -> None:
    """Create the FTS5 mirror whenever ``metadata.create_all`` creates the table on SQLite."""
    for statement in sqlite_fts_statements(searchable.name):
        event.listen(searchable, "after_create", DDL(statement).execute_if(dialect="sqlite"))


def is_fts_object(name: str) -> bool:
    """Whether a reflected table belongs to an FTS5 mirror (not part of the models)."""
    return any(name.startswith(fts_table_name(table_name)) for table_name in SEARCHABLE_TABLES)


def normalised_needle(text: str) -> str:
    return fold(text.strip())


def infix_match(dialect: str, searchable: Table, needle: str) -> ColumnElement[bool]:
    """A WHERE clause: rows of ``searchable`` whose ``search_text`` contains ``needle`` (already folded).

    ``dialect`` is the session's database name ("postgresql" or "sqlite").
    """
    if dialect != "sqlite":
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return searchable.c.search_text.like(f"%{escaped}%", escape="\\")
    fts = fts_table_name(searchable.name)
    phrase = bindparam("fts_phrase", '"' + needle.replace('"', '""') + '"', unique=True)
    matching = select(literal_column("rowid")).select_from(text(fts)).where(literal_column(fts).op("MATCH")(phrase))
    return searchable.c.id.in_(matching)


def without_index(column: Any) -> ColumnElement[Any]:
    """``+table.column``: the same value, but SQLite's planner may not use an index for it."""
    return literal_column(f"+{column.table.name}.{column.name}", type_=column.type)
