"""The case aggregate: one customer request worked by the merchant, and what hangs off it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from retino_core.accounts.models import SalesChannel, User
from retino_core.case_types.models import CaseStatus, CaseType
from retino_core.db import AccountScoped, Base, BigIntPK, Timestamped, enum_type
from retino_core.money import AmountColumn, Money, QuantityColumn
from retino_core.orders.models import Order, OrderItem
from retino_core.search import attach_sqlite_fts


class CaseOrigin(Enum):
    #: The shopper used the form injected into the storefront.
    storefront = "storefront"
    #: The shopper followed a pre-filled direct link (e-mail, Allegro message).
    direct_link = "direct_link"
    #: A member created it in the admin (phone call, walk-in customer).
    agent = "agent"
    #: Created through the public REST API.
    api = "api"
    #: Imported from the platform itself (e.g. an Allegro customer return).
    platform = "platform"


class RequestedRemedy(Enum):
    refund = "refund"
    replace = "replace"
    repair = "repair"
    discount = "discount"


class ReceptionState(Enum):
    #: The merchant expects the goods back.
    expected = "expected"
    #: A return shipment is on its way.
    in_transit = "in_transit"
    #: The goods arrived at the merchant.
    received = "received"
    #: Someone looked at the goods and wrote down their condition.
    inspected = "inspected"


class DecisionState(Enum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"


class Resolution(Enum):
    refund = "refund"
    replace = "replace"
    repair = "repair"
    discount = "discount"
    #: Accepted, but the shopper keeps the goods (e.g. a cheap item not worth shipping back).
    keep = "keep"
    reject = "reject"


class Case(AccountScoped, Timestamped, Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("account_id", "number"),
        Index("ix_cases_account_created", "account_id", "created_at"),
        Index("ix_cases_account_status", "account_id", "status_id"),
        Index("ix_cases_account_email", "account_id", "customer_email"),
        #: One case per platform customer return (Allegro), however often the return is read.
        UniqueConstraint("channel_id", "external_ref"),
        #: Infix search from three characters (PostgreSQL's pg_trgm; SQLite scans, see queries.py).
        Index(
            "ix_cases_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    #: Human case number: the type's prefix and a per-account sequence, e.g. "R00042".
    number: Mapped[str] = mapped_column(String(32))
    case_type_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("case_types.id"), index=True)
    status_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("case_statuses.id"))
    owner_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("users.id", ondelete="SET NULL"), index=True)
    channel_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("sales_channels.id", ondelete="SET NULL"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    customer_name: Mapped[str] = mapped_column(String(200))
    #: Lower-cased.
    customer_email: Mapped[str] = mapped_column(String(254))
    customer_phone: Mapped[str] = mapped_column(String(50), default="")
    #: Language of every message to the shopper.
    language: Mapped[str] = mapped_column(String(5))
    #: Country whose law sets the statutory deadlines.
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    origin: Mapped[CaseOrigin] = mapped_column(enum_type(CaseOrigin))
    #: The platform's id of the object this case was opened from (an Allegro customer return); None otherwise.
    external_ref: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Secret for the shopper's status link: 128+ bits, never sequential.
    access_token: Mapped[str] = mapped_column(String(64), unique=True)
    #: When the complaint or withdrawal was lodged; statutory clocks start here.
    lodged_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    #: Folded number, customer, e-mail and order code for infix search.
    search_text: Mapped[str] = mapped_column(Text, default="")

    case_type: Mapped[CaseType] = relationship()
    status: Mapped[CaseStatus] = relationship()
    owner: Mapped[User | None] = relationship()
    channel: Mapped[SalesChannel | None] = relationship()
    order: Mapped[Order | None] = relationship()
    items: Mapped[list[CaseItem]] = relationship(
        back_populates="case", order_by="CaseItem.id", cascade="all, delete-orphan"
    )
    notes: Mapped[list[CaseNote]] = relationship(order_by="CaseNote.id", cascade="all, delete-orphan")
    tags: Mapped[list[Tag]] = relationship(secondary="case_tags", order_by="Tag.name", viewonly=True)
    attachments: Mapped[list[CaseAttachment]] = relationship(order_by="CaseAttachment.id", cascade="all, delete-orphan")
    history: Mapped[list[CaseHistory]] = relationship(
        order_by="CaseHistory.id", cascade="all, delete-orphan", viewonly=False
    )

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class CaseItem(AccountScoped, Timestamped, Base):
    __tablename__ = "case_items"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    order_item_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("order_items.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    product_code: Mapped[str] = mapped_column(String(100), default="")
    quantity: Mapped[Decimal] = mapped_column(QuantityColumn)
    unit_price_amount: Mapped[Decimal | None] = mapped_column(AmountColumn)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(64), default="")
    defect_description: Mapped[str] = mapped_column(Text, default="")
    requested_remedy: Mapped[RequestedRemedy | None] = mapped_column(enum_type(RequestedRemedy))
    reception_state: Mapped[ReceptionState] = mapped_column(enum_type(ReceptionState), default=ReceptionState.expected)
    decision_state: Mapped[DecisionState] = mapped_column(enum_type(DecisionState), default=DecisionState.pending)
    resolution: Mapped[Resolution | None] = mapped_column(enum_type(Resolution))
    #: What the inspecting technician wrote about the goods' condition.
    inspection_note: Mapped[str] = mapped_column(Text, default="")
    decision_note: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship(back_populates="items")
    order_item: Mapped[OrderItem | None] = relationship()

    @property
    def unit_price(self) -> Money | None:
        if self.unit_price_amount is None:
            return None
        return Money(self.unit_price_amount, self.currency)


class CaseNote(AccountScoped, Base):
    """An internal note: staff only, never shown to the shopper."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("users.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Tag(AccountScoped, Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    color: Mapped[str] = mapped_column(String(7), default="#64748b")


class CaseTag(AccountScoped, Base):
    __tablename__ = "case_tags"
    __table_args__ = (UniqueConstraint("case_id", "tag_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    tag_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("tags.id", ondelete="CASCADE"), index=True)


class CaseAttachment(AccountScoped, Base):
    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    case_item_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("case_items.id", ondelete="SET NULL"))
    #: The customer's message (e-mail or status page) the file came with.
    inbound_message_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("inbound_messages.id", ondelete="SET NULL")
    )
    #: Where the bytes live in file storage: a generated name, never the uploaded one.
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    #: The uploaded name, sanitised, for display only.
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class CaseHistory(AccountScoped, Base):
    """One change a merchant cares about, written only through the functions in ``history.py``."""

    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: What happened, e.g. "status_changed"; see history.HistoryKind.
    kind: Mapped[str] = mapped_column(String(64))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_user_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(200))
    #: A small diff: {"field": [old, new]} or facts such as {"note_id": 7}.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]


class CaseNumberSequence(AccountScoped, Base):
    """The last number handed out per account and prefix; bumped with one atomic UPDATE."""

    __tablename__ = "case_number_sequences"
    __table_args__ = (UniqueConstraint("account_id", "prefix"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(10))
    last_value: Mapped[int] = mapped_column(Integer, default=0)


attach_sqlite_fts(Case.__table__)  # type: ignore[arg-type]
