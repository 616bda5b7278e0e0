"""Accept a verified webhook delivery: store it once per (channel, dedupe key) and enqueue its job once."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.models import SalesChannel
from retino_core.db import dialect_insert
from retino_core.jobs import enqueue_after_commit
from retino_core.webhooks.models import WebhookDelivery

#: Longest dedupe key stored (the column's length); a longer one is refused by the caller's check.
MAX_DEDUPE_KEY_LENGTH = 200


def accept_delivery(
    session: Session,
    *,
    channel: SalesChannel,
    dedupe_key: str,
    raw_body: bytes,
    process: Callable[..., None],
) -> tuple[WebhookDelivery, bool]:
    """Store the delivery unless ``(channel, dedupe_key)`` is already stored; returns (row, created).

    Only the caller that created the row enqueues ``process(delivery_id)`` (a job declared with
    ``@job``, chosen by the adapter side so the core never imports an adapter); it is dispatched
    after the caller's commit. INSERT … ON CONFLICT DO NOTHING makes concurrent deliveries of the
    same event end in one row and one job: the losers wait for the winner's transaction and then
    see the existing row. The signature must already be verified: this stores whatever it gets.
    ValueError for an empty or overlong dedupe key.
    """
    key = dedupe_key.strip()
    if not key or len(key) > MAX_DEDUPE_KEY_LENGTH:
        raise ValueError(f"a dedupe key must have 1 to {MAX_DEDUPE_KEY_LENGTH} characters")
    insert = dialect_insert(session)
    delivery_id = session.execute(
        insert(WebhookDelivery)
        .values(
            account_id=channel.account_id,
            channel_id=channel.id,
            platform=channel.platform,
            dedupe_key=key,
            received_at=clock.now(),
            raw_body=bytes(raw_body),
            processed_at=None,
        )
        .on_conflict_do_nothing(index_elements=["channel_id", "dedupe_key"])
        .returning(WebhookDelivery.id)
    ).scalar_one_or_none()
    created = delivery_id is not None
    if created:
        enqueue_after_commit(session, process, delivery_id, account_id=channel.account_id)
        delivery = session.get(WebhookDelivery, delivery_id)
    else:
        delivery = session.scalar(
            select(WebhookDelivery).where(WebhookDelivery.channel_id == channel.id, WebhookDelivery.dedupe_key == key)
        )
    assert delivery is not None
    return delivery, created


def lock_unprocessed_delivery(session: Session, *, account_id: int, delivery_id: int) -> WebhookDelivery | None:
    """The account's delivery ``delivery_id`` locked for this transaction, or None when gone or already processed.

    A job calls this first: the row lock keeps two runs of the same delivery apart, and the second
    sees ``processed_at`` set and does nothing.
    """
    delivery = session.scalar(
        WebhookDelivery.select_for_account(account_id).where(WebhookDelivery.id == delivery_id).with_for_update()
    )
    if delivery is None or delivery.processed_at is not None:
        return None
    return delivery


def mark_processed(delivery: WebhookDelivery) -> None:
    """Record that the delivery's effect is in (same transaction as the effect itself)."""
    delivery.processed_at = clock.now()
