"""Sign-in lockout, session tokens and trigram search indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:06:01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TRIGRAM_INDEXES = (("ix_cases_search_trgm", "cases"), ("ix_orders_search_trgm", "orders"))


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("failed_login_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
    # Every existing user gets a random token of their own (signing them out once, which is intended).
    random_token = "md5(random()::text || id::text)" if _is_postgresql() else "lower(hex(randomblob(24)))"
    op.execute(f"UPDATE users SET session_token = {random_token}")  # noqa: S608 - constant SQL
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("failed_login_count", existing_type=sa.Integer(), server_default=None)
    if _is_postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table in TRIGRAM_INDEXES:
            op.create_index(
                name,
                table,
                ["search_text"],
                unique=False,
                postgresql_using="gin",
                postgresql_ops={"search_text": "gin_trgm_ops"},
            )


def downgrade() -> None:
    if _is_postgresql():
        for name, table in TRIGRAM_INDEXES:
            op.drop_index(name, table_name=table)
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("session_token")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_login_count")
