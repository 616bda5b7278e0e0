from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.cases.models import CaseHistory
from retino_core.jobs import OutboxJob, OutboxStatus, bind_dispatcher, run_now, run_outbox_job, sweep_outbox
from retino_core.messaging import (
    EmailStatus,
    MessagingError,
    OutboundEmail,
    list_folder_messages,
    queue_case_email,
    send_email,
)
from retino_core.runtime import build_runtime
from tests.jobs.conftest import RecordingDispatcher, work_burst
from tests.messaging.conftest import free_port

ACTOR = Actor.system("automation")


def emails(runtime):
    with runtime.session_factory() as session:
        return list(session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)))


def test_queue_case_email_stores_the_rendered_email_history_and_job(session, account, make_mail_case, settings):
    # given
    case = make_mail_case(account, access_token="tok-123")
    recorder = RecordingDispatcher()
    bind_dispatcher(session, recorder)
    # when
    email = queue_case_email(session, case=case, template="case_created", actor=ACTOR, runtime_settings=settings)
    session.flush()
    dispatched_before_commit = list(recorder.dispatched)
    session.commit()
    # then
    assert email.idempotency_key == f"case_created:{case.id}"
    assert (email.template, email.language, email.status) == ("case_created", "cs", EmailStatus.queued)
    assert (email.to_address, email.to_name) == ("petr.dvorak@example.test", "Petr Dvořák")
    assert (email.from_name, email.from_address) == (account.name, "returns@example.test")
    assert email.subject == f"Založili jsme váš případ {case.number} – {account.name}"
    assert "http://shop.example.test/s/tok-123\n" in email.body_text
    assert "- 2 × Tričko s potiskem (998,00\xa0Kč)" not in email.body_text
    assert "- 2 × Tričko s potiskem (499,00\xa0Kč)\n- 1 × Kšiltovka\n" in email.body_text
    history = session.scalars(select(CaseHistory).where(CaseHistory.case_id == case.id)).all()
    assert [(h.kind, h.actor_label, h.data) for h in history] == [
        ("email_queued", "automation", {"email_id": email.id, "template": "case_created"})
    ]
    outbox = session.scalars(select(OutboxJob)).all()
    assert [(o.job_name, o.args, o.account_id, o.queue) for o in outbox] == [
        ("retino_core.messaging.tasks.send_email", [email.id], account.id, "emails")
    ]
    assert dispatched_before_commit == []
    assert recorder.dispatched == [(outbox[0].id, "retino_core.messaging.tasks.send_email")]


def test_queueing_the_same_template_twice_returns_the_first_email(session, account, make_mail_case, settings):
    # given
    case = make_mail_case(account)
    first = queue_case_email(session, case=case, template="case_created", actor=ACTOR, runtime_settings=settings)
    session.commit()
    # when
    second = queue_case_email(session, case=case, template="case_created", actor=ACTOR, runtime_settings=settings)
    session.commit()
    # then
    assert second.id == first.id
    assert len(session.scalars(select(OutboundEmail)).all()) == 1
    assert len(session.scalars(select(OutboxJob)).all()) == 1
    assert len(session.scalars(select(CaseHistory)).all()) == 1


def test_rollback_leaves_no_email_no_history_and_no_job(session, account, make_mail_case, settings):
    # given
    case = make_mail_case(account)
    recorder = RecordingDispatcher()
    bind_dispatcher(session, recorder)
    # when
    queue_case_email(session, case=case, template="case_closed", actor=ACTOR, runtime_settings=settings)
    session.rollback()
    # then
    assert session.scalars(select(OutboundEmail)).all() == []
    assert session.scalars(select(CaseHistory)).all() == []
    assert session.scalars(select(OutboxJob)).all() == []
    assert recorder.dispatched == []


def test_case_without_customer_email_queues_nothing(session, account, make_mail_case, settings):
    case = make_mail_case(account, customer_email="")
    assert queue_case_email(session, case=case, template="case_created", actor=ACTOR, runtime_settings=settings) is None


def test_unknown_template_is_refused(session, account, make_mail_case, settings):
    case = make_mail_case(account)
    with pytest.raises(MessagingError):
        queue_case_email(session, case=case, template="newsletter", actor=ACTOR, runtime_settings=settings)


def test_case_closed_email_is_delivered_over_smtp_after_commit(
    session, account, make_mail_case, smtp_runtime, smtp_server
):
    # given
    case = make_mail_case(account, access_token="tok-9", language="pl")
    bind_dispatcher(session, smtp_runtime.dispatcher)
    email = queue_case_email(
        session, case=case, template="case_closed", actor=ACTOR, runtime_settings=smtp_runtime.settings
    )
    assert smtp_server.received == []
    # when
    session.commit()
    # then
    [received] = smtp_server.received
    [sent] = emails(smtp_runtime)
    assert (sent.id, sent.status, sent.error) == (email.id, EmailStatus.sent, "")
    assert sent.sent_at is not None
    assert received.recipients == ["petr.dvorak@example.test"]
    assert received.sender == "returns@example.test"
    message = received.message
    assert message["Message-ID"] == sent.message_id
    assert message["Subject"] == f"Twoje zgłoszenie {case.number} zostało zamknięte – oceń nas"
    assert message["To"].addresses[0].display_name == "Petr Dvořák"
    assert message["From"].addresses[0].display_name == account.name
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "http://shop.example.test/s/tok-9/rate\r\n" in text
    assert 'href="http://shop.example.test/s/tok-9/rate"' in html


