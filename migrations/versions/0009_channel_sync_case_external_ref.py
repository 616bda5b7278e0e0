"""Channel sync state (cursors, last error, buyer messages), the case's platform reference, buyer-messaged orders

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("sales_channels") as batch_op:
        batch_op.add_column(sa.Column("sync_cursor", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("returns_cursor", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("last_error_at", WHEN, nullable=True))
        batch_op.add_column(sa.Column("message_buyers", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("sales_channels") as batch_op:
        batch_op.alter_column("sync_cursor", server_default=None, existing_type=sa.String(length=200))
        batch_op.alter_column("returns_cursor", server_default=None, existing_type=sa.String(length=200))
        batch_op.alter_column("message_buyers", server_default=None, existing_type=sa.Boolean())
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("buyer_messaged_at", WHEN, nullable=True))
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("external_ref", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_cases_channel_id_external_ref"), ["channel_id", "external_ref"]
        )


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_cases_channel_id_external_ref"), type_="unique")
        batch_op.drop_column("external_ref")
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_column("buyer_messaged_at")
    with op.batch_alter_table("sales_channels") as batch_op:
        batch_op.drop_column("message_buyers")
        batch_op.drop_column("last_error_at")
        batch_op.drop_column("returns_cursor")
        batch_op.drop_column("sync_cursor")
