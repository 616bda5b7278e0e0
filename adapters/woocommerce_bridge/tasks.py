"""The job that turns a stored WooCommerce ``order.*`` delivery into an order row.

It lives on the adapter side because it maps the body with :func:`mapping.map_order`; the core
stores and de-duplicates the delivery (:mod:`retino_core.webhooks`) and gets this job passed in.
"""

from __future__ import annotations

import logging

from adapters.woocommerce_bridge import mapping
from retino_core.accounts.models import Account, SalesChannel
from retino_core.jobs import JobContext, job
from retino_core.orders.actions import upsert_order
from retino_core.webhooks.actions import lock_unprocessed_delivery, mark_processed

logger = logging.getLogger(__name__)


@job(queue="platform_sync", timeout=60, retries=(3, (10, 60, 300)))
def process_woocommerce_delivery(ctx: JobContext, delivery_id: int) -> None:
    """Upsert the order carried by delivery ``delivery_id`` and mark the delivery processed, once.

    The delivery row is locked and skipped when already processed, so a job delivered twice (the
    outbox is at-least-once) upserts once. A body that does not map (malformed JSON, a required
    field missing) raises, so the failure is recorded on the outbox row and retried/given up there.
    """
    if ctx.account_id is None:
        raise ValueError("process_woocommerce_delivery needs an account")
    delivery = lock_unprocessed_delivery(ctx.session, account_id=ctx.account_id, delivery_id=delivery_id)
    if delivery is None:
        logger.info("woocommerce delivery %s: already processed or gone", delivery_id)
        return
    channel = SalesChannel.get_for_account(ctx.session, delivery.channel_id, ctx.account_id)
    account = ctx.session.get(Account, ctx.account_id)
    if channel is None or account is None:
        logger.info("woocommerce delivery %s: its channel is gone", delivery_id)
        return
    snapshot = mapping.map_order(mapping.parse_json(delivery.raw_body))
    order = upsert_order(ctx.session, account=account, channel=channel, snapshot=snapshot)
    mark_processed(delivery)
    ctx.session.flush()
    logger.info("woocommerce delivery %s: order %s (%s) upserted", delivery_id, order.id, order.code)
