"""Translate a Shoptet order (``GET /api/orders/{code}`` → ``data.order``) into an :class:`OrderSnapshot`.

Pure functions, no I/O. Shoptet sends amounts as decimal strings (``"121.00"``), quantities as
decimal strings or numbers, and datetimes with a ``+0100``-style offset. Anything a returns case
needs that is missing or malformed raises :class:`PayloadError`, never ``KeyError``/``TypeError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.shoptet.errors import PayloadError
from retino_core.money import Money
from retino_core.platforms import payload
from retino_core.platforms.interface import AddressSnapshot, OrderLineSnapshot, OrderSnapshot
from retino_core.platforms.payload import parse_json

__all__ = ["PRODUCT_ITEM_TYPES", "map_order", "parse_json"]

#: ``items[].itemType`` values that are goods or services a shopper can return or complain about.
#: Left out: ``shipping``, ``billing`` (payment fee), ``discount-coupon``, ``volume-discount``,
#: ``gift-certificate``, ``deposit``, ``generic-item`` and ``product-set-item`` (a component of a
#: ``product-set`` row that is already counted).
PRODUCT_ITEM_TYPES = frozenset({"product", "product-set", "bazar", "service", "gift"})


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
    order = payload.as_mapping(order, "order")
    code = payload.required_text(order, "code", "order")
    price = payload.as_mapping(payload.required(order, "price", "order"), "order.price")
    currency = payload.currency(price, "currencyCode", "order.price")
    billing = _address(order.get("billingAddress"), "order.billingAddress")
    delivery = _address(order.get("deliveryAddress"), "order.deliveryAddress")
    shipping = delivery if _has_address(delivery) else billing
    items = payload.required(order, "items", "order")
    if not isinstance(items, list):
        raise PayloadError("order.items must be a list")
    lines = tuple(
        _line(payload.as_mapping(item, f"order.items[{index}]"), currency, f"order.items[{index}]")
        for index, item in enumerate(items)
        if _item_type(item, f"order.items[{index}]") in PRODUCT_ITEM_TYPES
    )
    return OrderSnapshot(
        external_id=code,
        code=code,
        customer_name=billing.full_name or delivery.full_name or billing.company,
        customer_email=payload.text(order, "email", "order").lower(),
        currency=currency,
        total=Money(payload.decimal(price, "withVat", "order.price"), currency),
        ordered_at=payload.aware_datetime(order, "creationTime", "order"),
        lines=lines,
        customer_phone=payload.text(order, "phone", "order"),
        billing_address=billing,
        shipping_address=shipping,
        language=_language(payload.text(order, "language", "order")),
    )


def _line(item: Mapping[str, Any], currency: str, path: str) -> OrderLineSnapshot:
    unit_price = payload.as_mapping(payload.required(item, "unitPrice", path), f"{path}.unitPrice")
    code = payload.text(item, "code", path)
    return OrderLineSnapshot(
        external_id=payload.required_text(item, "itemId", path),
        name=payload.text(item, "name", path) or code,
        quantity=payload.decimal(item, "amount", path),
        unit_price=Money(payload.decimal(unit_price, "withVat", f"{path}.unitPrice"), currency),
        vat_rate=payload.decimal(unit_price, "vatRate", f"{path}.unitPrice"),
        product_code=code,
        ean=payload.text(item, "ean", path),
        variant_name=payload.text(item, "variantName", path),
    )


def _item_type(item: Any, path: str) -> str:
    return payload.required_text(payload.as_mapping(item, path), "itemType", path)


def _address(value: Any, path: str) -> AddressSnapshot:
    if value is None:
        return AddressSnapshot()
    address = payload.as_mapping(value, path)
    street = payload.text(address, "street", path)
    house_number = payload.text(address, "houseNumber", path)
    return AddressSnapshot(
        full_name=payload.text(address, "fullName", path),
        company=payload.text(address, "company", path),
        street=" ".join(part for part in (street, house_number) if part),
        city=payload.text(address, "city", path),
        zip_code=payload.text(address, "zip", path),
        country_code=payload.text(address, "countryCode", path).upper(),
    )


def _has_address(address: AddressSnapshot) -> bool:
    return bool(address.street or address.city or address.zip_code)


def _language(tag: str) -> str:
    """The primary subtag in lower case (``cs-CZ`` → ``cs``), as the core stores languages."""
    return tag.replace("_", "-").split("-")[0].lower()
