import copy
import importlib.util
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from adapters.allegro.errors import PayloadError
from adapters.allegro.mapping import map_order, parse_json
from retino_core.money import Money
from retino_core.platforms.interface import AddressSnapshot
from tests.adapters.examples import example_bytes


def _form():
    """allegro/examples/checkout-form.json, parsed the way the polling job will."""
    return parse_json(example_bytes("allegro", "checkout-form.json"))


def test_maps_checkout_form_example():
    snapshot = map_order(_form())

    assert snapshot.external_id == "29738e61-7f6a-11e8-ac45-09db60ede9d6"
    assert snapshot.code == "29738e61-7f6a-11e8-ac45-09db60ede9d6"
    assert snapshot.customer_name == "Jan Kowalski"
    assert snapshot.customer_email == "user-email@allegro.pl"
    assert snapshot.customer_phone == "123123123"
    assert snapshot.currency == "PLN"
    assert snapshot.total == Money(Decimal("123.45"), "PLN")
    assert snapshot.ordered_at == datetime(2018, 1, 1, 10, 23, 43, 123000, tzinfo=UTC)
    assert snapshot.paid_at == datetime(2018, 10, 12, 10, 12, 32, 321000, tzinfo=UTC)
    assert snapshot.delivered_at is None
    assert snapshot.language == "pl"
    assert snapshot.billing_address == AddressSnapshot(
        full_name="Jan Kowalski",
        company="Udix Sp. z o.o.",
        street="Grunwaldzka 182",
        city="Poznań",
        zip_code="60-166",
        country_code="PL",
    )
    assert snapshot.shipping_address == AddressSnapshot(
        full_name="Jan Kowalski",
        company="Kowalex",
        street="Grunwaldzka 182",
        city="Poznań",
        zip_code="60-166",
        country_code="PL",
    )


def test_maps_first_line_item_of_example():
    snapshot = map_order(_form())

    assert len(snapshot.lines) == 1
    line = snapshot.lines[0]
    assert line.external_id == "62ae358b-8f65-4fc4-9c77-bedf604a2e2b"
    assert line.name == "Name of purchased offer"
    assert line.quantity == Decimal("1")
    assert type(line.quantity) is Decimal
    assert line.unit_price == Money(Decimal("123.45"), "PLN")
    assert line.vat_rate == Decimal("23.00")
    assert line.product_code == "AH-129834"
    assert line.ean == ""


def test_without_invoice_the_buyer_address_is_billing():
    form = _form()
    form["invoice"] = {"required": False}

    snapshot = map_order(form)

    assert snapshot.billing_address == AddressSnapshot(
        full_name="Jan Kowalski", company="Kowalex", street="Solna", city="Poznań", zip_code="60-166", country_code="PL"
    )


def test_missing_delivery_address_falls_back_to_billing():
    form = _form()
    form["delivery"]["address"] = None
    form["buyer"]["phoneNumber"] = None

    snapshot = map_order(form)

    assert snapshot.shipping_address == snapshot.billing_address
    assert snapshot.customer_phone == ""


def test_phone_falls_back_to_delivery_phone():
    form = _form()
    form["buyer"]["phoneNumber"] = None
    form["delivery"]["address"]["phoneNumber"] = "+48 600 100 200"

    assert map_order(form).customer_phone == "+48 600 100 200"


def test_ordered_at_is_the_earliest_bought_at_and_lines_keep_their_order():
    form = _form()
    second = copy.deepcopy(form["lineItems"][0])
    second.update(id="second-line", quantity=3, boughtAt="2017-12-31T23:59:59Z", tax=None)
    second["offer"] = {"id": "7777", "name": "Kubek"}
    form["lineItems"].append(second)

    snapshot = map_order(form)

    assert snapshot.ordered_at == datetime(2017, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert [line.external_id for line in snapshot.lines] == ["62ae358b-8f65-4fc4-9c77-bedf604a2e2b", "second-line"]
    assert snapshot.lines[1].quantity == Decimal("3")
    assert snapshot.lines[1].vat_rate == Decimal("0.00")
    assert snapshot.lines[1].product_code == "7777"


def test_buyer_without_name_uses_login_and_email_is_lower_cased():
    form = _form()
    form["buyer"].update(firstName=None, lastName=None, companyName=None, email="Ab12Cd+1234@Allegromail.PL")

    snapshot = map_order(form)

    assert snapshot.customer_name == "User_Login"
    assert snapshot.customer_email == "ab12cd+1234@allegromail.pl"


def test_unpaid_order_has_no_paid_at():
    form = _form()
    form["payment"]["finishedAt"] = None

    assert map_order(form).paid_at is None


def test_float_amount_from_plain_json_raises_payload_error():
    form = json.loads(example_bytes("allegro", "checkout-form.json"))
    form["summary"]["totalToPay"]["amount"] = 123.45

    with pytest.raises(PayloadError, match=r"checkoutForm\.summary\.totalToPay\.amount is a float"):
        map_order(form)


def test_json_number_amount_is_decimal():
    raw = example_bytes("allegro", "checkout-form.json").replace(b'"rate": "23.00"', b'"rate": 23.00', 1)

    assert map_order(parse_json(raw)).lines[0].vat_rate == Decimal("23.00")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (("id",), r"checkoutForm\.id is missing"),
        (("summary",), r"checkoutForm\.summary is missing"),
        (("summary", "totalToPay"), r"checkoutForm\.summary\.totalToPay is missing"),
        (("summary", "totalToPay", "currency"), r"checkoutForm\.summary\.totalToPay\.currency is missing"),
        (("lineItems",), r"checkoutForm\.lineItems is missing"),
    ],
)
def test_missing_form_field_raises_payload_error(path, message):
    form = _form()
    target = form
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]

    with pytest.raises(PayloadError, match=message):
        map_order(form)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("id", r"checkoutForm\.lineItems\[0\]\.id is missing"),
        ("offer", r"checkoutForm\.lineItems\[0\]\.offer is missing"),
        ("quantity", r"checkoutForm\.lineItems\[0\]\.quantity is missing"),
        ("price", r"checkoutForm\.lineItems\[0\]\.price is missing"),
        ("boughtAt", r"checkoutForm\.lineItems\[0\]\.boughtAt is missing"),
    ],
)
def test_missing_line_field_raises_payload_error(key, message):
    form = _form()
    del form["lineItems"][0][key]

    with pytest.raises(PayloadError, match=message):
        map_order(form)


def test_wrong_shapes_raise_payload_error():
    form = _form()
    form["lineItems"] = []
    with pytest.raises(PayloadError, match=r"checkoutForm\.lineItems must be a non-empty list"):
        map_order(form)

    form = _form()
    form["lineItems"][0]["price"] = "123.45"
    with pytest.raises(PayloadError, match=r"checkoutForm\.lineItems\[0\]\.price must be an object"):
        map_order(form)

    form = _form()
    form["lineItems"][0]["boughtAt"] = "2018-01-01T10:23:43"
    with pytest.raises(PayloadError, match=r"checkoutForm\.lineItems\[0\]\.boughtAt has no UTC offset"):
        map_order(form)

    with pytest.raises(PayloadError, match="checkoutForm must be an object"):
        map_order(None)


def test_parse_json_rejects_bad_bodies():
    with pytest.raises(PayloadError, match="body is not valid JSON"):
        parse_json(b"<html>502</html>")


def test_allegro_has_no_webhooks_module():
    assert importlib.util.find_spec("adapters.allegro.webhooks") is None
