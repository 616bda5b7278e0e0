from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import select

from retino_core.jobs import (
    PERIODIC_JOBS,
    OutboxJob,
    OutboxStatus,
    run_scheduler,
    run_worker,
    scheduler_tick,
    set_current_runtime,
)
from retino_core.runtime import build_runtime
from tests.jobs.conftest import rq_queue

FIXED_NOW = datetime(2026, 3, 14, 10, 30, 15, tzinfo=UTC)


def job_names(runtime):
    with runtime.session_factory() as session:
        return list(session.scalars(select(OutboxJob.job_name).order_by(OutboxJob.job_name)))


def test_periodic_jobs_are_declared_in_one_list():
    assert [(job.name, job.every_seconds) for job in PERIODIC_JOBS] == [
        ("retino_core.jobs.periodic.sweep_outbox", 60),
        ("retino_core.jobs.periodic.cleanup_outbox", 86400),
        ("retino_core.accounts.tasks.deactivate_expired_trials", 3600),
        ("retino_core.accounts.tasks.purge_deactivated_accounts", 86400),
        ("retino_core.intake.tasks.purge_expired_drafts", 3600),
        ("retino_core.ratings.tasks.compute_certificates", 86400),
        ("retino_core.channels.sync.schedule_channel_syncs", 60),
        ("retino_core.webhooks.tasks.prune_webhook_deliveries", 86400),
    ]


def test_two_scheduler_loops_enqueue_each_slot_once(rq_settings, engine, rq_runtime):
    # given: two schedulers with their own runtimes, same clock slot
    first = build_runtime(rq_settings, engine=engine)
    second = build_runtime(rq_settings, engine=engine)
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=run_scheduler, args=(runtime,), kwargs={"stop": stop, "tick_seconds": 0.01, "now": lambda: FIXED_NOW}
        )
        for runtime in (first, second)
    ]
    # when
    for thread in threads:
        thread.start()
    stop.wait(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    first.close()
    second.close()
    # then
    assert job_names(rq_runtime) == [
        "retino_core.accounts.tasks.deactivate_expired_trials",
        "retino_core.accounts.tasks.purge_deactivated_accounts",
        "retino_core.channels.sync.schedule_channel_syncs",
        "retino_core.intake.tasks.purge_expired_drafts",
        "retino_core.jobs.periodic.cleanup_outbox",
        "retino_core.jobs.periodic.sweep_outbox",
        "retino_core.ratings.tasks.compute_certificates",
        "retino_core.webhooks.tasks.prune_webhook_deliveries",
    ]
    assert rq_queue(rq_runtime).count == 8


def test_a_new_slot_is_enqueued_again(rq_runtime):
    # when
    first = scheduler_tick(rq_runtime, at=FIXED_NOW)
    same_slot = scheduler_tick(rq_runtime, at=FIXED_NOW.replace(second=59))
    next_slot = scheduler_tick(rq_runtime, at=FIXED_NOW.replace(minute=31))
    # then
    assert first == [
        "retino_core.jobs.periodic.sweep_outbox",
        "retino_core.jobs.periodic.cleanup_outbox",
        "retino_core.accounts.tasks.deactivate_expired_trials",
        "retino_core.accounts.tasks.purge_deactivated_accounts",
        "retino_core.intake.tasks.purge_expired_drafts",
        "retino_core.ratings.tasks.compute_certificates",
        "retino_core.channels.sync.schedule_channel_syncs",
        "retino_core.webhooks.tasks.prune_webhook_deliveries",
    ]
    assert same_slot == []
    assert next_slot == ["retino_core.jobs.periodic.sweep_outbox", "retino_core.channels.sync.schedule_channel_syncs"]


def test_forking_worker_runs_the_periodic_jobs(rq_runtime):
    # given
    scheduler_tick(rq_runtime, at=FIXED_NOW)
    # when
    try:
        worked = run_worker(rq_runtime, ["default"], burst=True, with_scheduler=False)
    finally:
        set_current_runtime(None)
    # then
    assert worked is True
    with rq_runtime.session_factory() as session:
        assert session.scalars(select(OutboxJob.status)).all() == [OutboxStatus.done] * 8
