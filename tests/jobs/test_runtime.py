from __future__ import annotations

import pytest
from sqlalchemy import select

from retino_core.config import settings_for
from retino_core.jobs import InlineDispatcher, OutboxJob, RqDispatcher, dispatcher_for
from retino_core.messaging import FolderMailer, SmtpMailer
from retino_core.runtime import build_runtime
from retino_core.storage import LocalFolderStorage


def test_runtime_without_redis_or_smtp_runs_jobs_inline_and_writes_mail_to_a_folder(runtime, settings):
    assert isinstance(runtime.dispatcher, InlineDispatcher)
    assert isinstance(runtime.mailer, FolderMailer)
    assert runtime.mailer.folder == settings.resolved_storage_folder / "outbox"
    assert isinstance(runtime.storage, LocalFolderStorage)
    assert runtime.storage.folder == settings.resolved_storage_folder
    with runtime.session_factory() as session:
        assert dispatcher_for(session) is runtime.dispatcher
        assert settings_for(session.info) is settings


def test_runtime_with_redis_and_smtp(rq_settings, engine):
    with build_runtime(rq_settings.with_overrides(smtp_url="smtp://mail.example.test:2525"), engine=engine) as built:
        assert isinstance(built.dispatcher, RqDispatcher)
        assert isinstance(built.mailer, SmtpMailer)
        assert (built.mailer.settings.host, built.mailer.settings.port) == ("mail.example.test", 2525)


def test_unit_of_work_commits_on_success_and_rolls_back_on_error(runtime):
    with runtime.unit_of_work() as session:
        session.add(OutboxJob(job_name="x.y", args=[], queue="default"))
    with pytest.raises(RuntimeError, match="boom"):
        add_and_fail(runtime)
    with runtime.session_factory() as session:
        assert list(session.scalars(select(OutboxJob.job_name))) == ["x.y"]


def add_and_fail(runtime):
    with runtime.unit_of_work() as session:
        session.add(OutboxJob(job_name="x.z", args=[], queue="default"))
        session.flush()
        raise RuntimeError("boom")
