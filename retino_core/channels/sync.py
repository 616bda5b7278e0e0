"""The periodic order sync of a sales channel: the safety net under webhooks, and Allegro's only way in.

One job, :func:`sync_channel`, works through the platform port only, so it serves every adapter:

1. when the adapter takes webhooks, it makes sure they deliver to our intake URL (WooCommerce
   switches a webhook off after five failed deliveries and never retries; this switches it back on);
2. it reads the order change feed from ``channel.sync_cursor``, fetches and upserts each order, and
   stores the new cursor in the same transaction, so a crash re-reads rather than skips;
3. when the adapter has customer returns (Allegro), it does the same from ``channel.returns_cursor``
   and opens one case per return;
4. it records the outcome on the channel: ``connected`` and ``last_synced_at``, or ``error`` with the
   platform's message and ``last_error_at`` — the merchant sees both in the channel settings.

:func:`schedule_channel_syncs` runs every minute and enqueues a sync for each channel whose
platform's interval (:data:`SYNC_INTERVALS`, data rather than code) has passed. A sync already
waiting in the outbox is not enqueued again, and two syncs of one channel never run at once
(the second finds the channel's work lock taken and leaves).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.models import Account, AccountStatus, ChannelStatus, Platform, SalesChannel
from retino_core.db import is_postgresql
from retino_core.errors import DomainError
from retino_core.jobs.models import OutboxJob, OutboxStatus
from retino_core.jobs.outbox import enqueue_after_commit
from retino_core.jobs.registry import JobContext, job, spec_of
from retino_core.orders.actions import upsert_order
from retino_core.orders.models import Order
from retino_core.platforms.http import NotFound, PlatformError, RateLimited, Unavailable
from retino_core.platforms.interface import Capability
from retino_core.platforms.registry import adapter_runtime_for_session, get_adapter

if TYPE_CHECKING:
    from retino_core.config import Settings
    from retino_core.platforms.protocol import PlatformAdapter

logger = logging.getLogger(__name__)

#: How often each platform's channels are synced. Shoptet: every 6 hours (webhooks carry the rest);
#: WooCommerce: hourly, since a disabled webhook loses deliveries until it is switched back on;
#: Allegro: every two minutes, because polling is the only way its orders arrive.
SYNC_INTERVALS: dict[Platform, timedelta] = {
    Platform.shoptet: timedelta(hours=6),
    Platform.woocommerce: timedelta(hours=1),
    Platform.allegro: timedelta(minutes=2),
}
#: Pages of changes one run reads; a longer backlog continues in the next run (enqueued at once).
MAX_PAGES_PER_RUN = 20
#: The platform's message kept on the channel, cut to what the settings page shows.
STATUS_MESSAGE_LENGTH = 500

#: Where each platform delivers its webhooks for a channel (the channel's random public id, never its number).
WEBHOOK_PATHS: dict[Platform, str] = {
    Platform.shoptet: "/webhooks/shoptet/{public_id}",
    Platform.woocommerce: "/webhooks/woocommerce/{public_id}",
}


def webhook_url(settings: Settings, channel: SalesChannel) -> str:
    """Our intake URL for ``channel``'s webhooks; ValueError for a platform without webhooks."""
    try:
        path = WEBHOOK_PATHS[channel.platform]
    except KeyError:
        raise ValueError(f"{channel.platform.value} channels have no webhooks") from None
    return settings.public_base_url.rstrip("/") + path.format(public_id=channel.public_id)


def is_sync_due(channel: SalesChannel, *, at: datetime | None = None) -> bool:
    """Whether ``channel`` should be synced now: connected or in error, and its interval has passed.

    The interval counts from the last attempt that ended, successful or not, so a channel in error
    is retried at its platform's pace rather than every minute.
    """
    if channel.status not in (ChannelStatus.connected, ChannelStatus.error):
        return False
    attempts = [moment for moment in (channel.last_synced_at, channel.last_error_at) if moment is not None]
    if not attempts:
        return True
    return max(attempts) + SYNC_INTERVALS[channel.platform] <= (at if at is not None else clock.now())


def enqueue_sync(session: Session, channel: SalesChannel) -> bool:
    """Enqueue :func:`sync_channel` for ``channel`` after commit unless one is already waiting; True when enqueued."""
    name = spec_of(sync_channel).name
    waiting = session.scalars(
        select(OutboxJob.args).where(
            OutboxJob.job_name == name,
            OutboxJob.account_id == channel.account_id,
            OutboxJob.status.in_((OutboxStatus.pending, OutboxStatus.enqueued)),
        )
    ).all()
    if any(list(args) == [channel.id] for args in waiting):
        return False
    enqueue_after_commit(session, sync_channel, channel.id, account_id=channel.account_id)
    return True


