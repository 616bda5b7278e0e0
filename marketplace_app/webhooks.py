"""Platform webhook intake: verify, store once, answer fast; the work happens in a job.

Routes (what we register on the platforms, and what Shoptet's partner admin points at):

- ``POST /webhooks/woocommerce/<channel_public_id>``: a WooCommerce store's ``order.*`` webhooks;
- ``POST /webhooks/shoptet/<channel_public_id>``: a Shoptet e-shop's ``order:create|update``;
- ``POST /webhooks/shoptet``: the add-on's system events (``addon:uninstall`` and the like), set
  once in Shoptet's partner admin for every e-shop; the channel is found by the body's ``eshopId``.

The body is read raw (``get_data(cache=False)``) and verified byte for byte by the channel's
adapter; it is never re-serialised. Answers: 404 for a channel that does not exist or is of
another platform; 200 for WooCommerce's unsigned creation ping (nothing stored); 401 with a short
JSON reason (the detailed one goes to the log) for a missing or wrong signature; 400 for a signed
body that is not JSON; 201 for a new delivery, 200 for one already stored. Platforms disable or
retry webhooks that fail, so only real refusals are 4xx: a delivery for a disabled channel or a
deactivated account is answered 200 and ignored — except Shoptet's add-on events, which must
reach a disabled channel (an uninstall after a suspension, an approval).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Response, abort, jsonify, request

from adapters.shoptet.errors import PayloadError as ShoptetPayloadError
from adapters.shoptet.mapping import parse_json as parse_shoptet_json
from adapters.shoptet.tasks import ADDON_EVENTS, process_shoptet_delivery
from adapters.woocommerce_bridge.adapter import is_ping
from adapters.woocommerce_bridge.errors import PayloadError as WooCommercePayloadError
from adapters.woocommerce_bridge.mapping import parse_json as parse_woocommerce_json
from adapters.woocommerce_bridge.tasks import process_woocommerce_delivery
from marketplace_app.database import db
from marketplace_app.extensions import csrf
from marketplace_app.platforms import adapter_for
from retino_core.accounts.models import Account, ChannelStatus, Platform, SalesChannel
from retino_core.channels.installs import find_installed_channel
from retino_core.channels.queries import channel_by_public_id
from retino_core.platforms.interface import WebhookDelivery as ReceivedDelivery
from retino_core.webhooks.actions import MAX_DEDUPE_KEY_LENGTH, accept_delivery

logger = logging.getLogger(__name__)

blueprint = Blueprint("webhooks", __name__)

#: Longest Shoptet system-event body we read before verifying (they are a few hundred bytes).
MAX_SHOPTET_BODY = 64 * 1024


def _refuse(status: int, reason: str) -> tuple[Response, int]:
    return jsonify(error=reason), status


def _received() -> ReceivedDelivery:
    return ReceivedDelivery(headers=dict(request.headers.items()), raw_body=request.get_data(cache=False))


def _is_active(channel: SalesChannel) -> bool:
    account = db().get(Account, channel.account_id)
    return channel.status is not ChannelStatus.disabled and account is not None and account.is_active


def _accept(
    channel: SalesChannel,
    received: ReceivedDelivery,
    *,
    parse: Callable[[bytes], object],
    payload_error: type[Exception],
    process: Callable[..., None],
) -> tuple[Response, int]:
    """Verify ``received`` through ``channel``'s adapter, check it parses, store it once and enqueue ``process``."""
    name = channel.platform.value
    try:
        adapter = adapter_for(channel)
    except (LookupError, ValueError) as error:
        logger.warning("%s channel %s: delivery refused, channel not connected: %s", name, channel.id, error)
        return _refuse(401, "channel not connected")
    verification = adapter.verify_webhook(received)
    if not verification.is_valid:
        logger.warning("%s channel %s: delivery refused: %s", name, channel.id, verification.reason)
        return _refuse(401, "invalid signature")
    if len(verification.dedupe_key.strip()) > MAX_DEDUPE_KEY_LENGTH:
        logger.warning("%s channel %s: delivery refused: delivery id too long", name, channel.id)
        return _refuse(401, "invalid delivery id")
    try:
        parse(received.raw_body)
    except payload_error as error:
        logger.warning("%s channel %s: signed delivery refused: %s", name, channel.id, error)
        return _refuse(400, "body is not JSON")
    delivery, created = accept_delivery(
        db(), channel=channel, dedupe_key=verification.dedupe_key, raw_body=received.raw_body, process=process
    )
    logger.info("%s channel %s: delivery %s %s", name, channel.id, delivery.id, "stored" if created else "duplicate")
    return jsonify(status="accepted" if created else "duplicate"), 201 if created else 200


