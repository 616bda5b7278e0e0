"""Platform webhook intake: verify, store once, answer fast; the order work happens in a job.

``POST /webhooks/woocommerce/<channel_public_id>`` is what we register on a WooCommerce store.
The body is read raw (``get_data(cache=False)``) and verified byte for byte against
``X-WC-Webhook-Signature``; it is never re-serialised. Answers: 404 for a channel that does not
exist or is not WooCommerce; 200 for the unsigned creation ping (nothing stored); 401 with a
short JSON reason (the detailed one goes to the log) for a missing or wrong signature or delivery
id; 400 for a signed body that is not JSON; 201 for a new delivery, 200 for one already stored.
WooCommerce disables a webhook after five failed deliveries, so only real refusals are 4xx: a
delivery for a disabled channel or a deactivated account is answered 200 and ignored.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, jsonify, request

from adapters.woocommerce_bridge.adapter import is_ping
from adapters.woocommerce_bridge.errors import PayloadError
from adapters.woocommerce_bridge.mapping import parse_json
from adapters.woocommerce_bridge.tasks import process_woocommerce_delivery
from marketplace_app.database import db
from marketplace_app.extensions import csrf
from marketplace_app.platforms import adapter_for
from retino_core.accounts.models import Account, ChannelStatus, Platform
from retino_core.channels.queries import channel_by_public_id
from retino_core.platforms.interface import WebhookDelivery as ReceivedDelivery
from retino_core.webhooks.actions import MAX_DEDUPE_KEY_LENGTH, accept_delivery

logger = logging.getLogger(__name__)

blueprint = Blueprint("webhooks", __name__)


def _refuse(status: int, reason: str) -> tuple[Response, int]:
    return jsonify(error=reason), status


@blueprint.post("/webhooks/woocommerce/<channel_public_id>")
@csrf.exempt
def woocommerce(channel_public_id: str) -> tuple[Response, int]:
    """Receive one WooCommerce delivery for the channel named by ``channel_public_id``."""
    session = db()
    channel = channel_by_public_id(session, channel_public_id)
    if channel is None or channel.platform is not Platform.woocommerce:
        abort(404)
    received = ReceivedDelivery(headers=dict(request.headers.items()), raw_body=request.get_data(cache=False))
    account = session.get(Account, channel.account_id)
    if channel.status is ChannelStatus.disabled or account is None or not account.is_active:
        # Uninstalled or switched off, or the merchant's account is deactivated: acknowledged (so the
        # platform does not count failures against a webhook it may still deliver to) and ignored.
        logger.info("woocommerce channel %s: delivery ignored, channel or account not active", channel.id)
        return jsonify(status="ignored"), 200
    if is_ping(received):
        logger.info("woocommerce channel %s: webhook ping answered", channel.id)
        return jsonify(status="ok"), 200
    try:
        adapter = adapter_for(channel)
    except (LookupError, ValueError) as error:
        logger.warning("woocommerce channel %s: delivery refused, channel not connected: %s", channel.id, error)
        return _refuse(401, "channel not connected")
    verification = adapter.verify_webhook(received)
    if not verification.is_valid:
        logger.warning("woocommerce channel %s: delivery refused: %s", channel.id, verification.reason)
        return _refuse(401, "invalid signature")
    if len(verification.dedupe_key.strip()) > MAX_DEDUPE_KEY_LENGTH:
        logger.warning("woocommerce channel %s: delivery refused: delivery id too long", channel.id)
        return _refuse(401, "invalid delivery id")
    try:
        parse_json(received.raw_body)
    except PayloadError as error:
        logger.warning("woocommerce channel %s: signed delivery refused: %s", channel.id, error)
        return _refuse(400, "body is not JSON")
    delivery, created = accept_delivery(
        session,
        channel=channel,
        dedupe_key=verification.dedupe_key,
        raw_body=received.raw_body,
        process=process_woocommerce_delivery,
    )
    logger.info(
        "woocommerce channel %s: delivery %s %s", channel.id, delivery.id, "stored" if created else "already stored"
    )
    return jsonify(status="accepted" if created else "duplicate"), 201 if created else 200
