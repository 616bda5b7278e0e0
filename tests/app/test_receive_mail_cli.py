"""``retino receive-mail``: one message on standard input, as an MTA pipe delivers it."""

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from marketplace_app.cli import EX_NOUSER, EX_TEMPFAIL, main
from retino_core.messaging.models import InboundMessage
from tests.jobs.conftest import account  # noqa: F401
from tests.messaging.conftest import make_mail_case  # noqa: F401
from tests.messaging.replies import PNG, reply, sent_email


@pytest.fixture
def environment(monkeypatch, settings):
    monkeypatch.setenv("RETINO_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RETINO_STORAGE_FOLDER", settings.storage_folder)
    monkeypatch.setenv("RETINO_INSTANCE_FOLDER", settings.instance_folder)
    monkeypatch.setenv("RETINO_MAIL_SENDER", settings.mail_sender)
    monkeypatch.setenv("RETINO_ENVIRONMENT", "testing")
    for name in ("RETINO_REDIS_URL", "RETINO_SMTP_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def thread(session, account, make_mail_case, settings):  # noqa: F811
    """A case and the Message-ID of the e-mail the shopper answers, committed for the command to see."""
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    session.commit()
    return case, email.message_id


def stored(session) -> list[tuple[int, str]]:
    session.expire_all()
    return [tuple(row) for row in session.execute(select(InboundMessage.case_id, InboundMessage.body_text))]


def test_a_reply_is_stored_and_a_redelivery_is_a_duplicate(environment, session, thread):
    # given
    case, message_id = thread
    raw = reply(
        in_reply_to=message_id,
        attachments=(("vada.png", "image/png", PNG), ("smlouva.docx", "application/octet-stream", b"PK\x03\x04")),
    )
    runner = CliRunner()
    # when
    first = runner.invoke(main, ["receive-mail"], input=raw)
    second = runner.invoke(main, ["receive-mail"], input=raw)
    # then
    assert (first.exit_code, first.stderr) == (0, "")
    [(case_id, body)] = stored(session)
    message_row_id = session.scalar(select(InboundMessage.id))
    assert (case_id, body) == (case.id, "Dobrý den,\nfotku posílám.\n\nPetr")
    assert first.stdout.splitlines() == [
        f"stored: message {message_row_id} in case {case.number}",
        "files not kept: smlouva.docx",
    ]
    assert (second.exit_code, second.stdout) == (
        0,
        f"duplicate: message {message_row_id} in case {case.number} was already stored\n",
    )
    assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_a_forged_sender_exits_67_with_the_reason_on_stderr(environment, session, thread):
    _, message_id = thread
    raw = reply(in_reply_to=message_id, sender="podvodnik@evil.test")
    result = CliRunner().invoke(main, ["receive-mail"], input=raw)
    assert (result.exit_code, result.stdout) == (EX_NOUSER, "")
    assert result.stderr == "refused (sender_mismatch): The sender is not the customer of the case.\n"
    assert stored(session) == []


def test_garbage_on_stdin_is_refused_not_a_crash(environment, session, thread):
    result = CliRunner().invoke(main, ["receive-mail"], input=b"\x00\xff not an e-mail at all")
    assert result.exit_code == EX_NOUSER
    assert result.stderr == "refused (unreadable): The message has no single valid From address.\n"
    assert stored(session) == []


def test_an_unexpected_error_exits_75_so_the_mta_retries(environment, session, thread, monkeypatch):
    _, message_id = thread

    def broken(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("retino_core.messaging.inbound_actions.receive_inbound_email", broken)
    result = CliRunner().invoke(main, ["receive-mail"], input=reply(in_reply_to=message_id))
    assert result.exit_code == EX_TEMPFAIL
    assert result.stderr.splitlines()[-1] == "failed: temporary error, nothing stored; try again later"
    assert stored(session) == []
