"""Dataclasses that cross the platform port. Adapters translate platform JSON into these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

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
