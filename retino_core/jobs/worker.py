"""The rq worker entry point: one forking worker over the project's queues."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rq import Queue, Worker

from retino_core.jobs.dispatch import RqDispatcher, queue_name
from retino_core.jobs.outbox import set_current_runtime
from retino_core.jobs.registry import QUEUES

if TYPE_CHECKING:
    from retino_core.runtime import Runtime


def run_worker(
    runtime: Runtime, queues: Sequence[str] = QUEUES, burst: bool = False, *, with_scheduler: bool = True
) -> bool:
    """Work ``queues`` (short names such as ``"emails"``) until stopped, or until empty with ``burst``.

    The runtime is installed for the job functions before rq forks its work horses, which
    inherit it (and rebuild their database pool on first use). ``with_scheduler`` lets this
    worker move retries that wait for an interval back onto their queue.
    Returns whether any job ran.
    """
    dispatcher = runtime.dispatcher
    if not isinstance(dispatcher, RqDispatcher):
        raise RuntimeError("run_worker needs RETINO_REDIS_URL; without Redis jobs run in-process after commit")
    unknown = [queue for queue in queues if queue not in QUEUES]
    if unknown:
        raise ValueError(f"unknown queues: {', '.join(unknown)}")
    set_current_runtime(runtime)
    rq_queues = [Queue(queue_name(dispatcher.prefix, queue), connection=dispatcher.connection) for queue in queues]
    name = f"{dispatcher.prefix}-{socket.gethostname()}-{secrets.token_hex(3)}"
    worker = Worker(rq_queues, connection=dispatcher.connection, name=name)
    return worker.work(burst=burst, with_scheduler=with_scheduler)
