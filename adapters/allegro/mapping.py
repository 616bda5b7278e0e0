"""Translate an Allegro checkout form (``GET /order/checkout-forms/{id}``) into an :class:`OrderSnapshot`.

Pure functions, no I/O. Allegro sends every amount as ``{"amount": "123.45", "currency": "PLN"}``
with a decimal string, and datetimes in UTC with a ``Z`` suffix. Missing or malformed required
fields raise :class:`PayloadError`, never ``KeyError``/``TypeError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from adapters.allegro.errors import PayloadError
from retino_core.money import Money
from retino_core.platforms import payload
from retino_core.platforms.interface import AddressSnapshot, OrderLineSnapshot, OrderSnapshot
from retino_core.platforms.payload import parse_json

__all__ = ["map_order", "parse_json"]


def map_order(checkout_form: Mapping[str, Any]) -> OrderSnapshot:
    """Map a checkout form to a snapshot.

    - ``external_id`` and ``code`` are the checkout-form ``id`` (a UUID); Allegro has no shorter
      order number.
    - The total is ``summary.totalToPay``; every Money keeps the currency of its own amount object.
    - ``ordered_at`` is the earliest ``lineItems[].boughtAt``; ``paid_at`` is ``payment.finishedAt``.
      The form carries no delivery date (only ``fulfillment.status``), so ``delivered_at`` is None.
    - The customer is ``buyer``: name ``firstName lastName`` (then company, then login), the
      e-mail is Allegro's relay address, lower-cased; the phone falls back to the delivery phone.
    - The billing address is ``invoice.address`` when an invoice was requested, else
      ``buyer.address``. The shipping address is ``delivery.address`` (the buyer's own address
      even for pickup-point deliveries), falling back to billing when absent.
    - Lines are ``lineItems``: ``price`` is the gross unit price and ``tax.rate`` the VAT rate;
      ``tax`` is absent when the seller does not invoice VAT through Allegro, and the rate is then 0.
    - ``language`` is the primary subtag of ``buyer.preferences.language`` (``pl-PL`` → ``pl``).
    """
    form = payload.as_mapping(checkout_form, "checkoutForm")
    external_id = payload.required_text(form, "id", "checkoutForm")
    summary = payload.as_mapping(payload.required(form, "summary", "checkoutForm"), "checkoutForm.summary")
    total = _money(payload.required(summary, "totalToPay", "checkoutForm.summary"), "checkoutForm.summary.totalToPay")
    buyer = payload.optional_mapping(form.get("buyer"), "checkoutForm.buyer")
    buyer_name = _name(buyer, "checkoutForm.buyer")
    billing = _billing_address(form, buyer, buyer_name)
    delivery = payload.optional_mapping(form.get("delivery"), "checkoutForm.delivery")
    delivery_address = payload.optional_mapping(delivery.get("address"), "checkoutForm.delivery.address")
    shipping = _address(delivery_address, "checkoutForm.delivery.address", zip_key="zipCode")
    items = payload.required(form, "lineItems", "checkoutForm")
    if not isinstance(items, list) or not items:
        raise PayloadError("checkoutForm.lineItems must be a non-empty list")
    item_maps = [payload.as_mapping(item, f"checkoutForm.lineItems[{index}]") for index, item in enumerate(items)]
    bought_at = [
        payload.aware_datetime(item, "boughtAt", f"checkoutForm.lineItems[{index}]")
        for index, item in enumerate(item_maps)
    ]
    customer_name = (
        buyer_name
        or payload.text(buyer, "companyName", "checkoutForm.buyer")
        or payload.text(buyer, "login", "checkoutForm.buyer")
    )
    phone = payload.text(buyer, "phoneNumber", "checkoutForm.buyer") or payload.text(
        delivery_address, "phoneNumber", "checkoutForm.delivery.address"
    )
    payment = payload.optional_mapping(form.get("payment"), "checkoutForm.payment")
    preferences = payload.optional_mapping(buyer.get("preferences"), "checkoutForm.buyer.preferences")
    return OrderSnapshot(
        external_id=external_id,
        code=external_id,
        customer_name=customer_name,
        customer_email=payload.text(buyer, "email", "checkoutForm.buyer").lower(),
        currency=total.currency,
        total=total,
        ordered_at=min(bought_at),
        lines=tuple(_line(item, f"checkoutForm.lineItems[{index}]") for index, item in enumerate(item_maps)),
        customer_phone=phone,
        billing_address=billing,
        shipping_address=shipping if _has_address(shipping) else billing,
        language=_language(payload.text(preferences, "language", "checkoutForm.buyer.preferences")),
        paid_at=payload.optional_datetime(payment, "finishedAt", "checkoutForm.payment"),
    )


def _line(item: Mapping[str, Any], path: str) -> OrderLineSnapshot:
    offer = payload.as_mapping(payload.required(item, "offer", path), f"{path}.offer")
    external = payload.optional_mapping(offer.get("external"), f"{path}.offer.external")
    tax = payload.optional_mapping(item.get("tax"), f"{path}.tax")
    return OrderLineSnapshot(
        external_id=payload.required_text(item, "id", path),
        name=payload.required_text(offer, "name", f"{path}.offer"),
        quantity=payload.decimal(item, "quantity", path),
        unit_price=_money(payload.required(item, "price", path), f"{path}.price"),
        vat_rate=payload.decimal(tax, "rate", f"{path}.tax") if tax.get("rate") not in (None, "") else Decimal("0.00"),
        product_code=payload.text(external, "id", f"{path}.offer.external")
        or payload.text(offer, "id", f"{path}.offer"),
    )


def _billing_address(form: Mapping[str, Any], buyer: Mapping[str, Any], buyer_name: str) -> AddressSnapshot:
    invoice = payload.optional_mapping(form.get("invoice"), "checkoutForm.invoice")
    invoice_address = payload.optional_mapping(invoice.get("address"), "checkoutForm.invoice.address")
    if invoice.get("required") is True and invoice_address:
        path = "checkoutForm.invoice.address"
        company = payload.optional_mapping(invoice_address.get("company"), f"{path}.company")
        person = payload.optional_mapping(invoice_address.get("naturalPerson"), f"{path}.naturalPerson")
        address = _address(invoice_address, path, zip_key="zipCode")
        return AddressSnapshot(
            full_name=_name(person, f"{path}.naturalPerson"),
            company=payload.text(company, "name", f"{path}.company"),
            street=address.street,
            city=address.city,
            zip_code=address.zip_code,
            country_code=address.country_code,
        )
    address = _address(
        payload.optional_mapping(buyer.get("address"), "checkoutForm.buyer.address"),
        "checkoutForm.buyer.address",
        zip_key="postCode",
    )
    return AddressSnapshot(
        full_name=buyer_name,
        company=payload.text(buyer, "companyName", "checkoutForm.buyer"),
        street=address.street,
        city=address.city,
        zip_code=address.zip_code,
        country_code=address.country_code,
    )


def _address(address: Mapping[str, Any], path: str, *, zip_key: str) -> AddressSnapshot:
    """An Allegro address; the buyer's own address names its postcode ``postCode``, the others ``zipCode``."""
    return AddressSnapshot(
        full_name=_name(address, path),
        company=payload.text(address, "companyName", path),
        street=payload.text(address, "street", path),
        city=payload.text(address, "city", path),
        zip_code=payload.text(address, zip_key, path),
        country_code=payload.text(address, "countryCode", path).upper(),
    )


def _name(data: Mapping[str, Any], path: str) -> str:
    return " ".join(
        part for part in (payload.text(data, "firstName", path), payload.text(data, "lastName", path)) if part
    )


def _has_address(address: AddressSnapshot) -> bool:
    return bool(address.street or address.city or address.zip_code)


def _language(tag: str) -> str:
    """The primary subtag in lower case (``pl-PL`` → ``pl``), as the core stores languages."""
    return tag.replace("_", "-").split("-")[0].lower()


def _money(value: Any, path: str) -> Money:
    money = payload.as_mapping(value, path)
    return Money(payload.decimal(money, "amount", path), payload.currency(money, "currency", path))
