import base64
import hashlib
import hmac
import json

import pytest

from adapters.woocommerce_bridge.webhooks import is_ping, verify_signature
from retino_core.platforms.interface import WebhookDelivery
from tests.adapters.examples import example_bytes, example_json

#: The test vector in woocommerce/examples/order-webhook.headers.json was signed with the secret
#: that woocommerce/examples/webhook-create.request.json sets on the webhook.
STORED_SECRET = "s3cret-from-webhook-create"


def _stored_delivery(**header_overrides):
    vector = example_json("woocommerce", "order-webhook.headers.json")
    headers = dict(vector["headers"])
    headers.update(header_overrides)
    return WebhookDelivery(headers=headers, raw_body=example_bytes("woocommerce", vector["body_file"]))


def _sign(body: bytes, secret: str = STORED_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_stored_vector_secret_is_the_documented_one():
    vector = example_json("woocommerce", "order-webhook.headers.json")

    assert vector["secret"] == STORED_SECRET
    assert vector["body_file"] == "order-webhook-payload.order.created.raw-body.json"
    assert example_json("woocommerce", "webhook-create.request.json")["secret"] == STORED_SECRET


def test_stored_vector_verifies():
    assert verify_signature(_stored_delivery(), STORED_SECRET) is True


def test_header_name_is_case_insensitive():
    delivery = _stored_delivery()
    signature = delivery.headers["X-WC-Webhook-Signature"]
    for name in ("x-wc-webhook-signature", "X-Wc-Webhook-Signature"):
        headers = {"Content-Type": "application/json", name: signature}
        assert verify_signature(WebhookDelivery(headers=headers, raw_body=delivery.raw_body), STORED_SECRET) is True


def test_one_changed_body_byte_fails():
    delivery = _stored_delivery()
    body = delivery.raw_body.replace(b'"total":"29.35"', b'"total":"29.36"', 1)
    assert len(body) == len(delivery.raw_body)
    assert body != delivery.raw_body

    assert verify_signature(WebhookDelivery(headers=delivery.headers, raw_body=body), STORED_SECRET) is False


def test_pretty_printed_body_of_same_order_fails():
    delivery = _stored_delivery()
    pretty = example_bytes("woocommerce", "order-webhook-payload.order.created.json")
    assert json.loads(pretty) == json.loads(delivery.raw_body)

    assert verify_signature(WebhookDelivery(headers=delivery.headers, raw_body=pretty), STORED_SECRET) is False


def test_wrong_or_empty_secret_fails():
    assert verify_signature(_stored_delivery(), "another-secret") is False
    assert verify_signature(_stored_delivery(), "") is False


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "   ",
        "not base64!",
        "9HpNvwLbPSHr/uiMrcpIAhtAwUEA+eAigdTtIBhSmug",
        "9HpNvwLbPSHr/uiMrcpIAhtAwUEA+eAigdTtIBhSmuh=",
        "9HpNvwLbPSHr/uiMrcpIAhtAwUEA+eAigdTtIBhS",
        "9HpNvwLbPSHr_uiMrcpIAhtAwUEA-eAigdTtIBhSmug=",
        "9HpNvwLbPSHr/uiMrcpIAhtAwUEA+eAigdTtIBhSmúg=",
        "f47a4dbf02db3d21ebfee88cadca48021b40c14100f9e02281d4ed2018529ae8",
    ],
)
def test_bad_signature_header_fails_without_raising(signature):
    assert verify_signature(_stored_delivery(**{"X-WC-Webhook-Signature": signature}), STORED_SECRET) is False


def test_missing_signature_header_fails():
    delivery = _stored_delivery()
    headers = {key: value for key, value in delivery.headers.items() if key != "X-WC-Webhook-Signature"}

    assert verify_signature(WebhookDelivery(headers=headers, raw_body=delivery.raw_body), STORED_SECRET) is False


def test_escaped_slashes_and_non_ascii_are_verified_over_raw_bytes():
    raw_body = '{"id":728,"line_items":[{"name":"Tričko","sku":"T\\/1"}],"_links":"https:\\/\\/example.com"}'.encode()
    delivery = WebhookDelivery(headers={"X-WC-Webhook-Signature": _sign(raw_body)}, raw_body=raw_body)

    assert verify_signature(delivery, STORED_SECRET) is True
    reserialised = json.dumps(json.loads(raw_body), ensure_ascii=False, separators=(",", ":")).encode()
    assert reserialised != raw_body
    assert verify_signature(WebhookDelivery(headers=delivery.headers, raw_body=reserialised), STORED_SECRET) is False


def test_stored_ping_is_recognised_and_unsigned():
    ping = WebhookDelivery(
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        raw_body=example_bytes("woocommerce", "webhook-ping.body.txt"),
    )

    assert ping.raw_body == b"webhook_id=142"
    assert is_ping(ping) is True
    assert verify_signature(ping, STORED_SECRET) is False


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"webhook_id=",
        b"webhook_id=abc",
        b"webhook_id=142&x=1",
        b'{"webhook_id":142}',
    ],
)
def test_other_bodies_are_not_pings(body):
    assert is_ping(WebhookDelivery(headers={}, raw_body=body)) is False


def test_order_delivery_is_not_a_ping():
    assert is_ping(_stored_delivery()) is False
