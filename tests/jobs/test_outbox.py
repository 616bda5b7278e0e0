from __future__ import annotations

from datetime import timedelta

import pytest
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select, update

from retino_core import clock
from retino_core.jobs import (
    OutboxJob,
    OutboxStatus,
    UnknownJobError,
    bind_dispatcher,
    cleanup_outbox,
    enqueue_after_commit,
    outbox_rq_job_id,
    resolve_job,
    run_now,
    run_outbox_job,
    sweep_outbox,
)
from tests.jobs.conftest import RecordingDispatcher, rq_queue, tag_names, work_burst
from tests.jobs.sample_jobs import always_fails, tag_account


def outbox_rows(runtime):
    with runtime.session_factory() as session:
        return list(session.scalars(select(OutboxJob).order_by(OutboxJob.id)))


def test_rollback_stores_nothing_and_dispatches_nothing(session, account):
    # given
    recorder = RecordingDispatcher()
    bind_dispatcher(session, recorder)
    # when
    enqueue_after_commit(session, tag_account, 1, account_id=account.id)
    session.rollback()
    # then
    assert session.scalar(select(func.count()).select_from(OutboxJob)) == 0
    assert recorder.dispatched == []


def test_job_is_dispatched_only_after_commit(session, account):
    # given
    recorder = RecordingDispatcher()
    bind_dispatcher(session, recorder)
    # when
    row = enqueue_after_commit(session, tag_account, 7, account_id=account.id)
    session.flush()
    before_commit = list(recorder.dispatched)
    session.commit()
    # then
    assert before_commit == []
    assert recorder.dispatched == [(row.id, "tests.jobs.sample_jobs.tag_account")]
    assert row.args == [7]
    assert row.queue == "default"
    assert row.status is OutboxStatus.pending


def test_session_without_dispatcher_leaves_row_pending(session, account):
    # when
    enqueue_after_commit(session, tag_account, 3, account_id=account.id)
    session.commit()
    # then
    assert session.scalars(select(OutboxJob.status)).all() == [OutboxStatus.pending]


def test_inline_dispatcher_runs_the_job_after_commit(runtime, account):
    # when
    with runtime.unit_of_work() as session:
        enqueue_after_commit(session, tag_account, 5, account_id=account.id)
        assert tag_names(runtime, account.id) == []
    # then
    assert tag_names(runtime, account.id) == ["job-5"]
    [row] = outbox_rows(runtime)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.done, 1, "")
    assert row.enqueued_at is not None
    assert row.finished_at is not None


def test_inline_failure_is_recorded_and_fails_after_the_retry_budget(runtime, account):
    # given: always_fails allows one retry
    with runtime.unit_of_work() as session:
        row = enqueue_after_commit(session, always_fails, 9, account_id=account.id)
    [after_first] = outbox_rows(runtime)
    # when
    with pytest.raises(RuntimeError, match="boom 9"):
        run_outbox_job(runtime, row.id)
    # then
    assert (after_first.status, after_first.attempts, after_first.last_error) == (
        OutboxStatus.enqueued,
        1,
        "RuntimeError: boom 9",
    )
    [after_second] = outbox_rows(runtime)
    assert (after_second.status, after_second.attempts) == (OutboxStatus.failed, 2)
    assert after_second.finished_at is not None


def test_a_done_row_is_not_run_again(runtime, account):
    # given
    with runtime.unit_of_work() as session:
        row = enqueue_after_commit(session, tag_account, 2, account_id=account.id)
    # when
    run_outbox_job(runtime, row.id)
    # then
    [again] = outbox_rows(runtime)
    assert (again.status, again.attempts) == (OutboxStatus.done, 1)
    assert tag_names(runtime, account.id) == ["job-2"]


def test_enqueue_refuses_undeclared_functions_and_non_integer_ids(session, account):
    def not_a_job(ctx, marker):
        return None

    with pytest.raises(UnknownJobError):
        enqueue_after_commit(session, not_a_job, 1, account_id=account.id)
    with pytest.raises(TypeError):
        enqueue_after_commit(session, tag_account, "1", account_id=account.id)
    with pytest.raises(UnknownJobError):
        resolve_job("os.system")


