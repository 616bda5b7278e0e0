import hashlib
import hmac

from adapters.shoptet.adapter import ShoptetAdapter
from adapters.shoptet.client import ShoptetClient
from retino_core.platforms.http import PlatformHttp
from retino_core.platforms.interface import WebhookDelivery, WebhookVerification
from tests.adapters.examples import example_bytes, example_json
from tests.adapters.shoptet.conftest import ESHOP_ID, SIGNATURE_KEY


def _adapter(signature_key=SIGNATURE_KEY, eshop_id=ESHOP_ID):
    client = ShoptetClient(PlatformHttp(), eshop_id=eshop_id, access_token=lambda: "unused")
    return ShoptetAdapter(client, signature_key=signature_key)


def _stored_delivery():
    vector = example_json("shoptet", "webhook-order-create.headers.json")
    return WebhookDelivery(headers=dict(vector["headers"]), raw_body=example_bytes("shoptet", vector["body_file"]))


def test_stored_signed_delivery_is_valid_with_its_dedupe_key():
    assert _adapter().verify_webhook(_stored_delivery()) == WebhookVerification.valid(
        "222651|order:create|2018000057|2019-01-08T15:13:39+0100"
    )


def test_one_changed_body_byte_is_invalid():
    delivery = _stored_delivery()
    body = bytearray(delivery.raw_body)
    body[-3] = ord("8")  # eventInstance "2018000057" -> "2018000058"

    verdict = _adapter().verify_webhook(WebhookDelivery(headers=delivery.headers, raw_body=bytes(body)))

    assert verdict == WebhookVerification.invalid("Shoptet-Webhook-Signature is missing or does not match the body")


def test_one_changed_signature_character_is_invalid():
    delivery = _stored_delivery()
    headers = {**delivery.headers, "Shoptet-Webhook-Signature": "409e33c5d15cc963c2c56d3a4fc2c02b40c58ce8"}

    verdict = _adapter().verify_webhook(WebhookDelivery(headers=headers, raw_body=delivery.raw_body))

    assert verdict == WebhookVerification.invalid("Shoptet-Webhook-Signature is missing or does not match the body")


def test_missing_signature_header_is_invalid():
    delivery = _stored_delivery()

    verdict = _adapter().verify_webhook(
        WebhookDelivery(headers={"Content-Type": "application/json"}, raw_body=delivery.raw_body)
    )

    assert verdict == WebhookVerification.invalid("Shoptet-Webhook-Signature is missing or does not match the body")


def test_other_signature_key_is_invalid():
    verdict = _adapter(signature_key="0" * 32).verify_webhook(_stored_delivery())

    assert verdict == WebhookVerification.invalid("Shoptet-Webhook-Signature is missing or does not match the body")


def test_channel_without_signature_key_is_invalid():
    verdict = _adapter(signature_key="").verify_webhook(_stored_delivery())

    assert verdict == WebhookVerification.invalid("no webhook signature key is stored for this channel")


def test_signed_delivery_for_another_eshop_is_invalid():
    verdict = _adapter(eshop_id="999").verify_webhook(_stored_delivery())

    assert verdict == WebhookVerification.invalid("webhook for e-shop 222651, this channel is 999")


def test_signed_body_that_is_not_a_notification_is_invalid():
    body = b'{"eshopId":222651,"event":"order:create"}'
    signature = hmac.new(SIGNATURE_KEY.encode(), body, hashlib.sha1).hexdigest()

    verdict = _adapter().verify_webhook(
        WebhookDelivery(headers={"Shoptet-Webhook-Signature": signature}, raw_body=body)
    )

    assert verdict == WebhookVerification.invalid(
        "unreadable webhook body: webhook.eventInstance is missing or not a string"
    )


def test_update_delivery_gets_another_dedupe_key():
    body = example_bytes("shoptet", "webhook-order-update.body.json")
    signature = hmac.new(SIGNATURE_KEY.encode(), body, hashlib.sha1).hexdigest()

    verdict = _adapter().verify_webhook(
        WebhookDelivery(headers={"Shoptet-Webhook-Signature": signature}, raw_body=body)
    )

    assert verdict == WebhookVerification.valid("222651|order:update|2018000057|2019-01-09T08:00:00+0100")
