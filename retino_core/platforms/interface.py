"""Dataclasses that cross the platform port. Adapters translate platform JSON into these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum

from retino_core.money import Money


@dataclass(frozen=True)
class AddressSnapshot:
    full_name: str = ""
    company: str = ""
    street: str = ""
    city: str = ""
    zip_code: str = ""
    country_code: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "full_name": self.full_name,
            "company": self.company,
            "street": self.street,
            "city": self.city,
            "zip_code": self.zip_code,
            "country_code": self.country_code,
        }


@dataclass(frozen=True)
class OrderLineSnapshot:
    external_id: str
    name: str
    quantity: Decimal
    unit_price: Money
    vat_rate: Decimal
    product_code: str = ""
    ean: str = ""
    variant_name: str = ""


@dataclass(frozen=True)
class OrderSnapshot:
    """An order as the platform sees it now; upserting the same snapshot twice changes nothing."""

    external_id: str
    code: str
    customer_name: str
    customer_email: str
    currency: str
    total: Money
    ordered_at: datetime
    lines: tuple[OrderLineSnapshot, ...]
    customer_phone: str = ""
    billing_address: AddressSnapshot = field(default_factory=AddressSnapshot)
    shipping_address: AddressSnapshot = field(default_factory=AddressSnapshot)
    language: str = ""
    paid_at: datetime | None = None
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class WebhookDelivery:
    headers: dict[str, str]
    raw_body: bytes


@dataclass(frozen=True)
class RefundRequest:
    order_external_id: str
    amount: Money
    reason: str
    line_amounts: tuple[tuple[str, Money], ...] = ()
    #: Stable for one refund of one case (Allegro ``commandId``, WooCommerce guard), so a retried job never pays twice.
    idempotency_key: str = ""


@dataclass(frozen=True)
class RefundResult:
    is_success: bool
    external_id: str = ""
    message: str = ""


@dataclass(frozen=True)
class CaseStatusUpdate:
    order_external_id: str
    case_number: str
    status_name: str
    is_closed: bool


class Capability(Enum):
    """What an adapter can do on its platform; the UI and the actions ask before they offer or call.

    Each capability names the port operations it unlocks (``CAPABILITY_OPERATIONS`` in
    ``protocol.py``); an operation whose capability the adapter does not declare is never called.
    """

    #: Give money back through the platform (WooCommerce ``/orders/{id}/refunds``, Allegro ``/payments/refunds``).
    refund = "refund"
    #: Issue a credit note, the accounting record of a refund paid outside the platform (Shoptet).
    credit_note = "credit_note"
    #: The platform has its own customer-return objects to sync and reject (Allegro).
    customer_returns = "customer_returns"
    #: Write to the buyer through the platform's message centre (Allegro).
    messaging = "messaging"
    #: Put HTML (the widget loader, the badge) into the shop's pages through the API (Shoptet).
    storefront_injection = "storefront_injection"
    #: Leave a note in the order's history when a case is created or resolved.
    order_note = "order_note"
    #: Orders arrive by signed webhook deliveries (Shoptet, WooCommerce).
    webhooks = "webhooks"
    #: Orders are found by reading a change feed from a stored cursor (all three; Allegro's only way).
    polling = "polling"


@dataclass(frozen=True)
class CreditNoteRequest:
    """Ask for a credit note against the order's invoice (Shoptet has no payment refund, only this).

    ``line_quantities`` pairs an :class:`OrderLineSnapshot` ``external_id`` with the quantity to
    credit; empty credits the whole invoice. ``amount`` is what the case refunds, for the adapter to
    check against what the platform computed. ``idempotency_key`` is stable for one refund of one
    case, so a retried job finds the note it already created instead of issuing a second one.
    """

    order_external_id: str
    amount: Money
    reason: str
    idempotency_key: str
    line_quantities: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class CreditNoteResult:
    is_success: bool
    #: The platform's credit-note number (Shoptet ``code``); empty when none was issued.
    external_id: str = ""
    #: What the platform answered, for the merchant; empty on success.
    message: str = ""


#: Where an injected snippet goes, in the port's words (Shoptet's template-include locations are the same):
#: the footer of every page, and the page the shopper sees after ordering.
STOREFRONT_FOOTER = "common-footer"
STOREFRONT_ORDER_CONFIRMED = "order-confirmed"


@dataclass(frozen=True)
class StorefrontInjectionRequest:
    """One HTML snippet and the place in the shop's pages it goes (Shoptet ``common-footer``, ``order-confirmed``).

    The adapter checks the platform's limits (Shoptet: 8,192 characters, three locations) and
    refuses with an unsuccessful result rather than truncating the HTML.
    """

    location: str
    html: str


@dataclass(frozen=True)
class StorefrontInjectionResult:
    location: str
    is_success: bool
    #: What the platform answered (its error message, or a note such as "replaced"); for the merchant and logs.
    message: str = ""


@dataclass(frozen=True)
class WebhookVerification:
    """The verdict on one webhook delivery: build it with :meth:`valid` or :meth:`invalid`.

    ``dedupe_key`` identifies the delivery itself (WooCommerce ``X-WC-Webhook-Delivery-ID``;
    Shoptet ``eshopId|event|eventInstance|eventCreated``), so the same delivery received twice is
    stored and enqueued once. ``reason`` says why a delivery was refused, for the log line; it is
    never shown to the sender.
    """

    is_valid: bool
    reason: str = ""
    dedupe_key: str = ""

    def __post_init__(self) -> None:
        if self.is_valid and (not self.dedupe_key or self.reason):
            raise ValueError("a valid delivery has a dedupe key and no reason")
        if not self.is_valid and (not self.reason or self.dedupe_key):
            raise ValueError("an invalid delivery has a reason and no dedupe key")

    @classmethod
    def valid(cls, dedupe_key: str) -> WebhookVerification:
        return cls(is_valid=True, dedupe_key=dedupe_key)

    @classmethod
    def invalid(cls, reason: str) -> WebhookVerification:
        return cls(is_valid=False, reason=reason)


@dataclass(frozen=True)
class OrderChangePage:
    """One page of a platform's order change feed, read from an opaque cursor.

    ``cursor`` is what to pass next time (Shoptet: the last ``changeTime``; Allegro: the last
    event id; WooCommerce: the last ``date_modified``); store it only after the orders were
    upserted, so a crash re-reads rather than skips. ``has_more`` asks for another page now.
    The same order may appear more than once and out of order: fetch it and upsert its state.
    """

    order_external_ids: tuple[str, ...]
    cursor: str
    has_more: bool = False


@dataclass(frozen=True)
class WebhookSetup:
    """What :meth:`ensure_webhooks` changed on the platform; empty tuples when everything was in place already."""

    #: Topics/events newly registered to our URL (Shoptet ``order:create``, WooCommerce ``order.updated``).
    created: tuple[str, ...] = ()
    #: Registrations of ours that the platform had switched off and that were switched on again (WooCommerce).
    reactivated: tuple[str, ...] = ()
    #: Registrations of ours pointing at another URL, removed before registering the right one.
    removed: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.created or self.reactivated or self.removed)


@dataclass(frozen=True)
class ReturnParcelSnapshot:
    """One parcel the buyer sent back under a platform's customer return (Allegro ``parcels[]``)."""

    carrier: str = ""
    waybill: str = ""
    sent_at: datetime | None = None


