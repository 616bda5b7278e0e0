"""Refunds and credit notes through the platform, and the order-history notes sent per case

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 05:07:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "platform_order_notes",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=True),
        sa.Column(
            "event",
            sa.Enum("case_opened", "case_closed", name="ordernoteevent", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("status_id", ID, nullable=True),
        sa.Column(
            "state",
            sa.Enum("pending", "sent", "failed", "skipped", name="ordernotestate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.Column("account_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_platform_order_notes_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_platform_order_notes_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["sales_channels.id"],
            name=op.f("fk_platform_order_notes_channel_id_sales_channels"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["case_statuses.id"],
            name=op.f("fk_platform_order_notes_status_id_case_statuses"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_order_notes")),
        sa.UniqueConstraint("case_id", "event", name=op.f("uq_platform_order_notes_case_id_event")),
    )
    with op.batch_alter_table("platform_order_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platform_order_notes_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_platform_order_notes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "platform_refunds",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=True),
        sa.Column("order_id", ID, nullable=True),
        sa.Column(
            "kind", sa.Enum("refund", "credit_note", name="refundkind", native_enum=False, length=32), nullable=False
        ),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "state",
            sa.Enum("pending", "succeeded", "failed", name="refundstate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "failure",
            sa.Enum(
                "refused",
                "auth_expired",
                "forbidden",
                "order_not_found",
                "invalid",
                "unavailable",
                "unsupported",
                name="refundfailure",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("requested_by_id", ID, nullable=True),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("account_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_platform_refunds_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_platform_refunds_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["sales_channels.id"],
            name=op.f("fk_platform_refunds_channel_id_sales_channels"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_platform_refunds_order_id_orders"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_platform_refunds_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_refunds")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_platform_refunds_idempotency_key")),
    )
    with op.batch_alter_table("platform_refunds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platform_refunds_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_platform_refunds_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_platform_refunds_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index("ix_platform_refunds_order_state", ["order_id", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("platform_refunds", schema=None) as batch_op:
        batch_op.drop_index("ix_platform_refunds_order_state")
        batch_op.drop_index(batch_op.f("ix_platform_refunds_channel_id"))
        batch_op.drop_index(batch_op.f("ix_platform_refunds_case_id"))
        batch_op.drop_index(batch_op.f("ix_platform_refunds_account_id"))

    op.drop_table("platform_refunds")
    with op.batch_alter_table("platform_order_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_order_notes_case_id"))
        batch_op.drop_index(batch_op.f("ix_platform_order_notes_account_id"))

    op.drop_table("platform_order_notes")
