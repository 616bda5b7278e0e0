"""A member's own message to the customer: validated, escaped, stored once per call, sent after commit."""

import pytest
from sqlalchemy import select

from retino_core.accounts.errors import AccountError
from retino_core.accounts.permissions import Role
from retino_core.cases.errors import CaseError
from retino_core.cases.models import CaseHistory
from retino_core.jobs import OutboxJob, bind_dispatcher
from retino_core.messaging.actions import send_customer_message
from retino_core.messaging.errors import MessagingError
from retino_core.messaging.models import EmailStatus, OutboundEmail
from tests.jobs.conftest import RecordingDispatcher


def test_the_message_is_stored_escaped_with_history_and_a_job_after_commit(
    session, account, make_member, make_mail_case, settings
):
    # given
    _, agent = make_member(account, Role.agent, full_name="Eva Agentová")
    case = make_mail_case(account)
    recorder = RecordingDispatcher()
    bind_dispatcher(session, recorder)
    # when
    email = send_customer_message(
        session,
        account=account,
        actor=agent,
        case=case,
        subject="Re: your case\r\nBcc: x@evil.test",
        body="Dear <Petr>,\n\nwe & you.\nBye",
        runtime_settings=settings,
    )
    dispatched_before_commit = list(recorder.dispatched)
    session.commit()
    # then
    assert (email.template, email.status, email.language) == ("customer_message", EmailStatus.queued, case.language)
    assert (email.to_address, email.to_name) == ("petr.dvorak@example.test", "Petr Dvořák")
    assert email.from_address == "returns@example.test"
    assert email.subject == "Re: your case Bcc: x@evil.test"
    assert email.body_text == "Dear <Petr>,\n\nwe & you.\nBye\n"
    assert "<p>Dear &lt;Petr&gt;,</p>\n<p>we &amp; you.<br>\nBye</p>" in email.body_html
    assert email.idempotency_key.startswith(f"customer_message:{case.id}:")
    history = session.scalars(select(CaseHistory).where(CaseHistory.case_id == case.id)).all()
    assert [(h.kind, h.actor_label, h.data) for h in history] == [
        ("email_queued", agent.label, {"email_id": email.id, "template": "customer_message"})
    ]
    outbox = session.scalars(select(OutboxJob)).all()
    assert [(o.job_name, o.args, o.account_id) for o in outbox] == [
        ("retino_core.messaging.tasks.send_email", [email.id], account.id)
    ]
    assert dispatched_before_commit == []
    assert len(recorder.dispatched) == 1


def test_two_identical_messages_are_two_emails(session, account, make_member, make_mail_case, settings):
    _, agent = make_member(account, Role.agent)
    case = make_mail_case(account)
    kwargs = {"account": account, "actor": agent, "case": case, "subject": "Hi", "body": "Same"}
    first = send_customer_message(session, runtime_settings=settings, **kwargs)
    second = send_customer_message(session, runtime_settings=settings, **kwargs)
    session.commit()
    assert first.id != second.id
    assert first.idempotency_key != second.idempotency_key
    assert len(session.scalars(select(OutboundEmail)).all()) == 2


@pytest.mark.parametrize(
    ("subject", "body", "field"),
    [("", "Hello", "subject"), ("  ", "Hello", "subject"), ("Hi", "\n ", "body"), ("x" * 201, "Hi", "subject")],
)
def test_blank_or_long_input_is_refused_and_nothing_stored(
    session, account, make_member, make_mail_case, settings, subject, body, field
):
    _, agent = make_member(account, Role.agent)
    case = make_mail_case(account)
    with pytest.raises(CaseError) as refused:
        send_customer_message(
            session, account=account, actor=agent, case=case, subject=subject, body=body, runtime_settings=settings
        )
    assert list(refused.value.field_errors) == [field]
    assert session.scalars(select(OutboundEmail)).all() == []
    assert session.scalars(select(OutboxJob)).all() == []


def test_a_body_of_10000_characters_passes_and_one_more_does_not(
    session, account, make_member, make_mail_case, settings
):
    _, agent = make_member(account, Role.agent)
    case = make_mail_case(account)
    args = {"account": account, "actor": agent, "case": case, "subject": "Hi", "runtime_settings": settings}
    assert send_customer_message(session, body="x" * 10_000, **args).body_text == "x" * 10_000 + "\n"
    with pytest.raises(CaseError):
        send_customer_message(session, body="x" * 10_001, **args)


def test_a_viewer_may_not_write_to_the_customer(session, account, make_member, make_mail_case, settings):
    _, viewer = make_member(account, Role.viewer)
    case = make_mail_case(account)
    with pytest.raises(AccountError):
        send_customer_message(
            session, account=account, actor=viewer, case=case, subject="Hi", body="Hi", runtime_settings=settings
        )
    assert session.scalars(select(OutboundEmail)).all() == []


def test_another_accounts_case_is_not_found(session, account, make_account, make_member, make_mail_case, settings):
    _, agent = make_member(account, Role.agent)
    foreign = make_mail_case(make_account(name="Other"))
    with pytest.raises(CaseError) as refused:
        send_customer_message(
            session, account=account, actor=agent, case=foreign, subject="Hi", body="Hi", runtime_settings=settings
        )
    assert refused.value.code.value == "case_not_found"


def test_a_case_without_a_customer_address_is_refused(session, account, make_member, make_mail_case, settings):
    _, agent = make_member(account, Role.agent)
    case = make_mail_case(account, customer_email="")
    with pytest.raises(MessagingError) as refused:
        send_customer_message(
            session, account=account, actor=agent, case=case, subject="Hi", body="Hi", runtime_settings=settings
        )
    assert refused.value.code.value == "invalid_recipient"
    assert session.scalars(select(OutboundEmail)).all() == []