def test_rq_dispatcher_enqueues_under_a_deterministic_id_and_worker_runs_it(rq_runtime, account, queue_prefix):
    # when
    with rq_runtime.unit_of_work() as session:
        row = enqueue_after_commit(session, tag_account, 4, account_id=account.id)
    # then
    queue = rq_queue(rq_runtime)
    assert queue.job_ids == [f"{queue_prefix}-outbox-{row.id}"]
    [enqueued] = outbox_rows(rq_runtime)
    assert enqueued.status is OutboxStatus.enqueued
    assert work_burst(rq_runtime) is True
    assert tag_names(rq_runtime, account.id) == ["job-4"]
    [done] = outbox_rows(rq_runtime)
    assert (done.status, done.attempts) == (OutboxStatus.done, 1)


def test_rq_retries_a_failing_job_then_marks_it_failed(rq_runtime, account):
    # given
    with rq_runtime.unit_of_work() as session:
        row = enqueue_after_commit(session, always_fails, 11, account_id=account.id)
    # when
    work_burst(rq_runtime)
    # then
    [failed] = outbox_rows(rq_runtime)
    assert (failed.status, failed.attempts, failed.last_error) == (OutboxStatus.failed, 2, "RuntimeError: boom 11")
    registry = FailedJobRegistry(queue=rq_queue(rq_runtime))
    assert registry.get_job_ids() == [outbox_rq_job_id(rq_runtime.settings.queue_prefix, row.id)]


def test_redis_outage_keeps_the_row_pending_and_the_sweeper_enqueues_it_once(outage_runtime, rq_runtime, account):
    # given: Redis is unreachable when the transaction commits
    with outage_runtime.unit_of_work() as session:
        enqueue_after_commit(session, tag_account, 6, account_id=account.id)
    [pending] = outbox_rows(outage_runtime)
    assert pending.status is OutboxStatus.pending
    # when: Redis is back and the sweeper runs twice before any worker
    run_now(rq_runtime, sweep_outbox)
    run_now(rq_runtime, sweep_outbox)
    # then
    queue = rq_queue(rq_runtime)
    assert queue.job_ids == [outbox_rq_job_id(rq_runtime.settings.queue_prefix, pending.id)]
    work_burst(rq_runtime)
    assert tag_names(rq_runtime, account.id) == ["job-6"]
    [done] = outbox_rows(rq_runtime)
    assert (done.status, done.attempts) == (OutboxStatus.done, 1)
    run_now(rq_runtime, sweep_outbox)
    assert queue.count == 0


def test_sweeper_skips_a_stale_row_still_on_the_queue_and_redispatches_a_lost_one(rq_runtime, account):
    # given: a row enqueued long ago
    with rq_runtime.unit_of_work() as session:
        row = enqueue_after_commit(session, tag_account, 8, account_id=account.id)
    with rq_runtime.unit_of_work() as session:
        session.execute(
            update(OutboxJob).where(OutboxJob.id == row.id).values(enqueued_at=clock.now() - timedelta(minutes=5))
        )
    queue = rq_queue(rq_runtime)
    # when: its rq job is still queued
    run_now(rq_runtime, sweep_outbox)
    # then
    assert queue.count == 1
    # when: Redis lost the job
    queue.empty()
    rq_runtime.dispatcher.connection.delete(f"rq:job:{outbox_rq_job_id(rq_runtime.settings.queue_prefix, row.id)}")
    run_now(rq_runtime, sweep_outbox)
    # then
    assert queue.count == 1
    work_burst(rq_runtime)
    assert tag_names(rq_runtime, account.id) == ["job-8"]


def test_inline_sweeper_reruns_a_stale_failed_row(runtime, account):
    # given: a job that failed once inline and was left enqueued
    with runtime.unit_of_work() as session:
        enqueue_after_commit(session, always_fails, 12, account_id=account.id)
    with runtime.unit_of_work() as session:
        session.execute(update(OutboxJob).values(enqueued_at=clock.now() - timedelta(minutes=5)))
    # when
    run_now(runtime, sweep_outbox)
    # then
    [row] = outbox_rows(runtime)
    assert (row.status, row.attempts) == (OutboxStatus.failed, 2)


def test_cleanup_deletes_done_rows_older_than_seven_days(runtime, account):
    # given
    with runtime.unit_of_work() as session:
        old = enqueue_after_commit(session, tag_account, 1, account_id=account.id)
        recent = enqueue_after_commit(session, tag_account, 2, account_id=account.id)
    with runtime.unit_of_work() as session:
        session.execute(
            update(OutboxJob).where(OutboxJob.id == old.id).values(finished_at=clock.now() - timedelta(days=8))
        )
    # when
    run_now(runtime, cleanup_outbox)
    # then
    assert [row.id for row in outbox_rows(runtime)] == [recent.id]
