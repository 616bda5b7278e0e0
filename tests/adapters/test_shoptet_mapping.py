import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from adapters.shoptet.errors import PayloadError
from adapters.shoptet.mapping import map_order, parse_json
from retino_core.money import Money
from retino_core.platforms.interface import AddressSnapshot
from tests.adapters.examples import example_bytes


def _order():
    """``data.order`` of shoptet/examples/order-detail.response.json, parsed the way the client will."""
    return parse_json(example_bytes("shoptet", "order-detail.response.json"))["data"]["order"]


def _item(item_type, item_id, **overrides):
    item = {
        "itemId": item_id,
        "itemType": item_type,
        "code": None,
        "name": item_type,
        "amount": "1.000",
        "unitPrice": {"withVat": "59.00", "withoutVat": "48.76", "vat": "10.24", "vatRate": "21.00"},
    }
    item.update(overrides)
    return item


def test_maps_order_detail_example():
    snapshot = map_order(_order())

    assert snapshot.external_id == "2017000092"
    assert snapshot.code == "2017000092"
    assert snapshot.customer_name == "John Doe"
    assert snapshot.customer_email == "customer@someemail.com"
    assert snapshot.customer_phone == "+420604600444"
    assert snapshot.currency == "CZK"
    assert snapshot.total == Money(Decimal("242.00"), "CZK")
    assert snapshot.ordered_at == datetime(2018, 5, 29, 7, 2, 27, tzinfo=UTC)
    assert snapshot.ordered_at.utcoffset().total_seconds() == 0
    assert snapshot.language == "cs"
    assert snapshot.paid_at is None
    assert snapshot.delivered_at is None
    assert snapshot.billing_address == AddressSnapshot(
        full_name="John Doe",
        company="Shoptet s.r.o.",
        street="French 123",
        city="Praha 2",
        zip_code="120 00",
        country_code="CZ",
    )
    assert snapshot.shipping_address == snapshot.billing_address


def test_maps_first_product_line_of_example():
    snapshot = map_order(_order())

    assert len(snapshot.lines) == 1
    line = snapshot.lines[0]
    assert line.external_id == "342"
    assert line.name == "Complete  + Addition to the name"
    assert line.quantity == Decimal("1")
    assert type(line.quantity) is Decimal
    assert line.unit_price == Money(Decimal("121.00"), "CZK")
    assert line.vat_rate == Decimal("21.00")
    assert line.product_code == "40/ZEL"
    assert line.ean == "12345678901234"
    assert line.variant_name == "Name"


def test_skips_shipping_billing_and_discount_items():
    order = _order()
    order["items"] += [
        _item("shipping", 897),
        _item("billing", 564),
        _item("discount-coupon", 900, unitPrice={"withVat": "-50.00", "vatRate": "21.00"}),
        _item("volume-discount", 901),
        _item("product-set-item", 902),
        _item("product-set", 903, code="SET-1", name="Set"),
        _item("bazar", 904, code="B-1", name="Used lamp"),
    ]

    snapshot = map_order(order)

    assert [line.external_id for line in snapshot.lines] == ["342", "903", "904"]


def test_fractional_quantity_sent_as_json_number_is_decimal():
    raw = example_bytes("shoptet", "order-detail.response.json").replace(b'"amount": 1,', b'"amount": 2.5,', 1)

    snapshot = map_order(parse_json(raw)["data"]["order"])

    assert snapshot.lines[0].quantity == Decimal("2.5")
    assert type(snapshot.lines[0].quantity) is Decimal


def test_quantity_as_decimal_string():
    order = _order()
    order["items"][0]["amount"] = "1.250"

    assert map_order(order).lines[0].quantity == Decimal("1.250")


def test_float_amount_from_plain_json_raises_payload_error():
    order = json.loads(example_bytes("shoptet", "order-detail.response.json"))["data"]["order"]
    order["items"][0]["amount"] = 1.5

    with pytest.raises(PayloadError, match=r"order\.items\[0\]\.amount is a float"):
        map_order(order)