def _accept_shoptet(channel: SalesChannel, received: ReceivedDelivery) -> tuple[Response, int]:
    return _accept(
        channel, received, parse=parse_shoptet_json, payload_error=ShoptetPayloadError, process=process_shoptet_delivery
    )


def _channel_or_404(public_id: str, platform: Platform) -> SalesChannel:
    channel = channel_by_public_id(db(), public_id)
    if channel is None or channel.platform is not platform:
        abort(404)
    return channel


@blueprint.post("/webhooks/woocommerce/<channel_public_id>")
@csrf.exempt
def woocommerce(channel_public_id: str) -> tuple[Response, int]:
    """Receive one WooCommerce delivery for the channel named by ``channel_public_id``."""
    channel = _channel_or_404(channel_public_id, Platform.woocommerce)
    received = _received()
    if not _is_active(channel):
        # Uninstalled or switched off, or the merchant's account is deactivated: acknowledged (so the
        # platform does not count failures against a webhook it may still deliver to) and ignored.
        logger.info("woocommerce channel %s: delivery ignored, channel or account not active", channel.id)
        return jsonify(status="ignored"), 200
    if is_ping(received):
        logger.info("woocommerce channel %s: webhook ping answered", channel.id)
        return jsonify(status="ok"), 200
    return _accept(
        channel,
        received,
        parse=parse_woocommerce_json,
        payload_error=WooCommercePayloadError,
        process=process_woocommerce_delivery,
    )


@blueprint.post("/webhooks/shoptet/<channel_public_id>")
@csrf.exempt
def shoptet(channel_public_id: str) -> tuple[Response, int]:
    """Receive one Shoptet order notification for the channel named by ``channel_public_id``."""
    channel = _channel_or_404(channel_public_id, Platform.shoptet)
    received = _received()
    if not _is_active(channel):
        logger.info("shoptet channel %s: delivery ignored, channel or account not active", channel.id)
        return jsonify(status="ignored"), 200
    return _accept_shoptet(channel, received)


@blueprint.post("/webhooks/shoptet")
@csrf.exempt
def shoptet_addon() -> tuple[Response, int]:
    """Receive one of the add-on's system events; the channel is the one installed in the body's ``eshopId``.

    Only ``addon:*`` events are taken here (order events come to the channel's own URL). The
    signature is checked with that channel's key like any other delivery; a shop we do not know is 404.
    """
    if (request.content_length or 0) > MAX_SHOPTET_BODY:
        return _refuse(413, "body too large")
    received = _received()
    try:
        body = parse_shoptet_json(received.raw_body)
    except ShoptetPayloadError:
        logger.warning("shoptet add-on event refused: body is not JSON")
        return _refuse(400, "body is not JSON")
    eshop_id = body.get("eshopId") if isinstance(body, dict) else None
    event = body.get("event") if isinstance(body, dict) else None
    if isinstance(eshop_id, bool) or not isinstance(eshop_id, int | str) or event not in ADDON_EVENTS:
        logger.warning("shoptet add-on event refused: no e-shop id or not an add-on event (%r)", event)
        return _refuse(400, "not an add-on event")
    channel = find_installed_channel(db(), platform=Platform.shoptet, external_shop_id=str(eshop_id))
    if channel is None:
        logger.warning("shoptet add-on event %s for unknown e-shop %s", event, eshop_id)
        abort(404)
    return _accept_shoptet(channel, received)
