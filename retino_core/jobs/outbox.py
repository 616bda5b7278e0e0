"""Writing jobs into the outbox with the caller's transaction, and running one outbox row.

``enqueue_after_commit`` inserts the row in the caller's transaction and dispatches it only after
that transaction commits, so a rollback leaves neither a row nor a queued job. The worker's
``execute_outbox_job`` runs the function in one transaction with the row locked, so a job
delivered twice runs its effect once.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from retino_core.clock import now
from retino_core.db import after_commit
from retino_core.jobs.dispatch import Dispatcher
from retino_core.jobs.models import OutboxJob, OutboxStatus
from retino_core.jobs.registry import JobContext, UnknownJobError, resolve_job, spec_of

if TYPE_CHECKING:
    from retino_core.runtime import Runtime

logger = logging.getLogger(__name__)

#: Key in ``Session.info`` (set through ``sessionmaker(info=...)``) under which the dispatcher lives.
DISPATCHER_INFO_KEY = "retino_dispatcher"
#: Longest error text kept on a row.
MAX_ERROR_LENGTH = 4000


def bind_dispatcher(session: Session, dispatcher: Dispatcher) -> None:
    """Let a session built elsewhere (e.g. a test's) dispatch through ``dispatcher``."""
    session.info[DISPATCHER_INFO_KEY] = dispatcher


def dispatcher_for(session: Session) -> Dispatcher | None:
    return session.info.get(DISPATCHER_INFO_KEY)


def enqueue_after_commit(
    session: Session, job_function: Callable[..., None], *ids: int, account_id: int | None
) -> OutboxJob:
    """Insert an outbox row for ``job_function(*ids)`` now; dispatch it once the transaction commits.

    A session without a dispatcher (one not built by a Runtime) still writes the row; it stays
    pending and the sweeper dispatches it.
    """
    spec = spec_of(job_function)
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in ids):
        raise TypeError("jobs take integer ids only")
    row = OutboxJob(
        account_id=account_id,
        job_name=spec.name,
        args=list(ids),
        queue=spec.queue,
        status=OutboxStatus.pending,
        attempts=0,
        last_error="",
        created_at=now(),
    )
    session.add(row)
    session.flush()
    dispatcher = dispatcher_for(session)
    if dispatcher is None:
        logger.debug("session has no dispatcher; outbox %s waits for the sweeper", row.id)
        return row
    outbox_id = row.id
    after_commit(session, lambda: _dispatch_safely(dispatcher, outbox_id, spec.name))
    return row


def _dispatch_safely(dispatcher: Dispatcher, outbox_id: int, name: str) -> None:
    try:
        dispatcher.dispatch(outbox_id, resolve_job(name))
    except Exception:
        # Never fail a caller whose transaction has already committed; the sweeper retries.
        logger.exception("dispatching outbox %s (%s) failed; it stays pending", outbox_id, name)


def run_outbox_job(runtime: Runtime, outbox_id: int) -> None:
    """Run one outbox row in one transaction; on error record the attempt and re-raise."""
    session = runtime.session_factory()
    try:
        row = session.scalar(select(OutboxJob).where(OutboxJob.id == outbox_id).with_for_update())
        if row is None or row.status in (OutboxStatus.done, OutboxStatus.failed):
            logger.info("outbox %s: nothing to do (%s)", outbox_id, "missing" if row is None else row.status.value)
            session.rollback()
            return
        spec = resolve_job(row.job_name)
        logger.info("outbox %s: running %s%s for account %s", outbox_id, spec.name, tuple(row.args), row.account_id)
        context = JobContext(
            session=session,
            settings=runtime.settings,
            mailer=runtime.mailer,
            storage=runtime.storage,
            account_id=row.account_id,
            outbox_id=row.id,
        )
        spec.function(context, *row.args)
        row.status = OutboxStatus.done
        row.attempts += 1
        row.last_error = ""
        row.finished_at = now()
        session.commit()
    except Exception as error:
        session.rollback()
        _record_failure(runtime, outbox_id, error)
        raise
    finally:
        session.close()


def run_now(runtime: Runtime, job_function: Callable[..., None], *ids: int, account_id: int | None = None) -> None:
    """Run a declared job here and now in its own transaction, without an outbox row (CLI, tests)."""
    spec = spec_of(job_function)
    with runtime.unit_of_work() as session:
        spec.function(runtime.job_context(session, account_id=account_id), *ids)


def _record_failure(runtime: Runtime, outbox_id: int, error: Exception) -> None:
    text = "".join(traceback.format_exception_only(type(error), error)).strip()[:MAX_ERROR_LENGTH]
    with runtime.session_factory() as session:
        row = session.scalar(select(OutboxJob).where(OutboxJob.id == outbox_id).with_for_update())
        if row is None:
            return
        row.attempts += 1
        row.last_error = text
        try:
            spec = resolve_job(row.job_name)
        except UnknownJobError:
            spec = None
        gave_up = spec is None or row.attempts >= spec.max_attempts
        if gave_up:
            row.status = OutboxStatus.failed
            row.finished_at = now()
        logger.warning(
            "outbox %s (%s) for account %s failed on attempt %s%s: %s",
            outbox_id,
            row.job_name,
            row.account_id,
            row.attempts,
            ", giving up" if gave_up else "",
            text,
        )
        if spec is not None and spec.on_failure is not None:
            spec.on_failure(session, account_id=row.account_id, ids=tuple(row.args), error=text, gave_up=gave_up)
        session.commit()


_current: dict[str, Any] = {}
_current_lock = threading.Lock()


def set_current_runtime(runtime: Runtime | None) -> None:
    """Install the runtime rq job functions use in this process (``run_worker`` does this)."""
    with _current_lock:
        if runtime is None:
            _current.pop("runtime", None)
        else:
            _current["runtime"] = runtime


def current_runtime() -> Runtime:
    """The installed runtime, or one built from ``RETINO_*`` variables on first use."""
    with _current_lock:
        runtime = _current.get("runtime")
        if runtime is None:
            from retino_core.config import Settings
            from retino_core.runtime import build_runtime

            runtime = build_runtime(Settings.from_env())
            _current["runtime"] = runtime
    runtime.ensure_process()
    return runtime


def execute_outbox_job(outbox_id: int) -> None:
    """The rq entry point: run outbox row ``outbox_id`` with the current runtime."""
    run_outbox_job(current_runtime(), outbox_id)