@job(queue="default", timeout=120, retries=(0, ()))
def schedule_channel_syncs(ctx: JobContext) -> None:
    """Enqueue a sync for every channel of an active account whose interval has passed (periodic, every minute)."""
    now = clock.now()
    channels = ctx.session.scalars(
        select(SalesChannel)
        .join(Account, Account.id == SalesChannel.account_id)
        .where(
            Account.status == AccountStatus.active,
            SalesChannel.status.in_((ChannelStatus.connected, ChannelStatus.error)),
        )
        .order_by(SalesChannel.id)
    ).all()
    for channel in channels:
        if is_sync_due(channel, at=now):
            enqueue_sync(ctx.session, channel)


@job(queue="platform_sync", timeout=900, retries=(0, ()))
def sync_channel(ctx: JobContext, channel_id: int) -> None:
    """Sync one channel (see the module docstring); never raises for a platform failure, it records it instead.

    Two runs of one channel never overlap: the run holds the channel's work lock
    (:func:`try_lock_channel_work`) and a second run leaves at once. The channel row itself is
    written only at the end of the run (cursors, status), because a token refresh during the run
    rewrites the channel's credentials from a transaction of its own
    (:class:`~retino_core.platforms.tokens.CredentialStore`) and must not wait for this one.
    Platform errors end the run with the channel in ``error`` and everything read so far kept (the
    cursors stop where the upserts stop). ``RateLimited``/``Unavailable`` leave the status alone and
    the next scheduled run resumes from the stored cursors.
    """
    if ctx.account_id is None:
        raise ValueError("sync_channel needs an account")
    session = ctx.session
    channel = SalesChannel.get_for_account(session, channel_id, ctx.account_id)
    account = session.get(Account, ctx.account_id)
    if channel is None or account is None:
        logger.info("channel %s: not synced, gone", channel_id)
        return
    if not try_lock_channel_work(session, channel.id):
        logger.info("channel %s: not synced, another run is syncing it", channel_id)
        return
    if not account.is_active or channel.status not in (ChannelStatus.connected, ChannelStatus.error):
        reason = "account inactive" if not account.is_active else "disabled"
        logger.info("channel %s: not synced, %s", channel_id, reason)
        return
    try:
        adapter = get_adapter(channel, **adapter_runtime_for_session(ctx.settings, session))
    except (LookupError, ValueError) as error:
        record_sync_error(channel, f"not connected: {error}")
        return
    progress = _Progress(channel.sync_cursor, channel.returns_cursor)
    try:
        more = _run(ctx, account, channel, adapter, progress)
    except (RateLimited, Unavailable) as error:
        logger.warning("channel %s: sync paused, platform busy or down: %s", channel.id, error)
        progress.store(channel)
        return
    except (PlatformError, ValueError) as error:
        logger.warning("channel %s: sync failed: %s", channel.id, error)
        progress.store(channel)
        record_sync_error(channel, platform_problem(error) if isinstance(error, PlatformError) else str(error))
        return
    progress.store(channel)
    record_sync_success(channel)
    if more:
        enqueue_after_commit(session, sync_channel, channel.id, account_id=channel.account_id)


#: Names our advisory locks on PostgreSQL (the first key of ``pg_advisory_xact_lock(int, int)``).
CHANNEL_WORK_LOCK = 0x52544E4F & 0x7FFFFFFF


def try_lock_channel_work(session: Session, channel_id: int) -> bool:
    """Take the channel's work lock for this transaction; False when another transaction holds it.

    On PostgreSQL an advisory transaction lock (re-entrant within the transaction, released at
    commit or rollback), not a row lock: the channel row must stay writable for a token refresh.
    SQLite runs one writer at a time anyway, so there it is always granted.
    """
    if not is_postgresql(session):
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:space, :key)"), _lock_keys(channel_id)))


def lock_channel_work(session: Session, channel_id: int) -> None:
    """Wait for the channel's work lock (see :func:`try_lock_channel_work`); held until the transaction ends."""
    if is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"), _lock_keys(channel_id))


def _lock_keys(channel_id: int) -> dict[str, int]:
    """The lock's two int4 keys; ids beyond 2**31 share a key with a smaller one, which only serialises them."""
    return {"space": CHANNEL_WORK_LOCK, "key": channel_id % 2**31}


