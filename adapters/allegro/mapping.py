"""Translate an Allegro checkout form (``GET /order/checkout-forms/{id}``) into an :class:`OrderSnapshot`.

Pure functions, no I/O. Allegro sends every amount as ``{"amount": "123.45", "currency": "PLN"}``
with a decimal string, and datetimes in UTC with a ``Z`` suffix. Missing or malformed required
fields raise :class:`PayloadError`, never ``KeyError``/``TypeError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from adapters.allegro.errors import PayloadError
from retino_core.money import Money, to_decimal
from retino_core.platforms.interface import AddressSnapshot, OrderLineSnapshot, OrderSnapshot


def parse_json(raw: bytes) -> Any:
    """Decode an Allegro body; a number with a fraction becomes a ``Decimal``, never a float."""
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except PayloadError:
        raise
    except (ValueError, RecursionError) as error:
        raise PayloadError(f"body is not valid JSON: {error}") from error


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
    form = _mapping(checkout_form, "checkoutForm")
    external_id = _required_text(form, "id", "checkoutForm")
    summary = _mapping(_required(form, "summary", "checkoutForm"), "checkoutForm.summary")
    total = _money(_required(summary, "totalToPay", "checkoutForm.summary"), "checkoutForm.summary.totalToPay")
    buyer = _optional_mapping(form.get("buyer"), "checkoutForm.buyer")
    buyer_name = _name(buyer, "checkoutForm.buyer")
    billing = _billing_address(form, buyer, buyer_name)
    delivery = _optional_mapping(form.get("delivery"), "checkoutForm.delivery")
    delivery_address = _optional_mapping(delivery.get("address"), "checkoutForm.delivery.address")
    shipping = _address(delivery_address, "checkoutForm.delivery.address", zip_key="zipCode")
    items = _required(form, "lineItems", "checkoutForm")
    if not isinstance(items, list) or not items:
        raise PayloadError("checkoutForm.lineItems must be a non-empty list")
    item_maps = [_mapping(item, f"checkoutForm.lineItems[{index}]") for index, item in enumerate(items)]
    bought_at = [
        _datetime(item, "boughtAt", f"checkoutForm.lineItems[{index}]") for index, item in enumerate(item_maps)
    ]
    customer_name = (
        buyer_name or _text(buyer, "companyName", "checkoutForm.buyer") or _text(buyer, "login", "checkoutForm.buyer")
    )
    phone = _text(buyer, "phoneNumber", "checkoutForm.buyer") or _text(
        delivery_address, "phoneNumber", "checkoutForm.delivery.address"
    )
    payment = _optional_mapping(form.get("payment"), "checkoutForm.payment")
    preferences = _optional_mapping(buyer.get("preferences"), "checkoutForm.buyer.preferences")
    return OrderSnapshot(
        external_id=external_id,
        code=external_id,
        customer_name=customer_name,
        customer_email=_text(buyer, "email", "checkoutForm.buyer").lower(),
        currency=total.currency,
        total=total,
        ordered_at=min(bought_at),
        lines=tuple(_line(item, f"checkoutForm.lineItems[{index}]") for index, item in enumerate(item_maps)),
        customer_phone=phone,
        billing_address=billing,
        shipping_address=shipping if _has_address(shipping) else billing,
        language=_language(_text(preferences, "language", "checkoutForm.buyer.preferences")),
        paid_at=_optional_datetime(payment, "finishedAt", "checkoutForm.payment"),
    )


def _line(item: Mapping[str, Any], path: str) -> OrderLineSnapshot:
    offer = _mapping(_required(item, "offer", path), f"{path}.offer")
    external = _optional_mapping(offer.get("external"), f"{path}.offer.external")
    tax = _optional_mapping(item.get("tax"), f"{path}.tax")
    return OrderLineSnapshot(
        external_id=_required_text(item, "id", path),
        name=_required_text(offer, "name", f"{path}.offer"),
        quantity=_decimal(item, "quantity", path),
        unit_price=_money(_required(item, "price", path), f"{path}.price"),
        vat_rate=_decimal(tax, "rate", f"{path}.tax") if tax.get("rate") not in (None, "") else Decimal("0.00"),
        product_code=_text(external, "id", f"{path}.offer.external") or _text(offer, "id", f"{path}.offer"),
    )


def _billing_address(form: Mapping[str, Any], buyer: Mapping[str, Any], buyer_name: str) -> AddressSnapshot:
    invoice = _optional_mapping(form.get("invoice"), "checkoutForm.invoice")
    invoice_address = _optional_mapping(invoice.get("address"), "checkoutForm.invoice.address")
    if invoice.get("required") is True and invoice_address:
        path = "checkoutForm.invoice.address"
        company = _optional_mapping(invoice_address.get("company"), f"{path}.company")
        person = _optional_mapping(invoice_address.get("naturalPerson"), f"{path}.naturalPerson")
        address = _address(invoice_address, path, zip_key="zipCode")
        return AddressSnapshot(
            full_name=_name(person, f"{path}.naturalPerson"),
            company=_text(company, "name", f"{path}.company"),
            street=address.street,
            city=address.city,
            zip_code=address.zip_code,
            country_code=address.country_code,
        )
    address = _address(
        _optional_mapping(buyer.get("address"), "checkoutForm.buyer.address"),
        "checkoutForm.buyer.address",
        zip_key="postCode",
    )
    return AddressSnapshot(
        full_name=buyer_name,
        company=_text(buyer, "companyName", "checkoutForm.buyer"),
        street=address.street,
        city=address.city,
        zip_code=address.zip_code,
        country_code=address.country_code,
    )


def _address(address: Mapping[str, Any], path: str, *, zip_key: str) -> AddressSnapshot:
    """An Allegro address; the buyer's own address names its postcode ``postCode``, the others ``zipCode``."""
    return AddressSnapshot(
        full_name=_name(address, path),
        company=_text(address, "companyName", path),
        street=_text(address, "street", path),
        city=_text(address, "city", path),
        zip_code=_text(address, zip_key, path),
        country_code=_text(address, "countryCode", path).upper(),
    )


