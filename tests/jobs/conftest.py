"""Runtimes for job tests: in-process dispatch, rq on the test's Redis namespace, and an outage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from retino_core.cases.models import Tag
from retino_core.config import Settings
from retino_core.jobs import JobSpec, RqDispatcher, queue_name, set_current_runtime
from retino_core.runtime import Runtime, build_runtime


class RecordingDispatcher:
    """Remembers what it was asked to dispatch and runs nothing."""

    def __init__(self) -> None:
        self.dispatched: list[tuple[int, str]] = []

    def dispatch(self, outbox_id: int, spec: JobSpec) -> bool:
        self.dispatched.append((outbox_id, spec.name))
        return True

    def is_in_flight(self, outbox_id: int) -> bool:
        return False

    def claim(self, key: str, ttl_seconds: int) -> bool:
        return True

    def close(self) -> None:
        self.dispatched.clear()


@pytest.fixture
def runtime(settings: Settings, engine: Engine) -> Iterator[Runtime]:
    built = build_runtime(settings, engine=engine)
    yield built
    built.close()


@pytest.fixture
def rq_settings(settings: Settings, redis_url: str, queue_prefix: str) -> Settings:
    return settings.with_overrides(redis_url=redis_url, queue_prefix=queue_prefix)


@pytest.fixture
def rq_runtime(rq_settings: Settings, engine: Engine) -> Iterator[Runtime]:
    built = build_runtime(rq_settings, engine=engine)
    yield built
    built.close()


@pytest.fixture
def outage_runtime(settings: Settings, engine: Engine, queue_prefix: str) -> Iterator[Runtime]:
    built = build_runtime(
        settings.with_overrides(redis_url="redis://127.0.0.1:1/0", queue_prefix=queue_prefix), engine=engine
    )
    yield built
    built.close()


@pytest.fixture
def account(session: Session, make_account: Any) -> Any:
    """A committed account (jobs run in their own sessions and must see it)."""
    created = make_account()
    session.commit()
    return created


def rq_queue(runtime: Runtime, queue: str = "default") -> Queue:
    dispatcher = runtime.dispatcher
    assert isinstance(dispatcher, RqDispatcher)
    return Queue(queue_name(dispatcher.prefix, queue), connection=dispatcher.connection)


def work_burst(runtime: Runtime, queues: tuple[str, ...] = ("default",)) -> bool:
    dispatcher = runtime.dispatcher
    assert isinstance(dispatcher, RqDispatcher)
    worker = SimpleWorker(
        [rq_queue(runtime, queue) for queue in queues],
        connection=dispatcher.connection,
        name=f"{dispatcher.prefix}-test-worker",
    )
    set_current_runtime(runtime)
    try:
        return worker.work(burst=True, with_scheduler=False)
    finally:
        set_current_runtime(None)


def tag_names(runtime: Runtime, account_id: int) -> list[str]:
    with runtime.session_factory() as session:
        return list(session.scalars(select(Tag.name).where(Tag.account_id == account_id).order_by(Tag.name)))