def test_send_job_run_twice_sends_one_email(session, account, make_mail_case, smtp_runtime, smtp_server):
    # given: queued without dispatch
    case = make_mail_case(account)
    email = queue_case_email(
        session, case=case, template="case_created", actor=ACTOR, runtime_settings=smtp_runtime.settings
    )
    session.commit()
    # when
    run_now(smtp_runtime, send_email, email.id, account_id=account.id)
    run_now(smtp_runtime, send_email, email.id, account_id=account.id)
    # then
    assert len(smtp_server.received) == 1
    [sent] = emails(smtp_runtime)
    assert sent.status is EmailStatus.sent


def test_rq_redelivery_of_the_send_job_sends_one_email(
    session, account, make_mail_case, rq_settings, engine, smtp_server
):
    # given
    with build_runtime(rq_settings.with_overrides(smtp_url=smtp_server.url), engine=engine) as runtime:
        case = make_mail_case(account)
        bind_dispatcher(session, runtime.dispatcher)
        queue_case_email(session, case=case, template="case_created", actor=ACTOR, runtime_settings=runtime.settings)
        session.commit()
        work_burst(runtime, ("emails",))
        first_message_id = smtp_server.received[0].message["Message-ID"]
        # when: the outbox row looks lost (e.g. the worker died before recording it) and is swept again
        with runtime.unit_of_work() as uow:
            uow.execute(
                update(OutboxJob).values(status=OutboxStatus.enqueued, enqueued_at=clock.now() - timedelta(minutes=10))
            )
        run_now(runtime, sweep_outbox)
        work_burst(runtime, ("emails",))
        # then
        assert [mail.message["Message-ID"] for mail in smtp_server.received] == [first_message_id]
        with runtime.session_factory() as check:
            [row] = check.scalars(select(OutboxJob)).all()
            assert (row.status, row.attempts) == (OutboxStatus.done, 2)


def test_customer_name_cannot_inject_headers(session, account, make_mail_case, smtp_runtime, smtp_server):
    # given
    case = make_mail_case(account, customer_name="Petr\r\nBcc: attacker@example.test")
    bind_dispatcher(session, smtp_runtime.dispatcher)
    # when
    queue_case_email(session, case=case, template="case_created", actor=ACTOR, runtime_settings=smtp_runtime.settings)
    session.commit()
    # then
    [received] = smtp_server.received
    assert received.recipients == ["petr.dvorak@example.test"]
    assert received.message["Bcc"] is None
    assert received.message["To"].addresses[0].display_name == "Petr Bcc: attacker@example.test"
    assert received.message["To"].addresses[0].addr_spec == "petr.dvorak@example.test"
    assert sorted(received.message.keys()).count("To") == 1


def test_failed_sends_are_retried_then_the_email_is_marked_failed(session, account, make_mail_case, settings, engine):
    # given: nothing listens on the SMTP port
    with build_runtime(settings.with_overrides(smtp_url=f"smtp://127.0.0.1:{free_port()}"), engine=engine) as runtime:
        case = make_mail_case(account)
        bind_dispatcher(session, runtime.dispatcher)
        queue_case_email(session, case=case, template="case_created", actor=ACTOR, runtime_settings=settings)
        session.commit()
        [after_first] = emails(runtime)
        # when: the three retries fail too
        [outbox] = session.scalars(select(OutboxJob)).all()
        for _ in range(3):
            with pytest.raises(ConnectionRefusedError):
                run_outbox_job(runtime, outbox.id)
        # then
        assert after_first.status is EmailStatus.queued
        assert after_first.error.startswith("ConnectionRefusedError")
        [gave_up] = emails(runtime)
        assert gave_up.status is EmailStatus.failed
        with runtime.session_factory() as check:
            row = check.get(OutboxJob, outbox.id)
            assert (row.status, row.attempts) == (OutboxStatus.failed, 4)


def test_without_smtp_the_email_lands_in_the_folder_outbox(session, account, make_mail_case, runtime_without_smtp):
    # given
    case = make_mail_case(account)
    bind_dispatcher(session, runtime_without_smtp.dispatcher)
    # when
    email = queue_case_email(
        session, case=case, template="case_created", actor=ACTOR, runtime_settings=runtime_without_smtp.settings
    )
    session.commit()
    # then
    folder = runtime_without_smtp.settings.resolved_storage_folder / "outbox"
    [stored] = list_folder_messages(folder)
    assert stored.subject == email.subject
    assert stored.to == "Petr Dvořák <petr.dvorak@example.test>"
    assert stored.message_id == emails(runtime_without_smtp)[0].message_id