def _name(data: Mapping[str, Any], path: str) -> str:
    return " ".join(part for part in (_text(data, "firstName", path), _text(data, "lastName", path)) if part)


def _has_address(address: AddressSnapshot) -> bool:
    return bool(address.street or address.city or address.zip_code)


def _language(tag: str) -> str:
    """The primary subtag in lower case (``pl-PL`` → ``pl``), as the core stores languages."""
    return tag.replace("_", "-").split("-")[0].lower()


def _money(value: Any, path: str) -> Money:
    money = _mapping(value, path)
    return Money(_decimal(money, "amount", path), _currency(money, "currency", path))


def _reject_constant(name: str) -> Any:
    raise PayloadError(f"JSON constant {name} is not an amount")


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError(f"{path} must be an object")
    return value


def _optional_mapping(value: Any, path: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    return _mapping(value, path)


def _required(data: Mapping[str, Any], key: str, path: str) -> Any:
    value = data.get(key)
    if value is None or value == "":
        raise PayloadError(f"{path}.{key} is missing")
    return value


def _text(data: Mapping[str, Any], key: str, path: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PayloadError(f"{path}.{key} must be a string")
    return str(value).strip()


def _required_text(data: Mapping[str, Any], key: str, path: str) -> str:
    text = _text(data, key, path)
    if not text:
        raise PayloadError(f"{path}.{key} is missing")
    return text


def _decimal(data: Mapping[str, Any], key: str, path: str) -> Decimal:
    value = _required(data, key, path)
    if isinstance(value, bool):
        raise PayloadError(f"{path}.{key} must be a number")
    try:
        number = to_decimal(value)
    except TypeError as error:
        raise PayloadError(f"{path}.{key} is a float; parse the body with parse_json") from error
    except (ValueError, ArithmeticError) as error:
        raise PayloadError(f"{path}.{key} is not a number: {value!r}") from error
    if not number.is_finite():
        raise PayloadError(f"{path}.{key} is not a finite number")
    return number


def _currency(data: Mapping[str, Any], key: str, path: str) -> str:
    currency = _required_text(data, key, path)
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise PayloadError(f"{path}.{key} is not an ISO 4217 code: {currency!r}")
    return currency.upper()


def _datetime(data: Mapping[str, Any], key: str, path: str) -> datetime:
    text = _required_text(data, key, path)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise PayloadError(f"{path}.{key} is not an ISO 8601 datetime: {text!r}") from error
    if moment.tzinfo is None:
        raise PayloadError(f"{path}.{key} has no UTC offset: {text!r}")
    return moment.astimezone(UTC)


def _optional_datetime(data: Mapping[str, Any], key: str, path: str) -> datetime | None:
    if data.get(key) in (None, ""):
        return None
    return _datetime(data, key, path)
