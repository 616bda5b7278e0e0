import hashlib
import hmac
import json

import pytest

from adapters.shoptet.errors import PayloadError
from adapters.shoptet.mapping import parse_json
from adapters.shoptet.webhooks import delivery_key, verify_signature
from retino_core.platforms.interface import WebhookDelivery
from tests.adapters.examples import example_bytes, example_json

#: The test vector in shoptet/examples/webhook-order-create.headers.json was signed with the example
#: ``signatureKey`` of the spec's ``POST /api/webhooks/renew-signature-key`` response.
STORED_KEY = "8a5e881b19ad6cc0bc986587b22e30be"


def _stored_delivery(**header_overrides):
    vector = example_json("shoptet", "webhook-order-create.headers.json")
    headers = dict(vector["headers"])
    headers.update(header_overrides)
    return WebhookDelivery(headers=headers, raw_body=example_bytes("shoptet", vector["body_file"]))


def _sign(body: bytes, key: str = STORED_KEY) -> str:
    return hmac.new(key.encode(), body, hashlib.sha1).hexdigest()


def test_stored_vector_key_is_the_documented_one():
    vector = example_json("shoptet", "webhook-order-create.headers.json")

    assert vector["signatureKey"] == STORED_KEY
    assert vector["headers"]["Shoptet-Webhook-Signature"] == "309e33c5d15cc963c2c56d3a4fc2c02b40c58ce8"


def test_stored_vector_verifies():
    assert verify_signature(_stored_delivery(), STORED_KEY) is True


def test_header_name_is_case_insensitive():
    delivery = _stored_delivery()
    signature = delivery.headers["Shoptet-Webhook-Signature"]
    for name in ("shoptet-webhook-signature", "SHOPTET-WEBHOOK-SIGNATURE"):
        headers = {"Content-Type": "application/json", name: signature}
        assert verify_signature(WebhookDelivery(headers=headers, raw_body=delivery.raw_body), STORED_KEY) is True


def test_upper_case_hex_signature_verifies():
    delivery = _stored_delivery(**{"Shoptet-Webhook-Signature": "309E33C5D15CC963C2C56D3A4FC2C02B40C58CE8"})

    assert verify_signature(delivery, STORED_KEY) is True


def test_one_changed_body_byte_fails():
    delivery = _stored_delivery()
    body = bytearray(delivery.raw_body)
    body[-3] = ord("8")  # eventInstance "2018000057" -> "2018000058"
    assert bytes(body) != delivery.raw_body

    assert verify_signature(WebhookDelivery(headers=delivery.headers, raw_body=bytes(body)), STORED_KEY) is False


def test_re_serialised_body_fails():
    delivery = _stored_delivery()
    reserialised = json.dumps(json.loads(delivery.raw_body)).encode()
    assert reserialised != delivery.raw_body

    assert verify_signature(WebhookDelivery(headers=delivery.headers, raw_body=reserialised), STORED_KEY) is False


def test_wrong_or_empty_key_fails():
    assert verify_signature(_stored_delivery(), "0" * 32) is False
    assert verify_signature(_stored_delivery(), "") is False


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "   ",
        "not-a-signature",
        "309e33c5d15cc963c2c56d3a4fc2c02b40c58ce",
        "309e33c5d15cc963c2c56d3a4fc2c02b40c58ce8ff",
        "zz9e33c5d15cc963c2c56d3a4fc2c02b40c58ce8",
        "309e33c5d15cc963c2c56d3a4fc2c02b40c58cé8",
        "MJ4zxdFcyWPCxW06T8LAK0DFjOg=",
    ],
)
def test_bad_signature_header_fails_without_raising(signature):
    assert verify_signature(_stored_delivery(**{"Shoptet-Webhook-Signature": signature}), STORED_KEY) is False


def test_missing_signature_header_fails():
    delivery = _stored_delivery()
    headers = {key: value for key, value in delivery.headers.items() if key != "Shoptet-Webhook-Signature"}

    assert verify_signature(WebhookDelivery(headers=headers, raw_body=delivery.raw_body), STORED_KEY) is False


def test_conflicting_duplicate_headers_fail():
    delivery = _stored_delivery(**{"shoptet-webhook-signature": "0" * 40})

    assert verify_signature(delivery, STORED_KEY) is False


def test_escaped_slashes_and_non_ascii_are_verified_over_raw_bytes():
    raw_body = '{"eshopId":222651,"event":"order:update","note":"Tri\\u010dko 1\\/2","name":"Tričko"}'.encode()
    delivery = WebhookDelivery(headers={"Shoptet-Webhook-Signature": _sign(raw_body)}, raw_body=raw_body)

    assert verify_signature(delivery, STORED_KEY) is True
    reserialised = json.dumps(json.loads(raw_body), ensure_ascii=False, separators=(",", ":")).encode()
    assert reserialised != raw_body
    assert verify_signature(WebhookDelivery(headers=delivery.headers, raw_body=reserialised), STORED_KEY) is False


def test_delivery_key_of_stored_create_notification():
    payload = parse_json(example_bytes("shoptet", "webhook-order-create.body.json"))

    assert delivery_key(payload) == (222651, "order:create", "2018000057", "2019-01-08T15:13:39+0100")


def test_delivery_key_differs_for_update_of_same_order():
    create = parse_json(example_bytes("shoptet", "webhook-order-create.body.json"))
    update = parse_json(example_bytes("shoptet", "webhook-order-update.body.json"))

    assert delivery_key(update) == (222651, "order:update", "2018000057", "2019-01-09T08:00:00+0100")
    assert delivery_key(update) != delivery_key(create)


@pytest.mark.parametrize("key", ["eshopId", "event", "eventInstance", "eventCreated"])
def test_delivery_key_with_missing_field_raises_payload_error(key):
    payload = parse_json(example_bytes("shoptet", "webhook-order-create.body.json"))
    del payload[key]

    with pytest.raises(PayloadError, match=rf"webhook\.{key} is missing"):
        delivery_key(payload)


def test_delivery_key_of_non_object_raises_payload_error():
    with pytest.raises(PayloadError, match="webhook payload must be an object"):
        delivery_key(["order:create"])
