"""The one way to declare a background job, and the registry that finds it again by name.

A job is a module-level function ``fn(ctx: JobContext, *ids: int) -> None``. It receives primary
keys, reloads its state and must be safe to run twice: the outbox delivers at least once.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from retino_core.config import Settings
    from retino_core.messaging.mailer import Mailer
    from retino_core.storage import FileStorage

#: The queues a worker listens on; few and named by what they do.
QUEUES: tuple[str, ...] = ("default", "emails", "documents", "platform_sync")


class UnknownJobError(LookupError):
    pass


@dataclass(frozen=True)
class JobContext:
    """What a job gets besides its ids: the open session of its transaction and the ports."""

    session: Session
    settings: Settings
    mailer: Mailer
    storage: FileStorage
    #: The tenant the job works for; None for installation-wide jobs (the sweeper, cleanups).
    account_id: int | None
    #: The outbox row being executed.
    outbox_id: int | None = None


class FailureHook(Protocol):
    def __call__(
        self, session: Session, *, account_id: int | None, ids: Sequence[int], error: str, gave_up: bool
    ) -> None: ...


class JobFunction(Protocol):
    def __call__(self, ctx: JobContext, *ids: int) -> None: ...


@dataclass(frozen=True)
class JobSpec:
    name: str
    function: Callable[..., None]
    queue: str
    #: Seconds before rq kills the work horse.
    timeout: int
    #: How many times rq retries after the first failure.
    max_retries: int
    #: Seconds to wait before each retry; the last value repeats.
    retry_intervals: tuple[int, ...] = field(default_factory=tuple)
    #: Called in its own transaction after each failed run (``gave_up`` once the budget is spent).
    on_failure: FailureHook | None = None

    @property
    def max_attempts(self) -> int:
        return self.max_retries + 1


_REGISTRY: dict[str, JobSpec] = {}


def job_name(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def job(
    *,
    queue: str = "default",
    timeout: int = 60,
    retries: tuple[int, Sequence[int]] = (3, (10, 60, 300)),
    on_failure: FailureHook | None = None,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Declare a module-level function as a job and register it under its dotted name."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; use one of {', '.join(QUEUES)}")
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    max_retries, intervals = retries
    if max_retries < 0 or any(interval < 0 for interval in intervals):
        raise ValueError("retries must be (max >= 0, [intervals >= 0])")

    def decorate(function: Callable[..., None]) -> Callable[..., None]:
        if "<locals>" in function.__qualname__:
            raise ValueError("jobs must be module-level functions")
        spec = JobSpec(
            name=job_name(function),
            function=function,
            queue=queue,
            timeout=timeout,
            max_retries=max_retries,
            retry_intervals=tuple(intervals),
            on_failure=on_failure,
        )
        _REGISTRY[spec.name] = spec
        function.job_spec = spec  # type: ignore[attr-defined]
        return function

    return decorate


def spec_of(function: Callable[..., Any]) -> JobSpec:
    spec = getattr(function, "job_spec", None)
    if not isinstance(spec, JobSpec):
        raise UnknownJobError(f"{job_name(function)} is not declared with @job")
    return spec


def resolve_job(name: str) -> JobSpec:
    """The job registered as ``name``, importing its module first if this process has not yet."""
    spec = _REGISTRY.get(name)
    if spec is None:
        module_name, _, _ = name.rpartition(".")
        if not module_name.startswith("retino_core.") and not module_name.startswith("adapters."):
            raise UnknownJobError(name)
        try:
            importlib.import_module(module_name)
        except ImportError as error:
            raise UnknownJobError(name) from error
        spec = _REGISTRY.get(name)
    if spec is None:
        raise UnknownJobError(name)
    return spec


def registered_jobs() -> dict[str, JobSpec]:
    return dict(_REGISTRY)