def test_null_delivery_address_falls_back_to_billing():
    order = _order()
    order["deliveryAddress"] = None
    order["billingAddress"]["street"] = "Dlouhá"
    order["billingAddress"]["houseNumber"] = "5"

    snapshot = map_order(order)

    assert snapshot.shipping_address.street == "Dlouhá 5"
    assert snapshot.shipping_address == snapshot.billing_address


def test_different_delivery_address_is_kept():
    order = _order()
    order["deliveryAddress"] = {"fullName": "Jana Nová", "street": "Masarykova", "houseNumber": "7", "city": "Brno"}

    snapshot = map_order(order)

    assert snapshot.shipping_address == AddressSnapshot(full_name="Jana Nová", street="Masarykova 7", city="Brno")
    assert snapshot.customer_name == "John Doe"


def test_email_is_lower_cased():
    order = _order()
    order["email"] = " Petr.Dvorak@Example.CZ "

    assert map_order(order).customer_email == "petr.dvorak@example.cz"


def test_winter_offset_converted_to_utc():
    order = _order()
    order["creationTime"] = "2024-01-08T15:13:39+0100"

    assert map_order(order).ordered_at == datetime(2024, 1, 8, 14, 13, 39, tzinfo=UTC)


def test_creation_time_without_offset_raises_payload_error():
    order = _order()
    order["creationTime"] = "2024-01-08T15:13:39"

    with pytest.raises(PayloadError, match=r"order\.creationTime has no UTC offset"):
        map_order(order)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (("code",), r"order\.code is missing"),
        (("creationTime",), r"order\.creationTime is missing"),
        (("price",), r"order\.price is missing"),
        (("price", "currencyCode"), r"order\.price\.currencyCode is missing"),
        (("price", "withVat"), r"order\.price\.withVat is missing"),
        (("items",), r"order\.items is missing"),
    ],
)
def test_missing_order_field_raises_payload_error(path, message):
    order = _order()
    target = order
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]

    with pytest.raises(PayloadError, match=message):
        map_order(order)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("itemId", r"order\.items\[0\]\.itemId is missing"),
        ("itemType", r"order\.items\[0\]\.itemType is missing"),
        ("amount", r"order\.items\[0\]\.amount is missing"),
        ("unitPrice", r"order\.items\[0\]\.unitPrice is missing"),
    ],
)
def test_missing_item_field_raises_payload_error(key, message):
    order = _order()
    del order["items"][0][key]

    with pytest.raises(PayloadError, match=message):
        map_order(order)


def test_missing_vat_rate_raises_payload_error():
    order = _order()
    order["items"][0]["unitPrice"]["vatRate"] = None

    with pytest.raises(PayloadError, match=r"order\.items\[0\]\.unitPrice\.vatRate is missing"):
        map_order(order)


def test_wrong_shapes_raise_payload_error():
    order = _order()
    order["items"] = {"0": order["items"][0]}
    with pytest.raises(PayloadError, match=r"order\.items must be a list"):
        map_order(order)

    with pytest.raises(PayloadError, match=r"order must be an object"):
        map_order([])

    order = _order()
    order["price"]["withVat"] = "12,50"
    with pytest.raises(PayloadError, match=r"order\.price\.withVat is not a number"):
        map_order(order)

    order = _order()
    order["price"]["currencyCode"] = "Kč"
    with pytest.raises(PayloadError, match=r"order\.price\.currencyCode is not an ISO 4217 code"):
        map_order(order)


def test_parse_json_rejects_bad_bodies():
    with pytest.raises(PayloadError, match="body is not valid JSON"):
        parse_json(b'{"data": ')
    with pytest.raises(PayloadError, match="body is not valid JSON"):
        parse_json(b"\xc3\x28")
    with pytest.raises(PayloadError, match="JSON constant NaN is not an amount"):
        parse_json(b'{"withVat": NaN}')


def test_payload_error_is_a_value_error():
    assert issubclass(PayloadError, ValueError)
