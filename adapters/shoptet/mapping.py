"""Translate a Shoptet order (``GET /api/orders/{code}`` → ``data.order``) into an :class:`OrderSnapshot`.

Pure functions, no I/O. Shoptet sends amounts as decimal strings (``"121.00"``), quantities as
decimal strings or numbers, and datetimes with a ``+0100``-style offset. Anything a returns case
needs that is missing or malformed raises :class:`PayloadError`, never ``KeyError``/``TypeError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from adapters.shoptet.errors import PayloadError
from retino_core.money import Money, to_decimal
from retino_core.platforms.interface import AddressSnapshot, OrderLineSnapshot, OrderSnapshot

#: ``items[].itemType`` values that are goods or services a shopper can return or complain about.
#: Left out: ``shipping``, ``billing`` (payment fee), ``discount-coupon``, ``volume-discount``,
#: ``gift-certificate``, ``deposit``, ``generic-item`` and ``product-set-item`` (a component of a
#: ``product-set`` row that is already counted).
PRODUCT_ITEM_TYPES = frozenset({"product", "product-set", "bazar", "service", "gift"})


def parse_json(raw: bytes) -> Any:
    """Decode a Shoptet body; a number with a fraction becomes a ``Decimal``, never a float."""
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except PayloadError:
        raise
    except (ValueError, RecursionError) as error:
        raise PayloadError(f"body is not valid JSON: {error}") from error


def map_order(order: Mapping[str, Any]) -> OrderSnapshot:
    """Map ``data.order`` of the order-detail response to a snapshot.

    - ``external_id`` and ``code`` are both the order ``code``: it is what ``GET /api/orders/{code}``
      takes and what webhooks carry as ``eventInstance``.
    - The total is ``price.withVat`` in ``price.currencyCode``.
    - The customer name is ``billingAddress.fullName`` (then the delivery name, then the company).
    - The shipping address is ``deliveryAddress``; Shoptet leaves it null when it equals the
      billing address, so an empty one falls back to ``billingAddress``.
    - Only product-like items (:data:`PRODUCT_ITEM_TYPES`) become lines; the unit price is
      ``unitPrice.withVat`` and the VAT rate ``unitPrice.vatRate``.
    - ``paid_at`` and ``delivered_at`` stay None: the order carries only a ``paid`` flag and no dates.
    """
    order = _mapping(order, "order")
    code = _required_text(order, "code", "order")
    price = _mapping(_required(order, "price", "order"), "order.price")
    currency = _currency(price, "currencyCode", "order.price")
    billing = _address(order.get("billingAddress"), "order.billingAddress")
    delivery = _address(order.get("deliveryAddress"), "order.deliveryAddress")
    shipping = delivery if _has_address(delivery) else billing
    items = _required(order, "items", "order")
    if not isinstance(items, list):
        raise PayloadError("order.items must be a list")
    lines = tuple(
        _line(_mapping(item, f"order.items[{index}]"), currency, f"order.items[{index}]")
        for index, item in enumerate(items)
        if _item_type(item, f"order.items[{index}]") in PRODUCT_ITEM_TYPES
    )
    return OrderSnapshot(
        external_id=code,
        code=code,
        customer_name=billing.full_name or delivery.full_name or billing.company,
        customer_email=_text(order, "email", "order").lower(),
        currency=currency,
        total=Money(_decimal(price, "withVat", "order.price"), currency),
        ordered_at=_datetime(order, "creationTime", "order"),
        lines=lines,
        customer_phone=_text(order, "phone", "order"),
        billing_address=billing,
        shipping_address=shipping,
        language=_language(_text(order, "language", "order")),
    )


def _line(item: Mapping[str, Any], currency: str, path: str) -> OrderLineSnapshot:
    unit_price = _mapping(_required(item, "unitPrice", path), f"{path}.unitPrice")
    code = _text(item, "code", path)
    return OrderLineSnapshot(
        external_id=_required_text(item, "itemId", path),
        name=_text(item, "name", path) or code,
        quantity=_decimal(item, "amount", path),
        unit_price=Money(_decimal(unit_price, "withVat", f"{path}.unitPrice"), currency),
        vat_rate=_decimal(unit_price, "vatRate", f"{path}.unitPrice"),
        product_code=code,
        ean=_text(item, "ean", path),
        variant_name=_text(item, "variantName", path),
    )


def _item_type(item: Any, path: str) -> str:
    return _required_text(_mapping(item, path), "itemType", path)


def _address(value: Any, path: str) -> AddressSnapshot:
    if value is None:
        return AddressSnapshot()
    address = _mapping(value, path)
    street = _text(address, "street", path)
    house_number = _text(address, "houseNumber", path)
    return AddressSnapshot(
        full_name=_text(address, "fullName", path),
        company=_text(address, "company", path),
        street=" ".join(part for part in (street, house_number) if part),
        city=_text(address, "city", path),
        zip_code=_text(address, "zip", path),
        country_code=_text(address, "countryCode", path).upper(),
    )


def _has_address(address: AddressSnapshot) -> bool:
    return bool(address.street or address.city or address.zip_code)


def _language(tag: str) -> str:
    """The primary subtag in lower case (``cs-CZ`` → ``cs``), as the core stores languages."""
    return tag.replace("_", "-").split("-")[0].lower()


def _reject_constant(name: str) -> Any:
    raise PayloadError(f"JSON constant {name} is not an amount")


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError(f"{path} must be an object")
    return value


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
