"""The SMTP reply receiver, end to end: our e-mail goes out through the real send job to a real SMTP
server, the shopper's reply comes back over SMTP to the receiver, and lands in the case once."""

import smtplib
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from marketplace_app.mail_receiver import InboundMailHandler, build_mail_receiver, smtp_reply
from retino_core.accounts.actor import Actor
from retino_core.cases.models import CaseAttachment
from retino_core.jobs import bind_dispatcher
from retino_core.messaging.actions import send_customer_message
from retino_core.messaging.inbound import InboundRefusal, InboundResult, InboundStatus
from retino_core.messaging.models import InboundMessage, OutboundEmail
from tests.messaging.conftest import free_port
from tests.messaging.replies import PNG, reply


@pytest.fixture
def receiver_port(smtp_runtime):
    port = free_port()
    controller = build_mail_receiver(smtp_runtime, host="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


@pytest.fixture
def sent_message_id(session, account, make_mail_case, smtp_runtime, smtp_server):
    """The Message-ID of a member's reply, as the shopper's mailbox received it."""
    case = make_mail_case(account)
    bind_dispatcher(session, smtp_runtime.dispatcher)
    send_customer_message(
        session,
        account=account,
        actor=Actor.system("test"),
        case=case,
        subject="Vaše reklamace",
        body="Pošlete prosím fotografii vady.",
        runtime_settings=smtp_runtime.settings,
    )
    session.commit()
    [received] = smtp_server.received
    return str(received.message["Message-ID"])


def deliver(port: int, raw: bytes, sender: str = "petr.dvorak@example.test") -> tuple[int, str]:
    """Send ``raw`` to the receiver; the final reply to DATA."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo()
        assert client.mail(sender)[0] == 250
        assert client.rcpt("returns@example.test")[0] == 250
        code, text = client.data(raw)
    return code, text.decode()


def stored_count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(InboundMessage))


def test_the_shoppers_reply_is_stored_in_the_case(session, account, sent_message_id, receiver_port):
    # given
    assert session.scalar(select(OutboundEmail.message_id)) == sent_message_id
    raw = reply(in_reply_to=sent_message_id, attachments=(("vada.png", "image/png", PNG),))
    # when
    code, text = deliver(receiver_port, raw)
    # then
    [message] = session.scalars(select(InboundMessage)).all()
    case_id = session.scalar(select(OutboundEmail.case_id))
    assert code == 250
    assert text.startswith("2.0.0 Stored in case ")
    assert (message.account_id, message.case_id, message.from_address, message.subject) == (
        account.id,
        case_id,
        "petr.dvorak@example.test",
        "Re: Vaše reklamace",
    )
    assert message.body_text == "Dobrý den,\nfotku posílám.\n\nPetr"
    assert session.scalars(select(CaseAttachment.inbound_message_id)).all() == [message.id]


def test_a_forged_sender_gets_550_and_nothing_is_stored(session, sent_message_id, receiver_port):
    raw = reply(in_reply_to=sent_message_id, sender="Petr <petr.dvorak@evil.test>")
    assert deliver(receiver_port, raw, sender="petr.dvorak@evil.test") == (
        550,
        "5.7.1 The sender is not the customer of the case.",
    )
    assert stored_count(session) == 0


def test_an_unknown_thread_gets_550(session, sent_message_id, receiver_port):
    code, text = deliver(receiver_port, reply(in_reply_to="<not-ours@example.test>"))
    assert (code, text) == (550, "5.7.1 The message does not answer an e-mail about a case.")
    assert stored_count(session) == 0


def test_the_same_message_twice_is_stored_once(session, sent_message_id, receiver_port):
    raw = reply(in_reply_to=sent_message_id)
    first = deliver(receiver_port, raw)
    second = deliver(receiver_port, raw)
    assert (first[0], second[0]) == (250, 250)
    assert second[1].startswith("2.0.0 Already stored in case ")
    assert stored_count(session) == 1


def test_a_message_over_the_size_limit_gets_552(session, smtp_runtime, sent_message_id):
    port = free_port()
    controller = build_mail_receiver(smtp_runtime, host="127.0.0.1", port=port, data_size_limit=2_000)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client, pytest.raises(smtplib.SMTPSenderRefused) as big:
            client.sendmail(
                "petr.dvorak@example.test",
                ["returns@example.test"],
                reply(in_reply_to=sent_message_id, body="x" * 3_000),
            )
    finally:
        controller.stop()
    assert big.value.smtp_code == 552
    assert stored_count(session) == 0
    assert smtp_reply(InboundResult(status=InboundStatus.refused, refusal=InboundRefusal.too_large)) == (
        "552 5.3.4 The message is larger than 25 MB."
    )


class FailingStorage:
    def save(self, data: bytes, *, suffix: str = "") -> str:
        raise OSError("disk full")

    def read(self, key: str) -> bytes:
        raise OSError("disk full")

    def delete(self, key: str) -> None:
        raise OSError("disk full")


def test_an_unexpected_error_gets_451_and_nothing_is_half_stored(session, smtp_runtime, sent_message_id):
    # given: the file storage fails after the message row was written in the transaction
    handler = InboundMailHandler(replace(smtp_runtime, storage=FailingStorage()))
    raw = reply(in_reply_to=sent_message_id, attachments=(("vada.png", "image/png", PNG),))
    # when
    answer = handler.deliver(raw)
    # then
    assert answer == "451 4.3.0 Temporary failure, please try again later"
    assert stored_count(session) == 0
    assert session.scalar(select(func.count()).select_from(CaseAttachment)) == 0