@dataclass(frozen=True)
class CustomerReturnItemSnapshot:
    """One returned order line: ``order_line_external_id`` is the :class:`OrderLineSnapshot` it came from."""

    order_line_external_id: str
    name: str
    quantity: Decimal
    #: The platform's reason code (Allegro ``reason.type``, e.g. ``DIFFERENT``), kept as is.
    reason: str = ""
    comment: str = ""


@dataclass(frozen=True)
class CustomerReturnSnapshot:
    """A return the buyer opened on the platform itself (Allegro customer returns), to be worked as a case.

    ``external_id`` is the platform's return id; a case is created once per (channel, external id),
    so reading the same return again (a re-read page, an update) never opens a second case.
    """

    external_id: str
    order_external_id: str
    created_at: datetime
    status: str
    items: tuple[CustomerReturnItemSnapshot, ...]
    reference_number: str = ""
    buyer_email: str = ""
    buyer_name: str = ""
    parcels: tuple[ReturnParcelSnapshot, ...] = ()


@dataclass(frozen=True)
class CustomerReturnPage:
    """One page of customer returns read from an opaque cursor (same contract as :class:`OrderChangePage`)."""

    returns: tuple[CustomerReturnSnapshot, ...]
    cursor: str
    has_more: bool = False


@dataclass(frozen=True)
class CustomerReturnRejection:
    """The merchant's refusal of a platform customer return, with the platform's reason code and a text."""

    return_external_id: str
    reason_code: str
    message: str


@dataclass(frozen=True)
class PlatformActionResult:
    """The outcome of a write the merchant asked for (a rejection, ...): ``message`` says what the platform refused."""

    is_success: bool
    message: str = ""