@dataclass
class _Progress:
    """Where the feeds stand in this run; written to the channel once, at the end."""

    sync_cursor: str
    returns_cursor: str

    def store(self, channel: SalesChannel) -> None:
        channel.sync_cursor = self.sync_cursor
        channel.returns_cursor = self.returns_cursor


def _run(
    ctx: JobContext, account: Account, channel: SalesChannel, adapter: PlatformAdapter, progress: _Progress
) -> bool:
    """The sync steps; True when a feed has more than one run reads."""
    session = ctx.session
    if adapter.supports(Capability.webhooks):
        setup = adapter.ensure_webhooks(webhook_url(ctx.settings, channel))
        if setup.changed:
            logger.info("channel %s: webhooks set up %s", channel.id, setup)
    more = False
    if adapter.supports(Capability.polling):
        more = _sync_orders(session, account, channel, adapter, progress)
    if adapter.supports(Capability.customer_returns):
        more = _sync_returns(session, account, channel, adapter, progress) or more
    return more


def _sync_orders(
    session: Session, account: Account, channel: SalesChannel, adapter: PlatformAdapter, progress: _Progress
) -> bool:
    for _ in range(MAX_PAGES_PER_RUN):
        page = adapter.fetch_order_changes(progress.sync_cursor)
        for external_id in dict.fromkeys(page.order_external_ids):
            _fetch_and_upsert(session, account, channel, adapter, external_id)
        session.flush()
        progress.sync_cursor = page.cursor
        if not page.has_more:
            return False
    return True


def _fetch_and_upsert(
    session: Session, account: Account, channel: SalesChannel, adapter: PlatformAdapter, external_id: str
) -> None:
    try:
        snapshot = adapter.fetch_order(external_id)
    except NotFound:
        logger.info("channel %s: order %s changed but is gone", channel.id, external_id)
        return
    order = upsert_order(session, account=account, channel=channel, snapshot=snapshot)
    if channel.message_buyers:
        _message_buyer_if_due(session, channel, order)


def _message_buyer_if_due(session: Session, channel: SalesChannel, order: Order) -> None:
    """Send the buyer our form's link through the platform once the order is paid (channels that opted in)."""
    from retino_core.orders.tasks import buyer_message_due, message_buyer

    if buyer_message_due(session, channel, order):
        enqueue_after_commit(session, message_buyer, order.id, account_id=channel.account_id)


def _sync_returns(
    session: Session, account: Account, channel: SalesChannel, adapter: PlatformAdapter, progress: _Progress
) -> bool:
    """Open a case per customer return; a return's order is fetched first when it is not imported yet.

    A return that cannot be filed (no return type, no items) is logged and skipped, so one bad
    return does not stop every later sync; a savepoint keeps its half-done rows out.
    """
    from retino_core.intake.platform_returns import import_customer_return

    for _ in range(MAX_PAGES_PER_RUN):
        page = adapter.fetch_customer_returns(progress.returns_cursor)
        for snapshot in page.returns:
            if snapshot.order_external_id and not _order_known(session, channel, snapshot.order_external_id):
                _fetch_and_upsert(session, account, channel, adapter, snapshot.order_external_id)
            try:
                with session.begin_nested():
                    import_customer_return(session, account=account, channel=channel, snapshot=snapshot)
            except DomainError as refused:
                logger.warning("channel %s: return %s not filed: %s", channel.id, snapshot.external_id, refused)
        session.flush()
        progress.returns_cursor = page.cursor
        if not page.has_more:
            return False
    return True


def _order_known(session: Session, channel: SalesChannel, external_id: str) -> bool:
    found = session.scalar(select(Order.id).where(Order.channel_id == channel.id, Order.external_id == external_id))
    return found is not None


def record_sync_success(channel: SalesChannel) -> None:
    """The channel synced: connected, last sync now, no error."""
    channel.status = ChannelStatus.connected
    channel.status_message = ""
    channel.last_error_at = None
    channel.last_synced_at = clock.now()


def platform_problem(error: PlatformError) -> str:
    """What went wrong, for the merchant: the platform's own words and the HTTP status, no URL or method."""
    return f"{error.message} (HTTP {error.status})" if error.status else error.message


def record_sync_error(channel: SalesChannel, message: str) -> None:
    """The channel could not be synced: ``error`` with the reason for the merchant (tokens never appear in it)."""
    channel.status = ChannelStatus.error
    channel.status_message = message[:STATUS_MESSAGE_LENGTH]
    channel.last_error_at = clock.now()
