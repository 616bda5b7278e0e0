"""Foundation schema: accounts, orders, case types, cases, deadlines, custom fields, outbox, e-mail

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:41:16.143188
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

INITIAL_STATUS_FK = "fk_case_types_initial_status_id_case_statuses"


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _initial_status_key_for_sqlite() -> list[sa.ForeignKeyConstraint]:
    if not _is_sqlite():
        return []
    return [
        sa.ForeignKeyConstraint(
            ["initial_status_id"], ["case_statuses.id"], name=INITIAL_STATUS_FK, ondelete="SET NULL"
        )
    ]


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("default_language", sa.String(length=5), nullable=False),
        sa.Column("default_currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "deactivated", name="accountstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("reasonable_period_days", sa.Integer(), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("slug", name=op.f("uq_accounts_slug")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "account_brandings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("shop_name", sa.String(length=200), nullable=False),
        sa.Column("logo_key", sa.String(length=200), nullable=True),
        sa.Column("sender_name", sa.String(length=200), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_account_brandings_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_brandings")),
        sa.UniqueConstraint("account_id", "language", name=op.f("uq_account_brandings_account_id_language")),
    )
    op.create_index(op.f("ix_account_brandings_account_id"), "account_brandings", ["account_id"], unique=False)
    op.create_table(
        "case_number_sequences",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("prefix", sa.String(length=10), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_case_number_sequences_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_number_sequences")),
        sa.UniqueConstraint("account_id", "prefix", name=op.f("uq_case_number_sequences_account_id_prefix")),
    )
    op.create_index(op.f("ix_case_number_sequences_account_id"), "case_number_sequences", ["account_id"], unique=False)
    op.create_table(
        "case_types",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "return", "complaint", "warranty", "withdrawal", "custom", name="casekind", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.Column("number_prefix", sa.String(length=10), nullable=False),
        sa.Column("initial_status_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("policy_window_days", sa.Integer(), nullable=True),
        sa.Column("handling_target_days", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_case_types_account_id_accounts"), ondelete="CASCADE"
        ),
        *_initial_status_key_for_sqlite(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_types")),
        sa.UniqueConstraint("account_id", "code", name=op.f("uq_case_types_account_id_code")),
        sa.UniqueConstraint("account_id", "number_prefix", name=op.f("uq_case_types_account_id_number_prefix")),
    )
    op.create_index(op.f("ix_case_types_account_id"), "case_types", ["account_id"], unique=False)
    op.create_table(
        "custom_field_definitions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.Enum("case", "item", name="fieldscope", native_enum=False, length=32), nullable=False),
        sa.Column(
            "field_type",
            sa.Enum(
                "text",
                "multiline",
                "number",
                "date",
                "checkbox",
                "dropdown",
                "multichoice",
                "url",
                "bank_account",
                "iban",
                name="fieldtype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_custom_field_definitions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_field_definitions")),
        sa.UniqueConstraint("account_id", "key", name=op.f("uq_custom_field_definitions_account_id_key")),
    )
    op.create_index(
        op.f("ix_custom_field_definitions_account_id"), "custom_field_definitions", ["account_id"], unique=False
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "owner",
                "manager",
                "dispatcher",
                "technician",
                "agent",
                "viewer",
                name="role",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_memberships_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("account_id", "user_id", name=op.f("uq_memberships_account_id_user_id")),
    )
    op.create_index(op.f("ix_memberships_account_id"), "memberships", ["account_id"], unique=False)
    op.create_index(op.f("ix_memberships_user_id"), "memberships", ["user_id"], unique=False)
    op.create_table(
        "outbox_jobs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("job_name", sa.String(length=200), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("queue", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "enqueued", "done", "failed", name="outboxstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_outbox_jobs_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_jobs")),
    )
    op.create_index(op.f("ix_outbox_jobs_account_id"), "outbox_jobs", ["account_id"], unique=False)
    op.create_index(op.f("ix_outbox_jobs_status"), "outbox_jobs", ["status"], unique=False)
    op.create_table(
        "sales_channels",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "platform",
            sa.Enum("shoptet", "woocommerce", "allegro", name="platform", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("external_shop_id", sa.String(length=200), nullable=False),
        sa.Column("shop_url", sa.String(length=500), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("default_language", sa.String(length=5), nullable=False),
        sa.Column("default_consultant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("credentials_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("connected", "error", "disabled", "waiting", name="channelstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("status_message", sa.Text(), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_sales_channels_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["default_consultant_id"],
            ["users.id"],
            name=op.f("fk_sales_channels_default_consultant_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_channels")),
        sa.UniqueConstraint(
            "account_id",
            "platform",
            "external_shop_id",
            name=op.f("uq_sales_channels_account_id_platform_external_shop_id"),
        ),
    )
    op.create_index(op.f("ix_sales_channels_account_id"), "sales_channels", ["account_id"], unique=False)
    op.create_table(
        "tags",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_tags_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("account_id", "name", name=op.f("uq_tags_account_id_name")),
    )
    op.create_index(op.f("ix_tags_account_id"), "tags", ["account_id"], unique=False)
    op.create_table(
        "case_type_fields",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("field_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("is_required", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_case_type_fields_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_type_id"],
            ["case_types.id"],
            name=op.f("fk_case_type_fields_case_type_id_case_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["custom_field_definitions.id"],
            name=op.f("fk_case_type_fields_field_id_custom_field_definitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_type_fields")),
        sa.UniqueConstraint("case_type_id", "field_id", name=op.f("uq_case_type_fields_case_type_id_field_id")),
    )
    op.create_index(op.f("ix_case_type_fields_account_id"), "case_type_fields", ["account_id"], unique=False)
    op.create_index(op.f("ix_case_type_fields_case_type_id"), "case_type_fields", ["case_type_id"], unique=False)
    op.create_index(op.f("ix_case_type_fields_field_id"), "case_type_fields", ["field_id"], unique=False)
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("customer_email", sa.String(length=254), nullable=False),
        sa.Column("customer_phone", sa.String(length=50), nullable=False),
        sa.Column("billing_address", sa.JSON(), nullable=False),
        sa.Column("shipping_address", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_orders_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["sales_channels.id"], name=op.f("fk_orders_channel_id_sales_channels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("channel_id", "external_id", name=op.f("uq_orders_channel_id_external_id")),
    )
    op.create_index("ix_orders_account_code", "orders", ["account_id", "code"], unique=False)
    op.create_index("ix_orders_account_email", "orders", ["account_id", "customer_email"], unique=False)
    op.create_index(op.f("ix_orders_account_id"), "orders", ["account_id"], unique=False)
    op.create_index(op.f("ix_orders_channel_id"), "orders", ["channel_id"], unique=False)
    op.create_table(
        "process_steps",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_process_steps_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_type_id"],
            ["case_types.id"],
            name=op.f("fk_process_steps_case_type_id_case_types"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_steps")),
        sa.UniqueConstraint("case_type_id", "code", name=op.f("uq_process_steps_case_type_id_code")),
    )
    op.create_index(op.f("ix_process_steps_account_id"), "process_steps", ["account_id"], unique=False)
    op.create_index(op.f("ix_process_steps_case_type_id"), "process_steps", ["case_type_id"], unique=False)
    op.create_table(
        "case_statuses",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("step_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_closing", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_case_statuses_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_type_id"],
            ["case_types.id"],
            name=op.f("fk_case_statuses_case_type_id_case_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"], ["process_steps.id"], name=op.f("fk_case_statuses_step_id_process_steps"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_statuses")),
        sa.UniqueConstraint("case_type_id", "code", name=op.f("uq_case_statuses_case_type_id_code")),
    )
    op.create_index(op.f("ix_case_statuses_account_id"), "case_statuses", ["account_id"], unique=False)
    op.create_index(op.f("ix_case_statuses_case_type_id"), "case_statuses", ["case_type_id"], unique=False)
    op.create_index(op.f("ix_case_statuses_step_id"), "case_statuses", ["step_id"], unique=False)
    op.create_table(
        "order_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("variant_name", sa.String(length=200), nullable=False),
        sa.Column("product_code", sa.String(length=100), nullable=False),
        sa.Column("ean", sa.String(length=20), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("unit_price_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("vat_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_order_items_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_items_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
        sa.UniqueConstraint("order_id", "external_id", name=op.f("uq_order_items_order_id_external_id")),
    )
    op.create_index(op.f("ix_order_items_account_id"), "order_items", ["account_id"], unique=False)
    op.create_index(op.f("ix_order_items_order_id"), "order_items", ["order_id"], unique=False)
    op.create_table(
        "cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("case_type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("owner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("customer_email", sa.String(length=254), nullable=False),
        sa.Column("customer_phone", sa.String(length=50), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "origin",
            sa.Enum(
                "storefront", "direct_link", "agent", "api", "platform", name="caseorigin", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("access_token", sa.String(length=64), nullable=False),
        sa.Column("lodged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_cases_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["case_type_id"], ["case_types.id"], name=op.f("fk_cases_case_type_id_case_types")),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["sales_channels.id"], name=op.f("fk_cases_channel_id_sales_channels"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_cases_order_id_orders"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_cases_owner_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["status_id"], ["case_statuses.id"], name=op.f("fk_cases_status_id_case_statuses")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("access_token", name=op.f("uq_cases_access_token")),
        sa.UniqueConstraint("account_id", "number", name=op.f("uq_cases_account_id_number")),
    )
    op.create_index("ix_cases_account_created", "cases", ["account_id", "created_at"], unique=False)
    op.create_index("ix_cases_account_email", "cases", ["account_id", "customer_email"], unique=False)
    op.create_index(op.f("ix_cases_account_id"), "cases", ["account_id"], unique=False)
    op.create_index("ix_cases_account_status", "cases", ["account_id", "status_id"], unique=False)
    op.create_index(op.f("ix_cases_case_type_id"), "cases", ["case_type_id"], unique=False)
    op.create_index(op.f("ix_cases_channel_id"), "cases", ["channel_id"], unique=False)
    op.create_index(op.f("ix_cases_order_id"), "cases", ["order_id"], unique=False)
    op.create_index(op.f("ix_cases_owner_id"), "cases", ["owner_id"], unique=False)
    op.create_table(
        "status_transitions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("from_status_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("to_status_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_status_transitions_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_type_id"],
            ["case_types.id"],
            name=op.f("fk_status_transitions_case_type_id_case_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_status_id"],
            ["case_statuses.id"],
            name=op.f("fk_status_transitions_from_status_id_case_statuses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_status_id"],
            ["case_statuses.id"],
            name=op.f("fk_status_transitions_to_status_id_case_statuses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_transitions")),
        sa.UniqueConstraint(
            "from_status_id", "to_status_id", name=op.f("uq_status_transitions_from_status_id_to_status_id")
        ),
    )
    op.create_index(op.f("ix_status_transitions_account_id"), "status_transitions", ["account_id"], unique=False)
    op.create_index(op.f("ix_status_transitions_case_type_id"), "status_transitions", ["case_type_id"], unique=False)
    op.create_table(
        "case_deadlines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "resolve",
                "first_response",
                "withdrawal_window",
                "refund",
                "policy_window",
                "handling_target",
                name="deadlinekind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule_code", sa.String(length=64), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column(
            "consequence",
            sa.Enum(
                "deemed_accepted",
                "consumer_may_withdraw",
                "window_closes",
                "none",
                name="consequence",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("is_extendable", sa.Boolean(), nullable=False),
        sa.Column("met_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("extended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extended_by", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_case_deadlines_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_deadlines_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_deadlines")),
        sa.UniqueConstraint("case_id", "kind", name=op.f("uq_case_deadlines_case_id_kind")),
    )
    op.create_index("ix_case_deadlines_account_due", "case_deadlines", ["account_id", "due_at"], unique=False)
    op.create_index(op.f("ix_case_deadlines_account_id"), "case_deadlines", ["account_id"], unique=False)
    op.create_table(
        "case_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_case_history_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_case_history_actor_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_history_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_history")),
    )
    op.create_index(op.f("ix_case_history_account_id"), "case_history", ["account_id"], unique=False)
    op.create_index(op.f("ix_case_history_case_id"), "case_history", ["case_id"], unique=False)
    op.create_table(
        "case_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("product_code", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("unit_price_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("defect_description", sa.Text(), nullable=False),
        sa.Column(
            "requested_remedy",
            sa.Enum("refund", "replace", "repair", "discount", name="requestedremedy", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column(
            "reception_state",
            sa.Enum(
                "expected", "in_transit", "received", "inspected", name="receptionstate", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column(
            "decision_state",
            sa.Enum("pending", "accepted", "rejected", name="decisionstate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "resolution",
            sa.Enum(
                "refund",
                "replace",
                "repair",
                "discount",
                "keep",
                "reject",
                name="resolution",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("inspection_note", sa.Text(), nullable=False),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_case_items_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_items_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["order_item_id"],
            ["order_items.id"],
            name=op.f("fk_case_items_order_item_id_order_items"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_items")),
    )
    op.create_index(op.f("ix_case_items_account_id"), "case_items", ["account_id"], unique=False)
    op.create_index(op.f("ix_case_items_case_id"), "case_items", ["case_id"], unique=False)
    op.create_index(op.f("ix_case_items_order_item_id"), "case_items", ["order_item_id"], unique=False)
    op.create_table(
        "case_notes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("author_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("author_label", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_case_notes_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_case_notes_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_notes_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
    )
    op.create_index(op.f("ix_case_notes_account_id"), "case_notes", ["account_id"], unique=False)
    op.create_index(op.f("ix_case_notes_case_id"), "case_notes", ["case_id"], unique=False)
    op.create_table(
        "case_tags",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tag_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_case_tags_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_tags_case_id_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], name=op.f("fk_case_tags_tag_id_tags"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_tags")),
        sa.UniqueConstraint("case_id", "tag_id", name=op.f("uq_case_tags_case_id_tag_id")),
    )
    op.create_index(op.f("ix_case_tags_account_id"), "case_tags", ["account_id"], unique=False)
    op.create_index(op.f("ix_case_tags_case_id"), "case_tags", ["case_id"], unique=False)
    op.create_index(op.f("ix_case_tags_tag_id"), "case_tags", ["tag_id"], unique=False)
    op.create_table(
        "outbound_emails",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("from_name", sa.String(length=200), nullable=False),
        sa.Column("from_address", sa.String(length=254), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("to_name", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum("queued", "sent", "failed", name="emailstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_outbound_emails_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_outbound_emails_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_emails")),
        sa.UniqueConstraint(
            "account_id", "idempotency_key", name=op.f("uq_outbound_emails_account_id_idempotency_key")
        ),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbound_emails_message_id")),
    )
    op.create_index(op.f("ix_outbound_emails_account_id"), "outbound_emails", ["account_id"], unique=False)
    op.create_index(op.f("ix_outbound_emails_case_id"), "outbound_emails", ["case_id"], unique=False)
    op.create_table(
        "case_attachments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_case_attachments_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_attachments_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_item_id"],
            ["case_items.id"],
            name=op.f("fk_case_attachments_case_item_id_case_items"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_attachments")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_case_attachments_storage_key")),
    )
    op.create_index(op.f("ix_case_attachments_account_id"), "case_attachments", ["account_id"], unique=False)
    op.create_index(op.f("ix_case_attachments_case_id"), "case_attachments", ["case_id"], unique=False)
    op.create_table(
        "custom_field_values",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("field_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_custom_field_values_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_custom_field_values_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_item_id"],
            ["case_items.id"],
            name=op.f("fk_custom_field_values_case_item_id_case_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["custom_field_definitions.id"],
            name=op.f("fk_custom_field_values_field_id_custom_field_definitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_field_values")),
    )
    op.create_index(op.f("ix_custom_field_values_account_id"), "custom_field_values", ["account_id"], unique=False)
    op.create_index(op.f("ix_custom_field_values_case_id"), "custom_field_values", ["case_id"], unique=False)
    op.create_index(op.f("ix_custom_field_values_field_id"), "custom_field_values", ["field_id"], unique=False)
    op.create_index(
        "uq_custom_field_values_case_field",
        "custom_field_values",
        ["case_id", "field_id"],
        unique=True,
        postgresql_where=sa.text("case_item_id IS NULL"),
        sqlite_where=sa.text("case_item_id IS NULL"),
    )
    op.create_index(
        "uq_custom_field_values_item_field",
        "custom_field_values",
        ["case_item_id", "field_id"],
        unique=True,
        postgresql_where=sa.text("case_item_id IS NOT NULL"),
        sqlite_where=sa.text("case_item_id IS NOT NULL"),
    )
    # case_types and case_statuses point at each other. PostgreSQL gets the type's initial-status key
    # once both tables exist; SQLite cannot add a key later, so it got it inline (it allows forward references).
    if not _is_sqlite():
        op.create_foreign_key(
            INITIAL_STATUS_FK, "case_types", "case_statuses", ["initial_status_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    if not _is_sqlite():
        op.drop_constraint(INITIAL_STATUS_FK, "case_types", type_="foreignkey")
    op.drop_index(
        "uq_custom_field_values_item_field",
        table_name="custom_field_values",
        postgresql_where=sa.text("case_item_id IS NOT NULL"),
        sqlite_where=sa.text("case_item_id IS NOT NULL"),
    )
    op.drop_index(
        "uq_custom_field_values_case_field",
        table_name="custom_field_values",
        postgresql_where=sa.text("case_item_id IS NULL"),
        sqlite_where=sa.text("case_item_id IS NULL"),
    )
    op.drop_index(op.f("ix_custom_field_values_field_id"), table_name="custom_field_values")
    op.drop_index(op.f("ix_custom_field_values_case_id"), table_name="custom_field_values")
    op.drop_index(op.f("ix_custom_field_values_account_id"), table_name="custom_field_values")
    op.drop_table("custom_field_values")
    op.drop_index(op.f("ix_case_attachments_case_id"), table_name="case_attachments")
    op.drop_index(op.f("ix_case_attachments_account_id"), table_name="case_attachments")
    op.drop_table("case_attachments")
    op.drop_index(op.f("ix_outbound_emails_case_id"), table_name="outbound_emails")
    op.drop_index(op.f("ix_outbound_emails_account_id"), table_name="outbound_emails")
    op.drop_table("outbound_emails")
    op.drop_index(op.f("ix_case_tags_tag_id"), table_name="case_tags")
    op.drop_index(op.f("ix_case_tags_case_id"), table_name="case_tags")
    op.drop_index(op.f("ix_case_tags_account_id"), table_name="case_tags")
    op.drop_table("case_tags")
    op.drop_index(op.f("ix_case_notes_case_id"), table_name="case_notes")
    op.drop_index(op.f("ix_case_notes_account_id"), table_name="case_notes")
    op.drop_table("case_notes")
    op.drop_index(op.f("ix_case_items_order_item_id"), table_name="case_items")
    op.drop_index(op.f("ix_case_items_case_id"), table_name="case_items")
    op.drop_index(op.f("ix_case_items_account_id"), table_name="case_items")
    op.drop_table("case_items")
    op.drop_index(op.f("ix_case_history_case_id"), table_name="case_history")
    op.drop_index(op.f("ix_case_history_account_id"), table_name="case_history")
    op.drop_table("case_history")
    op.drop_index(op.f("ix_case_deadlines_account_id"), table_name="case_deadlines")
    op.drop_index("ix_case_deadlines_account_due", table_name="case_deadlines")
    op.drop_table("case_deadlines")
    op.drop_index(op.f("ix_status_transitions_case_type_id"), table_name="status_transitions")
    op.drop_index(op.f("ix_status_transitions_account_id"), table_name="status_transitions")
    op.drop_table("status_transitions")
    op.drop_index(op.f("ix_cases_owner_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_order_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_channel_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_case_type_id"), table_name="cases")
    op.drop_index("ix_cases_account_status", table_name="cases")
    op.drop_index(op.f("ix_cases_account_id"), table_name="cases")
    op.drop_index("ix_cases_account_email", table_name="cases")
    op.drop_index("ix_cases_account_created", table_name="cases")
    op.drop_table("cases")
    op.drop_index(op.f("ix_order_items_order_id"), table_name="order_items")
    op.drop_index(op.f("ix_order_items_account_id"), table_name="order_items")
    op.drop_table("order_items")
    op.drop_index(op.f("ix_case_statuses_step_id"), table_name="case_statuses")
    op.drop_index(op.f("ix_case_statuses_case_type_id"), table_name="case_statuses")
    op.drop_index(op.f("ix_case_statuses_account_id"), table_name="case_statuses")
    op.drop_table("case_statuses")
    op.drop_index(op.f("ix_process_steps_case_type_id"), table_name="process_steps")
    op.drop_index(op.f("ix_process_steps_account_id"), table_name="process_steps")
    op.drop_table("process_steps")
    op.drop_index(op.f("ix_orders_channel_id"), table_name="orders")
    op.drop_index(op.f("ix_orders_account_id"), table_name="orders")
    op.drop_index("ix_orders_account_email", table_name="orders")
    op.drop_index("ix_orders_account_code", table_name="orders")
    op.drop_table("orders")
    op.drop_index(op.f("ix_case_type_fields_field_id"), table_name="case_type_fields")
    op.drop_index(op.f("ix_case_type_fields_case_type_id"), table_name="case_type_fields")
    op.drop_index(op.f("ix_case_type_fields_account_id"), table_name="case_type_fields")
    op.drop_table("case_type_fields")
    op.drop_index(op.f("ix_tags_account_id"), table_name="tags")
    op.drop_table("tags")
    op.drop_index(op.f("ix_sales_channels_account_id"), table_name="sales_channels")
    op.drop_table("sales_channels")
    op.drop_index(op.f("ix_outbox_jobs_status"), table_name="outbox_jobs")
    op.drop_index(op.f("ix_outbox_jobs_account_id"), table_name="outbox_jobs")
    op.drop_table("outbox_jobs")
    op.drop_index(op.f("ix_memberships_user_id"), table_name="memberships")
    op.drop_index(op.f("ix_memberships_account_id"), table_name="memberships")
    op.drop_table("memberships")
    op.drop_index(op.f("ix_custom_field_definitions_account_id"), table_name="custom_field_definitions")
    op.drop_table("custom_field_definitions")
    op.drop_index(op.f("ix_case_types_account_id"), table_name="case_types")
    op.drop_table("case_types")
    op.drop_index(op.f("ix_case_number_sequences_account_id"), table_name="case_number_sequences")
    op.drop_table("case_number_sequences")
    op.drop_index(op.f("ix_account_brandings_account_id"), table_name="account_brandings")
    op.drop_table("account_brandings")
    op.drop_table("users")
    op.drop_table("accounts")
