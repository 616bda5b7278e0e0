from adapters.woocommerce_bridge.adapter import is_ping
from adapters.woocommerce_bridge.client import WooCommerceCredentials
from retino_core.platforms.interface import WebhookDelivery, WebhookVerification
from tests.adapters.examples import example_bytes, example_json
from tests.adapters.woocommerce.helpers import STORED_SECRET, build_adapter

STORED_DELIVERY_ID = "5d1f2c3b4a5e6f708192a3b4c5d6e7f8"
NO_PEER = "http://127.0.0.1:9"


def _adapter(secret=STORED_SECRET):
    adapter, _ = build_adapter(NO_PEER, credentials=WooCommerceCredentials("ck", "cs", secret))
    return adapter


def _stored_delivery(raw_body=None, **header_overrides):
    vector = example_json("woocommerce", "order-webhook.headers.json")
    headers = {name: value for name, value in vector["headers"].items() if name not in header_overrides}
    headers.update({name: value for name, value in header_overrides.items() if value is not None})
    body = raw_body if raw_body is not None else example_bytes("woocommerce", vector["body_file"])
    return WebhookDelivery(headers=headers, raw_body=body)


def test_stored_signed_delivery_is_valid_with_its_delivery_id_as_dedupe_key():
    assert example_json("woocommerce", "order-webhook.headers.json")["secret"] == STORED_SECRET

    assert _adapter().verify_webhook(_stored_delivery()) == WebhookVerification.valid(STORED_DELIVERY_ID)


def test_every_single_changed_byte_is_invalid():
    body = _stored_delivery().raw_body
    adapter = _adapter()
    for position in (0, len(body) // 2, len(body) - 1):
        changed = body[:position] + bytes([body[position] ^ 0x01]) + body[position + 1 :]
        assert adapter.verify_webhook(_stored_delivery(raw_body=changed)) == WebhookVerification.invalid(
            "X-WC-Webhook-Signature does not match the body"
        )


def test_re_serialised_body_is_invalid():
    """The signature covers WooCommerce's bytes (escaped slashes), never our re-encoding of them."""
    body = _stored_delivery().raw_body
    unescaped = body.replace(b"\\/", b"/")
    assert unescaped != body

    assert _adapter().verify_webhook(_stored_delivery(raw_body=unescaped)).is_valid is False


def test_another_channels_secret_is_invalid():
    assert _adapter("another-secret").verify_webhook(_stored_delivery()) == WebhookVerification.invalid(
        "X-WC-Webhook-Signature does not match the body"
    )


def test_missing_signature_is_invalid():
    delivery = _stored_delivery(**{"X-WC-Webhook-Signature": None})

    assert _adapter().verify_webhook(delivery) == WebhookVerification.invalid("X-WC-Webhook-Signature is missing")


def test_missing_delivery_id_is_invalid_even_when_signed():
    for value in (None, "", "  "):
        delivery = _stored_delivery(**{"X-WC-Webhook-Delivery-ID": value})
        assert _adapter().verify_webhook(delivery) == WebhookVerification.invalid("X-WC-Webhook-Delivery-ID is missing")


def test_channel_without_webhook_secret_accepts_nothing():
    assert _adapter("").verify_webhook(_stored_delivery()) == WebhookVerification.invalid(
        "the channel has no webhook secret"
    )


def test_ping_is_recognised_before_verification_and_never_valid():
    ping = WebhookDelivery(
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        raw_body=example_bytes("woocommerce", "webhook-ping.body.txt"),
    )

    assert is_ping(ping) is True
    assert is_ping(_stored_delivery()) is False
    assert _adapter().verify_webhook(ping) == WebhookVerification.invalid(
        "the webhook creation ping is unsigned; answer it via is_ping"
    )


def test_body_that_is_not_json_with_a_garbage_signature_is_invalid_not_an_error():
    delivery = _stored_delivery(raw_body=b"\xff\xfe not json", **{"X-WC-Webhook-Signature": "not base64 ✓"})

    assert _adapter().verify_webhook(delivery) == WebhookVerification.invalid(
        "X-WC-Webhook-Signature does not match the body"
    )
