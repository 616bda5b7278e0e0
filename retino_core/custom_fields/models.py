"""Merchant-defined fields on cases and case items, typed, with values validated on write."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from retino_core.db import AccountScoped, Base, BigIntPK, Timestamped, enum_type
from retino_core.i18n import localized


class FieldScope(Enum):
    #: One value per case.
    case = "case"
    #: One value per case item.
    item = "item"


class FieldType(Enum):
    text = "text"
    multiline = "multiline"
    number = "number"
    date = "date"
    checkbox = "checkbox"
    dropdown = "dropdown"
    multichoice = "multichoice"
    url = "url"
    #: Czech domestic account "prefix-number/bank" with the mod-11 checksums.
    bank_account = "bank_account"
    iban = "iban"


class CustomFieldDefinition(AccountScoped, Timestamped, Base):
    __tablename__ = "custom_field_definitions"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    #: Stable identifier used by templates, the API and automations.
    key: Mapped[str] = mapped_column(String(64))
    scope: Mapped[FieldScope] = mapped_column(enum_type(FieldScope))
    field_type: Mapped[FieldType] = mapped_column(enum_type(FieldType))
    #: Label per language code.
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    #: For dropdown and multichoice: [{"value": "...", "names": {"cs": "...", ...}}, ...].
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: Shown to the shopper in the storefront form (otherwise staff-only).
    is_public: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def name(self, language: str) -> str:
        return localized(self.names, language)

    @property
    def option_values(self) -> list[str]:
        return [str(option["value"]) for option in self.options]


class CustomFieldValue(AccountScoped, Base):
    """The validated, normalised value of one field on one case or case item."""

    __tablename__ = "custom_field_values"
    # Two partial unique indexes, because a plain UNIQUE(field_id, case_id, case_item_id) lets
    # duplicate case-scoped rows through: NULL never equals NULL.
    __table_args__ = (
        Index(
            "uq_custom_field_values_case_field",
            "case_id",
            "field_id",
            unique=True,
            postgresql_where=text("case_item_id IS NULL"),
            sqlite_where=text("case_item_id IS NULL"),
        ),
        Index(
            "uq_custom_field_values_item_field",
            "case_item_id",
            "field_id",
            unique=True,
            postgresql_where=text("case_item_id IS NOT NULL"),
            sqlite_where=text("case_item_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    field_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("custom_field_definitions.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: Set only for item-scoped fields.
    case_item_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("case_items.id", ondelete="CASCADE"))
    #: JSON-encoded normalised value: str, number as str (Decimal), bool, ISO date, or list of str.
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime]

    field: Mapped[CustomFieldDefinition] = relationship()
