"""Dispatchers hand committed outbox rows to something that runs them.

``InlineDispatcher`` runs the job in-process right after commit (the embedded default, no
Redis). ``RqDispatcher`` enqueues it on an rq queue under a deterministic job id. Neither ever
raises into the committing caller: a failed hand-over leaves the row pending for the sweeper.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from retino_core.clock import now
from retino_core.jobs.models import OutboxJob, OutboxStatus
from retino_core.jobs.registry import JobSpec

logger = logging.getLogger(__name__)

#: Dotted path rq imports in the worker to run an outbox row.
EXECUTE_OUTBOX_JOB = "retino_core.jobs.outbox.execute_outbox_job"
#: Seconds a failed rq job stays inspectable in the FailedJobRegistry.
FAILURE_TTL_SECONDS = 7 * 24 * 3600
#: rq states in which a job will still run without our help.
IN_FLIGHT_STATES = frozenset(
    {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.CREATED}
)


class Dispatcher(Protocol):
    def dispatch(self, outbox_id: int, spec: JobSpec) -> bool:
        """Hand the committed row over; False (and the row stays pending) if that was not possible."""
        ...

    def is_in_flight(self, outbox_id: int) -> bool:
        """Whether the queue still holds the row's job (queued, running or waiting for a retry)."""
        ...

    def claim(self, key: str, ttl_seconds: int) -> bool:
        """Take a lock that expires by itself; True for exactly one caller per key and ttl."""
        ...

    def close(self) -> None: ...


def queue_name(prefix: str, queue: str) -> str:
    return f"{prefix}-{queue}"


def outbox_rq_job_id(prefix: str, outbox_id: int) -> str:
    return f"{prefix}-outbox-{outbox_id}"


def mark_enqueued(session_factory: sessionmaker[Session], outbox_id: int) -> None:
    """Record the hand-over, unless a fast worker already finished the row."""
    with session_factory() as session:
        session.execute(
            update(OutboxJob)
            .where(OutboxJob.id == outbox_id, OutboxJob.status.in_([OutboxStatus.pending, OutboxStatus.enqueued]))
            .values(status=OutboxStatus.enqueued, enqueued_at=now())
        )
        session.commit()


class InlineDispatcher:
    """Runs each job in this process, in a fresh session, right after the caller's commit."""

    def __init__(self, session_factory: sessionmaker[Session], run: Callable[[int], None]) -> None:
        self._session_factory = session_factory
        self._run = run
        self._claims: dict[str, float] = {}
        self._lock = threading.Lock()

    def dispatch(self, outbox_id: int, spec: JobSpec) -> bool:
        mark_enqueued(self._session_factory, outbox_id)
        try:
            self._run(outbox_id)
        except Exception:
            # The caller already committed; the failure is on the row and the sweeper retries it.
            logger.exception("inline job %s (outbox %s) failed", spec.name, outbox_id)
        return True

    def is_in_flight(self, outbox_id: int) -> bool:
        return False

    def claim(self, key: str, ttl_seconds: int) -> bool:
        with self._lock:
            moment = time.monotonic()
            self._claims = {k: until for k, until in self._claims.items() if until > moment}
            if key in self._claims:
                return False
            self._claims[key] = moment + ttl_seconds
            return True

    def close(self) -> None:
        self._claims.clear()


class RqDispatcher:
    """Enqueues ``execute_outbox_job(outbox_id)`` on ``{prefix}-{queue}``; a Redis outage loses nothing."""

    def __init__(
        self, redis_url: str, prefix: str, session_factory: sessionmaker[Session], *, socket_timeout: float = 5.0
    ) -> None:
        self.prefix = prefix
        self.connection = redis.Redis.from_url(
            redis_url, socket_connect_timeout=socket_timeout, socket_timeout=socket_timeout
        )
        self._session_factory = session_factory

    def queue(self, queue: str) -> Queue:
        return Queue(queue_name(self.prefix, queue), connection=self.connection)

    def dispatch(self, outbox_id: int, spec: JobSpec) -> bool:
        retry = Retry(max=spec.max_retries, interval=list(spec.retry_intervals) or 0) if spec.max_retries else None
        try:
            self.queue(spec.queue).enqueue_call(
                EXECUTE_OUTBOX_JOB,
                args=(outbox_id,),
                timeout=spec.timeout,
                job_id=outbox_rq_job_id(self.prefix, outbox_id),
                description=f"{spec.name} (outbox {outbox_id})",
                retry=retry,
                result_ttl=0,
                failure_ttl=FAILURE_TTL_SECONDS,
                unique=True,
            )
        except DuplicateJobError:
            logger.info("outbox %s is already on the queue", outbox_id)
        except redis.RedisError as error:
            logger.warning("could not enqueue %s (outbox %s), it stays pending: %s", spec.name, outbox_id, error)
            return False
        mark_enqueued(self._session_factory, outbox_id)
        return True

    def is_in_flight(self, outbox_id: int) -> bool:
        job_id = outbox_rq_job_id(self.prefix, outbox_id)
        try:
            rq_job = Job.fetch(job_id, connection=self.connection)
        except NoSuchJobError:
            return False
        if rq_job.get_status(refresh=False) in IN_FLIGHT_STATES:
            return True
        # Finished, failed, stopped or cancelled: clear it so the same id can be enqueued again.
        rq_job.delete()
        return False

    def claim(self, key: str, ttl_seconds: int) -> bool:
        return bool(self.connection.set(key, "1", nx=True, ex=ttl_seconds))

    def close(self) -> None:
        self.connection.close()
