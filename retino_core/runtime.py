"""The wired-up core for one process: settings, database, mailer, storage and job dispatcher.

The web app, the CLI and the worker each build one ``Runtime`` at start-up with
:func:`build_runtime`; nothing here happens at import time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from retino_core.config import SETTINGS_INFO_KEY, Settings
from retino_core.db import make_engine, make_session_factory, transaction
from retino_core.jobs.dispatch import Dispatcher, InlineDispatcher, RqDispatcher
from retino_core.jobs.outbox import DISPATCHER_INFO_KEY, run_outbox_job
from retino_core.jobs.registry import JobContext
from retino_core.messaging.mailer import FolderMailer, Mailer, SmtpMailer
from retino_core.storage import FileStorage, LocalFolderStorage


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    #: Sessions from this factory carry the dispatcher and the settings in ``Session.info``.
    session_factory: sessionmaker[Session]
    mailer: Mailer
    storage: FileStorage
    dispatcher: Dispatcher
    #: Whether ``close()`` disposes the engine (False when the caller passed its own).
    owns_engine: bool = False
    pid: int = field(default_factory=os.getpid)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: commit on success (then after-commit jobs dispatch), roll back on error."""
        with transaction(self.session_factory) as session:
            yield session

    def job_context(self, session: Session, *, account_id: int | None) -> JobContext:
        return JobContext(
            session=session, settings=self.settings, mailer=self.mailer, storage=self.storage, account_id=account_id
        )

    def ensure_process(self) -> None:
        """After a fork, drop the parent's pooled connections without closing them under the parent."""
        if os.getpid() != self.pid:
            self.engine.dispose(close=False)
            self.pid = os.getpid()

    def close(self) -> None:
        self.dispatcher.close()
        if self.owns_engine:
            self.engine.dispose()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def build_mailer(settings: Settings) -> Mailer:
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url)
    return FolderMailer(settings.resolved_storage_folder / "outbox")


def build_runtime(settings: Settings, *, engine: Engine | None = None, mailer: Mailer | None = None) -> Runtime:
    """Wire the core for ``settings``: rq dispatch when ``redis_url`` is set, in-process otherwise."""
    owns_engine = engine is None
    bound_engine = engine if engine is not None else make_engine(settings.resolved_database_url)
    session_factory = make_session_factory(bound_engine)
    built: list[Runtime] = []
    dispatcher: Dispatcher
    if settings.redis_url:
        dispatcher = RqDispatcher(settings.redis_url, settings.queue_prefix, session_factory)
    else:
        dispatcher = InlineDispatcher(session_factory, lambda outbox_id: run_outbox_job(built[0], outbox_id))
    session_factory.configure(info={DISPATCHER_INFO_KEY: dispatcher, SETTINGS_INFO_KEY: settings})
    runtime = Runtime(
        settings=settings,
        engine=bound_engine,
        session_factory=session_factory,
        mailer=mailer if mailer is not None else build_mailer(settings),
        storage=LocalFolderStorage(settings.resolved_storage_folder),
        dispatcher=dispatcher,
        owns_engine=owns_engine,
    )
    built.append(runtime)
    return runtime
