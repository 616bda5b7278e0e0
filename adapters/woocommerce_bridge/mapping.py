"""Translate a WooCommerce wc/v3 order (REST response or ``order.*`` webhook body) into an :class:`OrderSnapshot`.

Pure functions, no I/O. WooCommerce sends most amounts as strings but some (``line_items[].price``)
as JSON numbers, so bodies are parsed with :func:`parse_json` (``parse_float=Decimal``). The
``*_gmt`` datetimes carry no offset and are UTC. Missing or malformed required fields raise
:class:`PayloadError`, never ``KeyError``/``TypeError``.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from adapters.woocommerce_bridge.errors import PayloadError
from retino_core.money import CENT, Money, quantize_amount, to_decimal
from retino_core.platforms.interface import AddressSnapshot, OrderLineSnapshot, OrderSnapshot

_HUNDRED = Decimal(100)


def parse_json(raw: bytes) -> Any:
    """Decode a WooCommerce body; a number with a fraction becomes a ``Decimal``, never a float."""
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except PayloadError:
        raise
    except (ValueError, RecursionError) as error:
        raise PayloadError(f"body is not valid JSON: {error}") from error


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
    order = _mapping(order, "order")
    external_id = _required_text(order, "id", "order")
    currency = _currency(order, "currency", "order")
    billing_data = _optional_mapping(order.get("billing"), "order.billing")
    billing = _address(billing_data, "order.billing")
    shipping = _address(_optional_mapping(order.get("shipping"), "order.shipping"), "order.shipping")
    rates = _rates_by_id(order.get("tax_lines"))
    items = _required(order, "line_items", "order")
    if not isinstance(items, list):
        raise PayloadError("order.line_items must be a list")
    lines = tuple(
        _line(_mapping(item, f"order.line_items[{index}]"), currency, rates, f"order.line_items[{index}]")
        for index, item in enumerate(items)
    )
    return OrderSnapshot(
        external_id=external_id,
        code=_text(order, "number", "order") or external_id,
        customer_name=billing.full_name or shipping.full_name or billing.company,
        customer_email=_text(billing_data, "email", "order.billing").lower(),
        currency=currency,
        total=Money(_decimal(order, "total", "order"), currency),
        ordered_at=_utc_datetime(order, "date_created_gmt", "order"),
        lines=lines,
        customer_phone=_text(billing_data, "phone", "order.billing"),
        billing_address=billing,
        shipping_address=shipping if _has_address(shipping) else billing,
        paid_at=_optional_utc_datetime(order, "date_paid_gmt", "order"),
    )


def _line(item: Mapping[str, Any], currency: str, rates: Mapping[str, Decimal], path: str) -> OrderLineSnapshot:
    quantity = _decimal(item, "quantity", path)
    if quantity <= 0:
        raise PayloadError(f"{path}.quantity must be positive, got {quantity}")
    net = _decimal(item, "total", path)
    tax = _decimal(item, "total_tax", path)
    return OrderLineSnapshot(
        external_id=_required_text(item, "id", path),
        name=html.unescape(_text(item, "name", path)),
        quantity=quantity,
        unit_price=Money(quantize_amount((net + tax) / quantity), currency),
        vat_rate=_vat_rate(item, rates, path),
        product_code=_text(item, "sku", path),
    )


def _vat_rate(item: Mapping[str, Any], rates: Mapping[str, Decimal], path: str) -> Decimal:
    taxes = item.get("taxes") or []
    if not isinstance(taxes, list):
        raise PayloadError(f"{path}.taxes must be a list")
    applied_ids = []
    for index, tax in enumerate(taxes):
        tax_path = f"{path}.taxes[{index}]"
        tax = _mapping(tax, tax_path)
        amounts = [_decimal(tax, key, tax_path) for key in ("total", "subtotal") if tax.get(key) not in (None, "")]
        if any(amounts):
            applied_ids.append(_required_text(tax, "id", tax_path))
    if not applied_ids:
        return Decimal("0.00")
    if all(rate_id in rates for rate_id in applied_ids):
        return sum((rates[rate_id] for rate_id in applied_ids), Decimal("0.00"))
    for net_key, tax_key in (("subtotal", "subtotal_tax"), ("total", "total_tax")):
        if item.get(net_key) in (None, "") or item.get(tax_key) in (None, ""):
            continue
        net = _decimal(item, net_key, path)
        if net != 0:
            return (_decimal(item, tax_key, path) * _HUNDRED / net).quantize(CENT)
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
        tax_line = _mapping(tax_line, path)
        if tax_line.get("rate_percent") in (None, ""):
            continue
        rates[_required_text(tax_line, "rate_id", path)] = _decimal(tax_line, "rate_percent", path)
    return rates


def _address(address: Mapping[str, Any], path: str) -> AddressSnapshot:
    name = " ".join(part for part in (_text(address, "first_name", path), _text(address, "last_name", path)) if part)
    street = ", ".join(part for part in (_text(address, "address_1", path), _text(address, "address_2", path)) if part)
    return AddressSnapshot(
        full_name=name,
        company=_text(address, "company", path),
        street=street,
        city=_text(address, "city", path),
        zip_code=_text(address, "postcode", path),
        country_code=_text(address, "country", path).upper(),
    )


def _has_address(address: AddressSnapshot) -> bool:
    return bool(address.street or address.city or address.zip_code)


def _reject_constant(name: str) -> Any:
    raise PayloadError(f"JSON constant {name} is not an amount")


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError(f"{path} must be an object")
    return value


def _optional_mapping(value: Any, path: str) -> Mapping[str, Any]:
    """WooCommerce sends ``[]`` (an empty PHP array) where an object is empty."""
    if value is None or value == []:
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


def _utc_datetime(data: Mapping[str, Any], key: str, path: str) -> datetime:
    """A ``*_gmt`` field: no offset in the text, and the value is UTC."""
    text = _required_text(data, key, path)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise PayloadError(f"{path}.{key} is not an ISO 8601 datetime: {text!r}") from error
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _optional_utc_datetime(data: Mapping[str, Any], key: str, path: str) -> datetime | None:
    if data.get(key) in (None, ""):
        return None
    return _utc_datetime(data, key, path)
