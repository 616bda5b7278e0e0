"""SQLite: FTS5 trigram mirrors of cases and orders for infix search (PostgreSQL uses pg_trgm, see 0002)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:20:00
"""

from __future__ import annotations

from alembic import op

from retino_core.search import SEARCHABLE_TABLES, sqlite_fts_drop_statements, sqlite_fts_statements

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table_name in SEARCHABLE_TABLES:
        for statement in sqlite_fts_statements(table_name):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table_name in SEARCHABLE_TABLES:
        for statement in sqlite_fts_drop_statements(table_name):
            op.execute(statement)
