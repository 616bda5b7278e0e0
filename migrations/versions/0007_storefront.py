"""Storefront: case drafts, shipping choices, withdrawal statements, ratings and certificate snapshots

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "certificate_snapshots",
        sa.Column("id", ID, nullable=False),
        sa.Column("computed_at", WHEN, nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.Column("period_start", WHEN, nullable=False),
        sa.Column("period_end", WHEN, nullable=False),
        sa.Column("ratings_count", sa.Integer(), nullable=False),
        sa.Column("satisfied_count", sa.Integer(), nullable=False),
        sa.Column("share", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column(
            "state",
            sa.Enum("earned", "suspended", "not_earned", name="certificatestate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("account_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_certificate_snapshots_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_snapshots")),
        sa.UniqueConstraint("account_id", "computed_on", name=op.f("uq_certificate_snapshots_account_id_computed_on")),
    )
    with op.batch_alter_table("certificate_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_snapshots_account_id"), ["account_id"], unique=False)

    op.create_table(
        "case_drafts",
        sa.Column("id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column("case_type_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=True),
        sa.Column("customer_email", sa.String(length=254), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column(
            "origin",
            sa.Enum(
                "storefront", "direct_link", "agent", "api", "platform", name="caseorigin", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("consumed_at", WHEN, nullable=True),
        sa.Column("case_id", ID, nullable=True),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_case_drafts_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_drafts_case_id_cases"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["case_type_id"], ["case_types.id"], name=op.f("fk_case_drafts_case_type_id_case_types"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["sales_channels.id"],
            name=op.f("fk_case_drafts_channel_id_sales_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_case_drafts_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_drafts")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_case_drafts_token_hash")),
    )
    with op.batch_alter_table("case_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_drafts_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_drafts_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_drafts_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_drafts_order_id"), ["order_id"], unique=False)

    op.create_table(
        "case_shipping_choices",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("option_id", ID, nullable=True),
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
        sa.Column("branch_id", sa.String(length=64), nullable=False),
        sa.Column("branch_name", sa.String(length=200), nullable=False),
        sa.Column("pickup_address", sa.JSON(), nullable=False),
        sa.Column("option_name", sa.String(length=200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("price_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_case_shipping_choices_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_shipping_choices_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["channel_shipping_options.id"],
            name=op.f("fk_case_shipping_choices_option_id_channel_shipping_options"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_shipping_choices")),
        sa.UniqueConstraint("case_id", name=op.f("uq_case_shipping_choices_case_id")),
    )
    with op.batch_alter_table("case_shipping_choices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_shipping_choices_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_shipping_choices_option_id"), ["option_id"], unique=False)

    op.create_table(
        "ratings",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_ratings_score_range")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_ratings_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_ratings_case_id_cases"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("case_id", name=op.f("uq_ratings_case_id")),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ratings_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_ratings_account_id_created_at", ["account_id", "created_at"], unique=False)

    op.create_table(
        "withdrawal_statements",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("submitted_at", WHEN, nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("statement_text", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("submission_key", sa.String(length=64), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.CheckConstraint("length(text_sha256) = 64", name=op.f("ck_withdrawal_statements_sha256_length")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_withdrawal_statements_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_withdrawal_statements_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawal_statements")),
        sa.UniqueConstraint(
            "account_id", "submission_key", name=op.f("uq_withdrawal_statements_account_id_submission_key")
        ),
        sa.UniqueConstraint("case_id", name=op.f("uq_withdrawal_statements_case_id")),
    )
    with op.batch_alter_table("withdrawal_statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_withdrawal_statements_account_id"), ["account_id"], unique=False)

    op.create_table(
        "case_draft_photos",
        sa.Column("id", ID, nullable=False),
        sa.Column("draft_id", ID, nullable=False),
        sa.Column("item_key", sa.String(length=24), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_case_draft_photos_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["case_drafts.id"], name=op.f("fk_case_draft_photos_draft_id_case_drafts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_draft_photos")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_case_draft_photos_storage_key")),
    )
    with op.batch_alter_table("case_draft_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_draft_photos_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_draft_photos_draft_id"), ["draft_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # A stored withdrawal statement is evidence: its hash must match its text and no UPDATE may touch it.
        op.create_check_constraint(
            op.f("ck_withdrawal_statements_sha256_matches_text"),
            "withdrawal_statements",
            "text_sha256 = encode(sha256(convert_to(statement_text, 'UTF8')), 'hex')",
        )
        op.execute(
            "CREATE OR REPLACE FUNCTION withdrawal_statements_refuse_update() RETURNS trigger LANGUAGE plpgsql AS "
            "'BEGIN RAISE EXCEPTION ''withdrawal statements are immutable''; END'"
        )
        op.execute(
            "CREATE TRIGGER withdrawal_statements_no_update BEFORE UPDATE ON withdrawal_statements "
            "FOR EACH ROW EXECUTE FUNCTION withdrawal_statements_refuse_update()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS withdrawal_statements_no_update ON withdrawal_statements")
        op.execute("DROP FUNCTION IF EXISTS withdrawal_statements_refuse_update()")
    with op.batch_alter_table("case_draft_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_draft_photos_draft_id"))
        batch_op.drop_index(batch_op.f("ix_case_draft_photos_account_id"))

    op.drop_table("case_draft_photos")
    with op.batch_alter_table("withdrawal_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_withdrawal_statements_account_id"))

    op.drop_table("withdrawal_statements")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_ratings_account_id_created_at")
        batch_op.drop_index(batch_op.f("ix_ratings_account_id"))

    op.drop_table("ratings")
    with op.batch_alter_table("case_shipping_choices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_shipping_choices_option_id"))
        batch_op.drop_index(batch_op.f("ix_case_shipping_choices_account_id"))

    op.drop_table("case_shipping_choices")
    with op.batch_alter_table("case_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_drafts_order_id"))
        batch_op.drop_index(batch_op.f("ix_case_drafts_expires_at"))
        batch_op.drop_index(batch_op.f("ix_case_drafts_channel_id"))
        batch_op.drop_index(batch_op.f("ix_case_drafts_account_id"))

    op.drop_table("case_drafts")
    with op.batch_alter_table("certificate_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_snapshots_account_id"))

    op.drop_table("certificate_snapshots")
