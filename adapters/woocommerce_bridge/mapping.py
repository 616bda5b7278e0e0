"""Translate a WooCommerce wc/v3 order (REST response or ``order.*`` webhook body) into an :class:`OrderSnapshot`.

Pure functions, no I/O. WooCommerce sends most amounts as strings but some (``line_items[].price``)
as JSON numbers, so bodies are parsed with :func:`parse_json` (``parse_float=Decimal``). The
``*_gmt`` datetimes carry no offset and are UTC, and an empty object (``billing``, ``shipping``)
may arrive as ``[]``, PHP's empty array. Missing or malformed required fields raise
:class:`PayloadError`, never ``KeyError``/``TypeError``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from adapters.woocommerce_bridge.errors import PayloadError
from retino_core.money import CENT, Money, quantize_amount
from retino_core.platforms import payload
from retino_core.platforms.interface import AddressSnapshot, OrderLineSnapshot, OrderSnapshot
from retino_core.platforms.payload import parse_json

__all__ = ["map_order", "parse_json"]

_HUNDRED = Decimal(100)


def map_order(order: Mapping[str, Any]) -> OrderSnapshot:
    """Map a wc/v3 order object to a snapshot.

    - ``external_id`` is the post ``id`` (what ``GET /orders/{id}`` takes); ``code`` is the
      display ``number`` (plugins may change it), falling back to the id.
    - The total is ``total`` in ``currency``; ``ordered_at`` is ``date_created_gmt`` and
      ``paid_at`` is ``date_paid_gmt`` (both UTC). WooCommerce records no delivery date
      (``date_completed`` is when the merchant completed the order), so ``delivered_at`` is None.
    - The customer is ``billing`` (name = ``first_name last_name``, e-mail lower-cased, phone).
      ``shipping`` has no address for orders without shipping; then the billing address is used.
    - Only ``line_items`` become lines (not shipping, fee or coupon lines). ``price`` excludes
      tax, so the gross unit price is ``(total + total_tax) / quantity`` rounded to cents.
    - The VAT rate is the sum of ``tax_lines[].rate_percent`` for the line's ``taxes[].id``
      (= ``rate_id``); older WooCommerce versions send no ``rate_percent``, and then the rate is
      derived from the line's tax and net amount, to two decimals.
    - The store language is not part of the order, so ``language`` stays empty.
    """
    order = payload.as_mapping(order, "order")
    external_id = payload.required_text(order, "id", "order")
    currency = payload.currency(order, "currency", "order")
    billing_data = payload.optional_mapping(order.get("billing"), "order.billing", empty_list_is_empty=True)
    billing = _address(billing_data, "order.billing")
    shipping = _address(
        payload.optional_mapping(order.get("shipping"), "order.shipping", empty_list_is_empty=True), "order.shipping"
    )
    rates = _rates_by_id(order.get("tax_lines"))
    items = payload.required(order, "line_items", "order")
    if not isinstance(items, list):
        raise PayloadError("order.line_items must be a list")
    lines = tuple(
        _line(payload.as_mapping(item, f"order.line_items[{index}]"), currency, rates, f"order.line_items[{index}]")
        for index, item in enumerate(items)
    )
    return OrderSnapshot(
        external_id=external_id,
        code=payload.text(order, "number", "order") or external_id,
        customer_name=billing.full_name or shipping.full_name or billing.company,
        customer_email=payload.text(billing_data, "email", "order.billing").lower(),
        currency=currency,
        total=Money(payload.decimal(order, "total", "order"), currency),
        ordered_at=payload.aware_datetime(order, "date_created_gmt", "order", naive_is_utc=True),
        lines=lines,
        customer_phone=payload.text(billing_data, "phone", "order.billing"),
        billing_address=billing,
        shipping_address=shipping if _has_address(shipping) else billing,
        paid_at=payload.optional_datetime(order, "date_paid_gmt", "order", naive_is_utc=True),
    )


def _line(item: Mapping[str, Any], currency: str, rates: Mapping[str, Decimal], path: str) -> OrderLineSnapshot:
    quantity = payload.decimal(item, "quantity", path)
    if quantity <= 0:
        raise PayloadError(f"{path}.quantity must be positive, got {quantity}")
    net = payload.decimal(item, "total", path)
    tax = payload.decimal(item, "total_tax", path)
    return OrderLineSnapshot(
        external_id=payload.required_text(item, "id", path),
        name=html.unescape(payload.text(item, "name", path)),
        quantity=quantity,
        unit_price=Money(quantize_amount((net + tax) / quantity), currency),
        vat_rate=_vat_rate(item, rates, path),
        product_code=payload.text(item, "sku", path),
    )


def _vat_rate(item: Mapping[str, Any], rates: Mapping[str, Decimal], path: str) -> Decimal:
    taxes = item.get("taxes") or []
    if not isinstance(taxes, list):
        raise PayloadError(f"{path}.taxes must be a list")
    applied_ids = []
    for index, tax in enumerate(taxes):
        tax_path = f"{path}.taxes[{index}]"
        tax = payload.as_mapping(tax, tax_path)
        amounts = [
            payload.decimal(tax, key, tax_path) for key in ("total", "subtotal") if tax.get(key) not in (None, "")
        ]
        if any(amounts):
            applied_ids.append(payload.required_text(tax, "id", tax_path))
    if not applied_ids:
        return Decimal("0.00")
    if all(rate_id in rates for rate_id in applied_ids):
        return sum((rates[rate_id] for rate_id in applied_ids), Decimal("0.00"))
    for net_key, tax_key in (("subtotal", "subtotal_tax"), ("total", "total_tax")):
        if item.get(net_key) in (None, "") or item.get(tax_key) in (None, ""):
            continue
        net = payload.decimal(item, net_key, path)
        if net != 0:
            return (payload.decimal(item, tax_key, path) * _HUNDRED / net).quantize(CENT)
    return Decimal("0.00")


def _rates_by_id(tax_lines: Any) -> dict[str, Decimal]:
    """``rate_id`` → ``rate_percent`` for the order's tax lines that state a percentage."""
    if tax_lines is None:
        return {}
    if not isinstance(tax_lines, list):
        raise PayloadError("order.tax_lines must be a list")
    rates = {}
    for index, tax_line in enumerate(tax_lines):
        path = f"order.tax_lines[{index}]"
        tax_line = payload.as_mapping(tax_line, path)
        if tax_line.get("rate_percent") in (None, ""):
            continue
        rates[payload.required_text(tax_line, "rate_id", path)] = payload.decimal(tax_line, "rate_percent", path)
    return rates


def _address(address: Mapping[str, Any], path: str) -> AddressSnapshot:
    name = " ".join(
        part for part in (payload.text(address, "first_name", path), payload.text(address, "last_name", path)) if part
    )
    street = ", ".join(
        part for part in (payload.text(address, "address_1", path), payload.text(address, "address_2", path)) if part
    )
    return AddressSnapshot(
        full_name=name,
        company=payload.text(address, "company", path),
        street=street,
        city=payload.text(address, "city", path),
        zip_code=payload.text(address, "postcode", path),
        country_code=payload.text(address, "country", path).upper(),
    )


def _has_address(address: AddressSnapshot) -> bool:
    return bool(address.street or address.city or address.zip_code)
