"""The shipping choice stored on a case, as data a carrier integration can act on later.

Everything the shopper was shown is copied here (kind, carrier, instructions, price), so the case
keeps what was agreed even after the merchant edits or retires the option.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from retino_core.channels.models import Carrier, ShippingKind
from retino_core.db import AccountScoped, Base, BigIntPK, enum_type
from retino_core.money import AmountColumn, Money


class CaseShippingChoice(AccountScoped, Base):
    """How the goods of one case travel back; one per case, written when the case is filed."""

    __tablename__ = "case_shipping_choices"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    #: The channel's option picked; kept when the option is retired, cleared only if it is deleted.
    option_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("channel_shipping_options.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[ShippingKind] = mapped_column(enum_type(ShippingKind))
    carrier: Mapped[Carrier | None] = mapped_column(enum_type(Carrier))
    #: The carrier's id of the branch or parcel point (carrier_branch only), as the shopper typed it.
    branch_id: Mapped[str] = mapped_column(String(64), default="")
    branch_name: Mapped[str] = mapped_column(String(200), default="")
    #: Where the courier collects the parcel (courier_pickup only): name, street, city, zip_code,
    #: country_code, phone.
    pickup_address: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The option's name and instructions in the case's language when the shopper chose it.
    option_name: Mapped[str] = mapped_column(String(200), default="")
    instructions: Mapped[str] = mapped_column(Text, default="")
    #: What the shopper was told it costs; None means free.
    price_amount: Mapped[Decimal | None] = mapped_column(AmountColumn)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime]

    @property
    def price(self) -> Money | None:
        if self.price_amount is None:
            return None
        return Money(self.price_amount, self.currency)
