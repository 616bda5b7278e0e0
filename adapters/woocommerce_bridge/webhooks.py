"""WooCommerce webhook checks: the HMAC signature over the raw body and the unsigned creation ping."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping

from retino_core.platforms.interface import WebhookDelivery

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
    received = _single_header(delivery.headers, SIGNATURE_HEADER)
    if received is None:
        return False
    received = received.strip()
    if not received or not received.isascii():
        return False
    digest = hmac.new(secret.encode("utf-8"), delivery.raw_body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest), received.encode("ascii"))


def is_ping(delivery: WebhookDelivery) -> bool:
    """True for the ping WooCommerce posts when a webhook is created: the form body ``webhook_id=<id>``.

    The ping is unsigned and not JSON; the receiver should answer 200 and otherwise ignore it,
    or WooCommerce reports the delivery URL as failing.
    """
    return _PING_BODY.fullmatch(delivery.raw_body.strip()) is not None


def _single_header(headers: Mapping[str, str], name: str) -> str | None:
    """The header's value looked up case-insensitively; None when absent, not text, or sent twice differently."""
    wanted = name.lower()
    matches = [value for key, value in headers.items() if isinstance(key, str) and key.lower() == wanted]
    if not matches or not all(isinstance(value, str) for value in matches) or len(set(matches)) != 1:
        return None
    return matches[0]
