"""Platform webhook deliveries, kept once per channel and delivery id

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 15:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column(
            "platform",
            sa.Enum("shoptet", "woocommerce", "allegro", name="platform", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("received_at", WHEN, nullable=False),
        sa.Column("raw_body", sa.LargeBinary(), nullable=False),
        sa.Column("processed_at", WHEN, nullable=True),
        sa.Column("account_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_webhook_deliveries_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["sales_channels.id"],
            name=op.f("fk_webhook_deliveries_channel_id_sales_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("channel_id", "dedupe_key", name=op.f("uq_webhook_deliveries_channel_id_dedupe_key")),
    )
    op.create_index(op.f("ix_webhook_deliveries_account_id"), "webhook_deliveries", ["account_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_webhook_deliveries_account_id"), table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
