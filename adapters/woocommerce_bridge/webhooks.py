"""WooCommerce webhook checks: the HMAC signature over the raw body and the unsigned creation ping."""

from __future__ import annotations

import base64
import re

from retino_core.platforms.interface import WebhookDelivery
from retino_core.platforms.signatures import equals_constant_time, hmac_digest, single_header

SIGNATURE_HEADER = "X-WC-Webhook-Signature"

_PING_BODY = re.compile(rb"webhook_id=[0-9]+")


def verify_signature(delivery: WebhookDelivery, secret: str) -> bool:
    """True only when ``X-WC-Webhook-Signature`` is the base64 HMAC-SHA256 of the raw body under ``secret``.

    ``secret`` is the one we set when creating the webhook. WooCommerce signs the exact bytes it
    sends (``wp_json_encode`` output, with ``/`` escaped as ``\\/``), so the HMAC is taken over
    ``delivery.raw_body`` and never over re-serialised JSON. A missing, empty, duplicated or
    non-base64 header, or an empty secret, is simply not a valid signature. The header is compared
    (constant-time) with the canonical base64 WooCommerce emits, so a re-padded variant of a valid
    digest is refused too.
    """
    if not secret:
        return False
    received = single_header(delivery.headers, SIGNATURE_HEADER)
    if received is None:
        return False
    return equals_constant_time(base64.b64encode(hmac_digest(secret, delivery.raw_body, "sha256")), received.strip())


def is_ping(delivery: WebhookDelivery) -> bool:
    """True for the ping WooCommerce posts when a webhook is created: the form body ``webhook_id=<id>``.

    The ping is unsigned and not JSON; the receiver should answer 200 and otherwise ignore it,
    or WooCommerce reports the delivery URL as failing.
    """
    return _PING_BODY.fullmatch(delivery.raw_body.strip()) is not None
