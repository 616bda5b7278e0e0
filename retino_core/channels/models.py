"""Per-channel storefront settings and the return shipping options a channel offers.

A channel without a ``ChannelWidgetSettings`` row, or without offered case types stored, uses the
defaults computed in ``queries.py``; rows appear only once the merchant saves something.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from retino_core.db import AccountScoped, Base, BigIntPK, Timestamped, enum_type
from retino_core.i18n import localized
from retino_core.money import AmountColumn, Money


class BadgeSide(Enum):
    #: The floating "Return or complaint" badge sits at the left edge of the shop's pages.
    left = "left"
    #: … at the right edge (the default: most shops keep their chat bubble on the left).
    right = "right"


class ShippingKind(Enum):
    #: The shopper brings the goods to the merchant's own shop, store or warehouse.
    own_dropoff = "own_dropoff"
    #: The shopper hands the parcel in at a carrier's branch or parcel point.
    carrier_branch = "carrier_branch"
    #: The carrier's courier collects the parcel at the shopper's address.
    courier_pickup = "courier_pickup"


class Carrier(Enum):
    ppl = "ppl"
    zasilkovna = "zasilkovna"
    gls = "gls"


#: Kinds that are a carrier's service and therefore name the carrier.
KINDS_WITH_CARRIER = frozenset({ShippingKind.carrier_branch, ShippingKind.courier_pickup})


class ChannelWidgetSettings(AccountScoped, Timestamped, Base):
    """The storefront widget's settings of one channel; created when the merchant first saves them."""

    __tablename__ = "channel_widget_settings"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("sales_channels.id", ondelete="CASCADE"), unique=True)
    badge_side: Mapped[BadgeSide] = mapped_column(enum_type(BadgeSide), default=BadgeSide.right)
    #: The shopper may file a case without finding an order first (the merchant matches it later).
    allow_intake_without_order: Mapped[bool] = mapped_column(default=False)
    #: Origins allowed to frame the widget (CSP ``frame-ancestors``), e.g. ["https://shop.example.cz",
    #: "https://*.example.cz"]; normalised by the schema: scheme, host, optional port, nothing else.
    shop_domains: Mapped[list[str]] = mapped_column(JSON, default=list)


class ChannelOfferedCaseType(AccountScoped, Base):
    """One case type the channel's widget offers; no rows for a channel means every public active type."""

    __tablename__ = "channel_offered_case_types"
    __table_args__ = (UniqueConstraint("channel_id", "case_type_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("sales_channels.id", ondelete="CASCADE"), index=True)
    case_type_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("case_types.id", ondelete="CASCADE"), index=True)


class ShippingOption(AccountScoped, Timestamped, Base):
    """A way the shopper may send goods back through this channel, shown in the widget with its instructions.

    Stored as data for the carrier integration to act on later (labels, pickups). An option is
    retired, never deleted, so whatever comes to reference it keeps a valid row.
    """

    __tablename__ = "channel_shipping_options"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("sales_channels.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ShippingKind] = mapped_column(enum_type(ShippingKind))
    #: Set for carrier_branch and courier_pickup, None for own_dropoff.
    carrier: Mapped[Carrier | None] = mapped_column(enum_type(Carrier))
    #: What the shopper picks, per language code; the channel's language is always present.
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    #: What the shopper is told to do (address, opening hours, how to pack), per language code.
    instructions: Mapped[dict[str, str]] = mapped_column(JSON)
    #: What the shopper pays for this option; None means free.
    price_amount: Mapped[Decimal | None] = mapped_column(AmountColumn)
    #: The channel's currency when the option was saved.
    currency: Mapped[str] = mapped_column(String(3))
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: False once retired: no longer offered, kept for whatever refers to it.
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def price(self) -> Money | None:
        if self.price_amount is None:
            return None
        return Money(self.price_amount, self.currency)

    def name(self, language: str) -> str:
        return localized(self.names, language)

    def instruction(self, language: str) -> str:
        return localized(self.instructions, language)
