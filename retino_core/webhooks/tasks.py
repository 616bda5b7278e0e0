"""Keeping stored webhook deliveries only as long as they are useful."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from retino_core import clock
from retino_core.jobs.registry import JobContext, job
from retino_core.webhooks.models import WebhookDelivery

#: Processed deliveries are kept this long: for inspecting what a platform sent, and to recognise a
#: late repeat (Shoptet retries within hours; WooCommerce never retries).
PROCESSED_RETENTION = timedelta(days=30)


@job(queue="default", timeout=600, retries=(0, ()))
def prune_webhook_deliveries(ctx: JobContext) -> None:
    """Delete processed deliveries received more than 30 days ago (their bodies carry customers' data).

    Unprocessed ones stay: their job has not done its work yet (or failed and waits for a look).
    """
    cutoff = clock.now() - PROCESSED_RETENTION
    ctx.session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.processed_at.is_not(None), WebhookDelivery.received_at < cutoff)
    )
