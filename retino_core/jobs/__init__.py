"""Background jobs: the ``@job`` declaration, the DB outbox, dispatchers, the sweeper and the scheduler.

Importing this package has no side effects beyond registering the outbox model and the
periodic jobs' declarations; nothing connects to Redis or the database until used.
"""

from __future__ import annotations

from retino_core.jobs.dispatch import (
    Dispatcher,
    InlineDispatcher,
    RqDispatcher,
    outbox_rq_job_id,
    queue_name,
)
from retino_core.jobs.models import OutboxJob, OutboxStatus
from retino_core.jobs.outbox import (
    DISPATCHER_INFO_KEY,
    bind_dispatcher,
    current_runtime,
    dispatcher_for,
    enqueue_after_commit,
    execute_outbox_job,
    run_now,
    run_outbox_job,
    set_current_runtime,
)
from retino_core.jobs.periodic import (
    PERIODIC_JOBS,
    PeriodicJob,
    cleanup_outbox,
    run_scheduler,
    scheduler_tick,
    sweep_outbox,
)
from retino_core.jobs.registry import (
    QUEUES,
    JobContext,
    JobSpec,
    UnknownJobError,
    job,
    registered_jobs,
    resolve_job,
    spec_of,
)
from retino_core.jobs.worker import run_worker

__all__ = [
    "DISPATCHER_INFO_KEY",
    "PERIODIC_JOBS",
    "QUEUES",
    "Dispatcher",
    "InlineDispatcher",
    "JobContext",
    "JobSpec",
    "OutboxJob",
    "OutboxStatus",
    "PeriodicJob",
    "RqDispatcher",
    "UnknownJobError",
    "bind_dispatcher",
    "cleanup_outbox",
    "current_runtime",
    "dispatcher_for",
    "enqueue_after_commit",
    "execute_outbox_job",
    "job",
    "outbox_rq_job_id",
    "queue_name",
    "registered_jobs",
    "resolve_job",
    "run_now",
    "run_outbox_job",
    "run_scheduler",
    "run_worker",
    "scheduler_tick",
    "set_current_runtime",
    "spec_of",
    "sweep_outbox",
]
