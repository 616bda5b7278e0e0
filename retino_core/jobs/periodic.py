"""Periodic jobs (declared as data in ``PERIODIC_JOBS``), the outbox sweeper and the scheduler loop.

Each scheduler tick computes the current slot of every periodic job and claims
``{prefix}:periodic:{job}:{slot}`` with ``SET NX EX``; only the scheduler that wins the claim
writes the outbox row, so several schedulers enqueue each slot once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import redis
from sqlalchemy import and_, delete, or_, select

from retino_core import clock
from retino_core.db import after_commit
from retino_core.jobs.dispatch import Dispatcher
from retino_core.jobs.models import OutboxJob, OutboxStatus
from retino_core.jobs.outbox import _dispatch_safely, dispatcher_for, enqueue_after_commit
from retino_core.jobs.registry import JobContext, job, spec_of

if TYPE_CHECKING:
    from retino_core.runtime import Runtime

logger = logging.getLogger(__name__)

#: Rows one sweep looks at; the next sweep takes the rest.
SWEEP_BATCH = 500
#: Done rows are kept this long for inspection, then deleted.
DONE_RETENTION = timedelta(days=7)


@job(queue="default", timeout=300, retries=(0, ()))
def sweep_outbox(ctx: JobContext) -> None:
    """Re-dispatch pending rows and rows enqueued too long ago without finishing, once each.

    Rows a worker is running right now are locked and skipped; rows whose rq job is still queued,
    running or waiting for a retry are left alone. The rest are dispatched after this commit.
    """
    dispatcher = dispatcher_for(ctx.session)
    if dispatcher is None:
        return
    stale_before = clock.now() - timedelta(seconds=ctx.settings.outbox_stale_seconds)
    query = select(OutboxJob).where(
        or_(
            OutboxJob.status == OutboxStatus.pending,
            and_(OutboxJob.status == OutboxStatus.enqueued, OutboxJob.enqueued_at < stale_before),
        )
    )
    if ctx.outbox_id is not None:
        query = query.where(OutboxJob.id != ctx.outbox_id)
    rows = ctx.session.scalars(query.order_by(OutboxJob.id).limit(SWEEP_BATCH).with_for_update(skip_locked=True)).all()
    for row in rows:
        try:
            if dispatcher.is_in_flight(row.id):
                continue
        except redis.RedisError as error:
            logger.warning("sweeper cannot reach the queue, retrying next time: %s", error)
            return
        logger.info("sweeper re-dispatches outbox %s (%s, %s)", row.id, row.job_name, row.status.value)
        after_commit(ctx.session, _redispatch(dispatcher, row.id, row.job_name))


def _redispatch(dispatcher: Dispatcher, outbox_id: int, name: str) -> Callable[[], None]:
    return lambda: _dispatch_safely(dispatcher, outbox_id, name)


@job(queue="default", timeout=300, retries=(0, ()))
def cleanup_outbox(ctx: JobContext) -> None:
    """Delete done rows older than seven days."""
    cutoff = clock.now() - DONE_RETENTION
    ctx.session.execute(delete(OutboxJob).where(OutboxJob.status == OutboxStatus.done, OutboxJob.finished_at < cutoff))


@dataclass(frozen=True)
class PeriodicJob:
    job: Callable[..., None]
    #: The job runs once per slot of this many seconds (slots are aligned to the Unix epoch).
    every_seconds: int

    @property
    def name(self) -> str:
        return spec_of(self.job).name

    def slot(self, at: datetime) -> int:
        return int(at.timestamp()) // self.every_seconds


from retino_core.accounts.tasks import deactivate_expired_trials, purge_deactivated_accounts  # noqa: E402
from retino_core.channels.sync import schedule_channel_syncs  # noqa: E402
from retino_core.intake.tasks import purge_expired_drafts  # noqa: E402
from retino_core.ratings.tasks import compute_certificates  # noqa: E402
from retino_core.webhooks.tasks import prune_webhook_deliveries  # noqa: E402

PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(sweep_outbox, every_seconds=60),
    PeriodicJob(cleanup_outbox, every_seconds=24 * 3600),
    PeriodicJob(deactivate_expired_trials, every_seconds=3600),
    PeriodicJob(purge_deactivated_accounts, every_seconds=24 * 3600),
    PeriodicJob(purge_expired_drafts, every_seconds=3600),
    PeriodicJob(compute_certificates, every_seconds=24 * 3600),
    PeriodicJob(schedule_channel_syncs, every_seconds=60),
    PeriodicJob(prune_webhook_deliveries, every_seconds=24 * 3600),
)


def scheduler_tick(
    runtime: Runtime, *, at: datetime | None = None, periodic_jobs: Sequence[PeriodicJob] = PERIODIC_JOBS
) -> list[str]:
    """Enqueue every periodic job whose current slot this scheduler claims; return their names."""
    moment = at or clock.now()
    enqueued: list[str] = []
    for periodic in periodic_jobs:
        key = f"{runtime.settings.queue_prefix}:periodic:{periodic.name}:{periodic.slot(moment)}"
        try:
            claimed = runtime.dispatcher.claim(key, ttl_seconds=periodic.every_seconds * 2)
        except redis.RedisError as error:
            logger.warning("scheduler cannot reach Redis, skipping this tick: %s", error)
            return enqueued
        if not claimed:
            continue
        with runtime.unit_of_work() as session:
            enqueue_after_commit(session, periodic.job, account_id=None)
        enqueued.append(periodic.name)
    return enqueued


def run_scheduler(
    runtime: Runtime,
    *,
    stop: threading.Event,
    tick_seconds: float = 1.0,
    periodic_jobs: Sequence[PeriodicJob] = PERIODIC_JOBS,
    now: Callable[[], datetime] = clock.now,
) -> None:
    """Tick until ``stop`` is set; safe to run in several processes at once."""
    logger.info("scheduler started for %s periodic jobs", len(periodic_jobs))
    while not stop.is_set():
        try:
            scheduler_tick(runtime, at=now(), periodic_jobs=periodic_jobs)
        except Exception:
            logger.exception("scheduler tick failed")
        stop.wait(tick_seconds)
    logger.info("scheduler stopped")
