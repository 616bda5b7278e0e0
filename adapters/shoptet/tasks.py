"""Shoptet jobs: finishing an install and processing a stored webhook delivery.

They live on the adapter side because they read Shoptet's payloads; the core stores and dedupes
deliveries (:mod:`retino_core.webhooks`), syncs orders (:mod:`retino_core.channels.sync`) and
applies the platform's install events (:mod:`retino_core.channels.installs`).
"""

from __future__ import annotations

import logging

from adapters.shoptet import mapping
from adapters.shoptet.adapter import ShoptetAdapter
from retino_core.accounts.models import Account, ChannelStatus, SalesChannel
from retino_core.channels.installs import PlatformEvent, apply_platform_event
from retino_core.channels.sync import enqueue_sync, platform_problem, record_sync_error
from retino_core.channels.tasks import inject_snippets
from retino_core.jobs import JobContext, job
from retino_core.orders.actions import upsert_order
from retino_core.platforms.http import AuthExpired, Forbidden, NotFound
from retino_core.platforms.registry import adapter_runtime_for_session, get_adapter
from retino_core.webhooks.actions import lock_unprocessed_delivery, mark_processed

logger = logging.getLogger(__name__)

#: Order events whose order we fetch and upsert.
ORDER_EVENTS = frozenset({"order:create", "order:update"})
#: The add-on's system events (set in Shoptet's partner admin) and what they do to the channel.
ADDON_EVENTS = {
    "addon:uninstall": PlatformEvent.uninstalled,
    "addon:suspend": PlatformEvent.suspended,
    "addon:terminate": PlatformEvent.terminated,
    "addon:approve": PlatformEvent.approved,
}


def _shoptet_adapter(ctx: JobContext, channel: SalesChannel) -> ShoptetAdapter:
    adapter = get_adapter(channel, **adapter_runtime_for_session(ctx.settings, ctx.session))
    assert isinstance(adapter, ShoptetAdapter)
    return adapter


def _channel(ctx: JobContext, channel_id: int) -> tuple[Account, SalesChannel] | None:
    if ctx.account_id is None:
        raise ValueError("Shoptet jobs need an account")
    channel = SalesChannel.get_for_account(ctx.session, channel_id, ctx.account_id)
    account = ctx.session.get(Account, ctx.account_id)
    if channel is None or account is None:
        return None
    return account, channel


@job(queue="platform_sync", timeout=120, retries=(5, (10, 60, 300, 900, 3600)))
def complete_shoptet_install(ctx: JobContext, channel_id: int) -> None:
    """What the 5-second install call leaves for later: the signature key, the snippets, then a full sync.

    The webhook signature key is renewed only while none is stored (every renewal invalidates the
    previous key). It is stored in this job's transaction: should the job fail later, the retry
    renews it again and stores that one, and Shoptet signs with the newest key. The sync that follows
    registers the order webhooks and imports the last ``platform_import_days`` of orders.
    Platform errors other than rate limits and outages put the channel in ``error``; those two
    raise, and the job is retried.
    """
    found = _channel(ctx, channel_id)
    if found is None:
        return
    account, channel = found
    if channel.status is ChannelStatus.disabled or not account.is_active:
        return
    runtime = adapter_runtime_for_session(ctx.settings, ctx.session)
    try:
        adapter = _shoptet_adapter(ctx, channel)
        if not adapter.signature_key:
            key = adapter.client.renew_signature_key()
            cipher = runtime["cipher"]
            stored = cipher.decrypt(channel.credentials_encrypted) if channel.credentials_encrypted else {}
            channel.credentials_encrypted = cipher.encrypt({**stored, "signature_key": key})
            ctx.session.flush()
        inject_snippets(ctx.settings, channel, adapter)
    except (AuthExpired, Forbidden) as error:
        record_sync_error(channel, platform_problem(error))
        return
    enqueue_sync(ctx.session, channel)


@job(queue="platform_sync", timeout=60, retries=(3, (10, 60, 300)))
def process_shoptet_delivery(ctx: JobContext, delivery_id: int) -> None:
    """Apply one stored delivery once: fetch and upsert its order, or apply the add-on event.

    The delivery row is locked and skipped when processed already. An order that no longer exists
    is noted and skipped. A refused token puts the channel in ``error`` and leaves the delivery
    unprocessed (the periodic sync catches the order up once the merchant reinstalls); rate limits
    and outages raise, and the job is retried.
    """
    if ctx.account_id is None:
        raise ValueError("process_shoptet_delivery needs an account")
    delivery = lock_unprocessed_delivery(ctx.session, account_id=ctx.account_id, delivery_id=delivery_id)
    if delivery is None:
        return
    found = _channel(ctx, delivery.channel_id)
    if found is None:
        return
    account, channel = found
    body = mapping.parse_json(delivery.raw_body)
    event = str(body.get("event", ""))
    if event in ADDON_EVENTS:
        apply_platform_event(ctx.session, channel=channel, event=ADDON_EVENTS[event])
        mark_processed(delivery)
        logger.info("shoptet channel %s: %s applied", channel.id, event)
        return
    if event not in ORDER_EVENTS or channel.status is ChannelStatus.disabled:
        mark_processed(delivery)
        return
    code = str(body.get("eventInstance", ""))
    try:
        snapshot = _shoptet_adapter(ctx, channel).fetch_order(code)
    except NotFound:
        logger.info("shoptet channel %s: order %s is gone", channel.id, code)
        mark_processed(delivery)
        return
    except (AuthExpired, Forbidden) as error:
        record_sync_error(channel, platform_problem(error))
        return
    upsert_order(ctx.session, account=account, channel=channel, snapshot=snapshot)
    mark_processed(delivery)


__all__ = [
    "ADDON_EVENTS",
    "complete_shoptet_install",
    "process_shoptet_delivery",
]
