"""Inbound customer messages, channel widget settings and shipping options, item reasons as data

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 14:40:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

from retino_core.case_types.defaults import default_reason_rows

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def _account_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id"], ["accounts.id"], name=op.f(f"fk_{table}_account_id_accounts"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "case_reasons",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_type_id", ID, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_retired", sa.Boolean(), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        _account_fk("case_reasons"),
        sa.ForeignKeyConstraint(
            ["case_type_id"],
            ["case_types.id"],
            name=op.f("fk_case_reasons_case_type_id_case_types"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_reasons")),
        sa.UniqueConstraint("case_type_id", "code", name=op.f("uq_case_reasons_case_type_id_code")),
    )
    op.create_index(op.f("ix_case_reasons_account_id"), "case_reasons", ["account_id"], unique=False)
    op.create_index(op.f("ix_case_reasons_case_type_id"), "case_reasons", ["case_type_id"], unique=False)

    op.create_table(
        "channel_offered_case_types",
        sa.Column("id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column("case_type_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        _account_fk("channel_offered_case_types"),
        sa.ForeignKeyConstraint(
            ["case_type_id"],
            ["case_types.id"],
            name=op.f("fk_channel_offered_case_types_case_type_id_case_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["sales_channels.id"],
            name=op.f("fk_channel_offered_case_types_channel_id_sales_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_offered_case_types")),
        sa.UniqueConstraint(
            "channel_id", "case_type_id", name=op.f("uq_channel_offered_case_types_channel_id_case_type_id")
        ),
    )
    for column in ("account_id", "case_type_id", "channel_id"):
        op.create_index(
            op.f(f"ix_channel_offered_case_types_{column}"), "channel_offered_case_types", [column], unique=False
        )

    op.create_table(
        "channel_shipping_options",
        sa.Column("id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "own_dropoff", "carrier_branch", "courier_pickup", name="shippingkind", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column(
            "carrier", sa.Enum("ppl", "zasilkovna", "gls", name="carrier", native_enum=False, length=32), nullable=True
        ),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("instructions", sa.JSON(), nullable=False),
        sa.Column("price_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        _account_fk("channel_shipping_options"),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["sales_channels.id"],
            name=op.f("fk_channel_shipping_options_channel_id_sales_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_shipping_options")),
    )
    op.create_index(
        op.f("ix_channel_shipping_options_account_id"), "channel_shipping_options", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_channel_shipping_options_channel_id"), "channel_shipping_options", ["channel_id"], unique=False
    )

    op.create_table(
        "channel_widget_settings",
        sa.Column("id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column(
            "badge_side", sa.Enum("left", "right", name="badgeside", native_enum=False, length=32), nullable=False
        ),
        sa.Column("allow_intake_without_order", sa.Boolean(), nullable=False),
        sa.Column("shop_domains", sa.JSON(), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        _account_fk("channel_widget_settings"),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["sales_channels.id"],
            name=op.f("fk_channel_widget_settings_channel_id_sales_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_widget_settings")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_channel_widget_settings_channel_id")),
    )
    op.create_index(
        op.f("ix_channel_widget_settings_account_id"), "channel_widget_settings", ["account_id"], unique=False
    )

    op.create_table(
        "inbound_messages",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column(
            "source", sa.Enum("email", "portal", name="inboundsource", native_enum=False, length=16), nullable=False
        ),
        sa.Column("from_address", sa.String(length=254), nullable=False),
        sa.Column("from_name", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("in_reply_to_email_id", ID, nullable=True),
        sa.Column("received_at", WHEN, nullable=False),
        sa.Column("read_at", WHEN, nullable=True),
        sa.Column("read_by_id", ID, nullable=True),
        sa.Column("account_id", ID, nullable=False),
        _account_fk("inbound_messages"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_inbound_messages_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["in_reply_to_email_id"],
            ["outbound_emails.id"],
            name=op.f("fk_inbound_messages_in_reply_to_email_id_outbound_emails"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["read_by_id"], ["users.id"], name=op.f("fk_inbound_messages_read_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("account_id", "message_id", name=op.f("uq_inbound_messages_account_id_message_id")),
    )
    op.create_index(
        "ix_inbound_messages_account_case_read", "inbound_messages", ["account_id", "case_id", "read_at"], unique=False
    )
    op.create_index(op.f("ix_inbound_messages_account_id"), "inbound_messages", ["account_id"], unique=False)

    with op.batch_alter_table("case_attachments") as batch_op:
        batch_op.add_column(sa.Column("inbound_message_id", ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_attachments_inbound_message_id_inbound_messages"),
            "inbound_messages",
            ["inbound_message_id"],
            ["id"],
            ondelete="SET NULL",
        )

    # Existing channels get their random public id before the column becomes required.
    with op.batch_alter_table("sales_channels") as batch_op:
        batch_op.add_column(sa.Column("public_id", sa.String(length=32), nullable=True))
    connection = op.get_bind()
    channels = sa.table("sales_channels", sa.column("id", ID), sa.column("public_id", sa.String(32)))
    for (channel_id,) in connection.execute(sa.select(channels.c.id)).all():
        connection.execute(
            channels.update().where(channels.c.id == channel_id).values(public_id=secrets.token_urlsafe(18))
        )
    with op.batch_alter_table("sales_channels") as batch_op:
        batch_op.alter_column("public_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_sales_channels_public_id"), ["public_id"])

    # Existing accounts' default types get the default reasons that new accounts get.
    case_types = sa.table("case_types", sa.column("id", ID), sa.column("account_id", ID), sa.column("code", sa.String))
    reasons = sa.table(
        "case_reasons",
        sa.column("account_id", ID),
        sa.column("case_type_id", ID),
        sa.column("code", sa.String),
        sa.column("names", sa.JSON),
        sa.column("position", sa.Integer),
        sa.column("is_retired", sa.Boolean),
    )
    rows = [
        row
        for type_id, account_id, code in connection.execute(
            sa.select(case_types.c.id, case_types.c.account_id, case_types.c.code)
        ).all()
        for row in default_reason_rows(account_id=account_id, case_type_id=type_id, type_code=code)
    ]
    if rows:
        connection.execute(reasons.insert(), rows)


def downgrade() -> None:
    with op.batch_alter_table("sales_channels") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_sales_channels_public_id"), type_="unique")
        batch_op.drop_column("public_id")
    with op.batch_alter_table("case_attachments") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_case_attachments_inbound_message_id_inbound_messages"), type_="foreignkey"
        )
        batch_op.drop_column("inbound_message_id")
    op.drop_index(op.f("ix_inbound_messages_account_id"), table_name="inbound_messages")
    op.drop_index("ix_inbound_messages_account_case_read", table_name="inbound_messages")
    op.drop_table("inbound_messages")
    op.drop_index(op.f("ix_channel_widget_settings_account_id"), table_name="channel_widget_settings")
    op.drop_table("channel_widget_settings")
    op.drop_index(op.f("ix_channel_shipping_options_channel_id"), table_name="channel_shipping_options")
    op.drop_index(op.f("ix_channel_shipping_options_account_id"), table_name="channel_shipping_options")
    op.drop_table("channel_shipping_options")
    for column in ("channel_id", "case_type_id", "account_id"):
        op.drop_index(op.f(f"ix_channel_offered_case_types_{column}"), table_name="channel_offered_case_types")
    op.drop_table("channel_offered_case_types")
    op.drop_index(op.f("ix_case_reasons_case_type_id"), table_name="case_reasons")
    op.drop_index(op.f("ix_case_reasons_account_id"), table_name="case_reasons")
    op.drop_table("case_reasons")
