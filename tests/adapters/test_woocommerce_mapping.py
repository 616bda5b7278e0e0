import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from adapters.woocommerce_bridge.errors import PayloadError
from adapters.woocommerce_bridge.mapping import map_order, parse_json
from retino_core.money import Money
from retino_core.platforms.interface import AddressSnapshot
from tests.adapters.examples import example_bytes

SAN_FRANCISCO = AddressSnapshot(
    full_name="John Doe",
    company="",
    street="969 Market",
    city="San Francisco",
    zip_code="94103",
    country_code="US",
)


def _order():
    """woocommerce/examples/order-webhook-payload.order.created.json, parsed the way the webhook view will."""
    return parse_json(example_bytes("woocommerce", "order-webhook-payload.order.created.json"))


def test_maps_order_webhook_example():
    snapshot = map_order(_order())

    assert snapshot.external_id == "727"
    assert snapshot.code == "727"
    assert snapshot.customer_name == "John Doe"
    assert snapshot.customer_email == "john.doe@example.com"
    assert snapshot.customer_phone == "(555) 555-5555"
    assert snapshot.currency == "USD"
    assert snapshot.total == Money(Decimal("29.35"), "USD")
    assert snapshot.ordered_at == datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC)
    assert snapshot.paid_at == datetime(2017, 3, 22, 19, 28, 8, tzinfo=UTC)
    assert snapshot.delivered_at is None
    assert snapshot.language == ""
    assert snapshot.billing_address == SAN_FRANCISCO
    assert snapshot.shipping_address == SAN_FRANCISCO


def test_maps_line_items_only_with_gross_unit_price():
    snapshot = map_order(_order())

    assert len(snapshot.lines) == 2
    first, second = snapshot.lines
    assert first.external_id == "315"
    assert first.name == "Woo Single #1"
    assert first.quantity == Decimal("2")
    assert type(first.quantity) is Decimal
    # (total 6.00 + total_tax 0.45) / 2 = 3.225 -> 3.23
    assert first.unit_price == Money(Decimal("3.23"), "USD")
    assert first.vat_rate == Decimal("7.50")
    assert first.product_code == ""
    assert second.external_id == "316"
    assert second.name == "Ship Your Idea – Color: Black, Size: M Test"
    assert second.quantity == Decimal("1")
    assert second.unit_price == Money(Decimal("12.90"), "USD")
    assert second.vat_rate == Decimal("7.50")
    assert second.product_code == "Bar3"


def test_compact_raw_body_maps_to_the_same_snapshot():
    raw = example_bytes("woocommerce", "order-webhook-payload.order.created.raw-body.json")
    assert b"\\/" in raw

    assert map_order(parse_json(raw)) == map_order(_order())


def test_rate_percent_of_tax_line_is_used_when_present():
    order = _order()
    order["tax_lines"][0]["rate_percent"] = 21

    snapshot = map_order(order)

    assert snapshot.lines[0].vat_rate == Decimal("21")
    assert snapshot.lines[1].vat_rate == Decimal("21")


def test_untaxed_line_has_zero_vat_rate():
    order = _order()
    line = order["line_items"][0]
    line.update({"subtotal_tax": "0.00", "total_tax": "0.00", "taxes": []})

    snapshot = map_order(order)

    assert snapshot.lines[0].vat_rate == Decimal("0.00")
    assert snapshot.lines[0].unit_price == Money(Decimal("3.00"), "USD")


def test_json_number_amounts_are_decimal_not_float():
    raw = example_bytes("woocommerce", "order-webhook-payload.order.created.raw-body.json")
    raw = raw.replace(b'"total":"29.35"', b'"total":29.35', 1)
    assert b'"total":29.35' in raw

    snapshot = map_order(parse_json(raw))

    assert snapshot.total == Money(Decimal("29.35"), "USD")


def test_float_amount_from_plain_json_raises_payload_error():
    order = json.loads(example_bytes("woocommerce", "order-webhook-payload.order.created.json"))
    order["total"] = 29.35

    with pytest.raises(PayloadError, match=r"order\.total is a float"):
        map_order(order)


def test_empty_shipping_address_falls_back_to_billing():
    order = _order()
    order["shipping"] = {key: "" for key in order["shipping"]}
    order["billing"]["address_2"] = "Suite 5"

    snapshot = map_order(order)

    assert snapshot.shipping_address.street == "969 Market, Suite 5"
    assert snapshot.shipping_address == snapshot.billing_address


def test_other_shipping_address_is_kept():
    order = _order()
    order["shipping"].update(
        first_name="Jana", last_name="Nová", address_1="Masarykova 7", city="Brno", postcode="602 00", country="cz"
    )

    snapshot = map_order(order)

    assert snapshot.shipping_address == AddressSnapshot(
        full_name="Jana Nová", street="Masarykova 7", city="Brno", zip_code="602 00", country_code="CZ"
    )
    assert snapshot.customer_name == "John Doe"


def test_email_is_lower_cased_and_unpaid_order_has_no_paid_at():
    order = _order()
    order["billing"]["email"] = "John.Doe@Example.COM"
    order["date_paid_gmt"] = None

    snapshot = map_order(order)

    assert snapshot.customer_email == "john.doe@example.com"
    assert snapshot.paid_at is None


def test_gmt_date_with_offset_is_converted_to_utc():
    order = _order()
    order["date_created_gmt"] = "2017-03-22T20:28:02+01:00"

    assert map_order(order).ordered_at == datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("id", r"order\.id is missing"),
        ("currency", r"order\.currency is missing"),
        ("total", r"order\.total is missing"),
        ("date_created_gmt", r"order\.date_created_gmt is missing"),
        ("line_items", r"order\.line_items is missing"),
    ],
)
def test_missing_order_field_raises_payload_error(key, message):
    order = _order()
    del order[key]

    with pytest.raises(PayloadError, match=message):
        map_order(order)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("id", r"order\.line_items\[0\]\.id is missing"),
        ("quantity", r"order\.line_items\[0\]\.quantity is missing"),
        ("total", r"order\.line_items\[0\]\.total is missing"),
        ("total_tax", r"order\.line_items\[0\]\.total_tax is missing"),
    ],
)
def test_missing_line_field_raises_payload_error(key, message):
    order = _order()
    del order["line_items"][0][key]

    with pytest.raises(PayloadError, match=message):
        map_order(order)


def test_zero_quantity_raises_payload_error():
    order = _order()
    order["line_items"][0]["quantity"] = 0

    with pytest.raises(PayloadError, match=r"order\.line_items\[0\]\.quantity must be positive"):
        map_order(order)


def test_wrong_shapes_raise_payload_error():
    order = _order()
    order["billing"] = "John"
    with pytest.raises(PayloadError, match=r"order\.billing must be an object"):
        map_order(order)

    order = _order()
    order["date_created_gmt"] = "yesterday"
    with pytest.raises(PayloadError, match=r"order\.date_created_gmt is not an ISO 8601 datetime"):
        map_order(order)

    with pytest.raises(PayloadError, match="order must be an object"):
        map_order("727")


def test_parse_json_rejects_non_json_bodies():
    with pytest.raises(PayloadError, match="body is not valid JSON"):
        parse_json(example_bytes("woocommerce", "webhook-ping.body.txt"))
    with pytest.raises(PayloadError, match="JSON constant Infinity is not an amount"):
        parse_json(b'{"total": Infinity}')
