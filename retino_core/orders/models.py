"""Orders and their items as mirrored from a sales channel; the platform stays the source of truth."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from retino_core.db import AccountScoped, Base, BigIntPK, Timestamped
from retino_core.money import AmountColumn, Money, QuantityColumn, RateColumn
from retino_core.search import attach_sqlite_fts


class Order(AccountScoped, Timestamped, Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("channel_id", "external_id"),
        Index("ix_orders_account_code", "account_id", "code"),
        Index("ix_orders_account_email", "account_id", "customer_email"),
        Index(
            "ix_orders_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("sales_channels.id", ondelete="CASCADE"), index=True)
    #: The platform's id of the order (Shoptet code, WooCommerce id, Allegro checkout-form UUID).
    external_id: Mapped[str] = mapped_column(String(100))
    #: The order number the shopper knows.
    code: Mapped[str] = mapped_column(String(100))
    customer_name: Mapped[str] = mapped_column(String(200))
    #: Stored lower-cased for equality lookups.
    customer_email: Mapped[str] = mapped_column(String(254))
    customer_phone: Mapped[str] = mapped_column(String(50), default="")
    billing_address: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(5), default="")
    currency: Mapped[str] = mapped_column(String(3))
    total_amount: Mapped[Decimal] = mapped_column(AmountColumn)
    ordered_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    #: When the buyer was sent the link to our form through the platform's messages (Allegro); once per order.
    buyer_messaged_at: Mapped[datetime | None]
    #: Lower-cased, accent-free code, name and e-mail for infix search.
    search_text: Mapped[str] = mapped_column(Text, default="")

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", order_by="OrderItem.id", cascade="all, delete-orphan"
    )

    @property
    def total(self) -> Money:
        return Money(self.total_amount, self.currency)


class OrderItem(AccountScoped, Base):
    __tablename__ = "order_items"
    __table_args__ = (UniqueConstraint("order_id", "external_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    order_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    variant_name: Mapped[str] = mapped_column(String(200), default="")
    product_code: Mapped[str] = mapped_column(String(100), default="")
    ean: Mapped[str] = mapped_column(String(20), default="")
    quantity: Mapped[Decimal] = mapped_column(QuantityColumn)
    #: Price of one unit including VAT, in ``currency``.
    unit_price_amount: Mapped[Decimal] = mapped_column(AmountColumn)
    currency: Mapped[str] = mapped_column(String(3))
    vat_rate: Mapped[Decimal] = mapped_column(RateColumn)

    order: Mapped[Order] = relationship(back_populates="items")

    @property
    def unit_price(self) -> Money:
        return Money(self.unit_price_amount, self.currency)


attach_sqlite_fts(Order.__table__)  # type: ignore[arg-type]
