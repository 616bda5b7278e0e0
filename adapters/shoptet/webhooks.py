"""Shoptet webhook checks: the HMAC signature over the raw body and the key that dedupes deliveries."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from adapters.shoptet.errors import PayloadError
from retino_core.platforms.interface import WebhookDelivery
from retino_core.platforms.signatures import equals_constant_time, hmac_digest, single_header

SIGNATURE_HEADER = "Shoptet-Webhook-Signature"

_SHA1_HEX = re.compile(r"[0-9a-f]{40}")


def verify_signature(delivery: WebhookDelivery, secret: str) -> bool:
    """True only when ``Shoptet-Webhook-Signature`` is the hex HMAC-SHA1 of the raw body under ``secret``.

    ``secret`` is the installation's ``signatureKey`` (from ``POST /api/webhooks/renew-signature-key``).
    The HMAC is taken over ``delivery.raw_body`` exactly as received: re-serialised JSON would differ
    in spacing and escapes. A missing, empty, duplicated or non-hex header, or an empty secret, is
    simply not a valid signature. The comparison is constant-time.
    """
    if not secret:
        return False
    received = single_header(delivery.headers, SIGNATURE_HEADER)
    if received is None:
        return False
    received = received.strip().lower()
    if not _SHA1_HEX.fullmatch(received):
        return False
    expected = hmac_digest(secret, delivery.raw_body, "sha1").hex()
    return equals_constant_time(expected.encode("ascii"), received)


def delivery_key(payload: Mapping[str, Any]) -> tuple[int, str, str, str]:
    """``(eshopId, event, eventInstance, eventCreated)``: Shoptet sends no event id, so this dedupes.

    The same notification delivered twice (Shoptet retries) has the same four values; an
    ``order:update`` of the same order later has a different ``eventCreated``.
    """
    if not isinstance(payload, Mapping):
        raise PayloadError("webhook payload must be an object")
    eshop_id = payload.get("eshopId")
    if isinstance(eshop_id, str) and eshop_id.strip().isdigit():
        eshop_id = int(eshop_id)
    if isinstance(eshop_id, bool) or not isinstance(eshop_id, int):
        raise PayloadError("webhook.eshopId is missing or not an integer")
    return (
        eshop_id,
        _required_text(payload, "event"),
        _required_text(payload, "eventInstance"),
        _required_text(payload, "eventCreated"),
    )


def _required_text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PayloadError(f"webhook.{key} is missing or not a string")
    text = str(value).strip()
    if not text:
        raise PayloadError(f"webhook.{key} is missing")
    return text
