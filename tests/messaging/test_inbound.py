"""Inbound customer messages: parsing untrusted e-mail, matching it to our thread, storing it once."""

import quopri
from datetime import timedelta
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP

import pytest
import time_machine
from sqlalchemy import func, select

from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.accounts.errors import AccountError
from retino_core.accounts.models import AccountStatus
from retino_core.accounts.permissions import Role
from retino_core.cases.errors import CaseError
from retino_core.cases.models import Case, CaseAttachment, CaseHistory
from retino_core.cases.queries import CaseFilter, list_cases
from retino_core.messaging.actions import queue_account_email
from retino_core.messaging.errors import MessagingError
from retino_core.messaging.inbound import (
    INBOUND_BODY_MAX_LENGTH,
    MAX_INBOUND_MESSAGE_BYTES,
    InboundAttachment,
    InboundRefusal,
    InboundStatus,
    html_to_text,
    parse_inbound_email,
)
from retino_core.messaging.inbound_actions import (
    mark_customer_messages_read,
    receive_inbound_email,
    record_customer_message,
)
from retino_core.messaging.models import InboundMessage, InboundSource
from retino_core.messaging.queries import unread_message_counts
from retino_core.messaging.tasks import message_id_for
from retino_core.storage import LocalFolderStorage
from tests.messaging.replies import PDF, PNG, reply, sent_email


@pytest.fixture
def storage(tmp_path):
    return LocalFolderStorage(tmp_path / "inbound-files")


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _history(session, case):
    return session.scalars(select(CaseHistory).where(CaseHistory.case_id == case.id).order_by(CaseHistory.id)).all()


def _nothing_stored(session, case, history_before):
    assert _count(session, InboundMessage) == 0
    assert _count(session, CaseAttachment) == 0
    assert len(_history(session, case)) == history_before


def test_a_czech_quoted_printable_reply_is_stored_in_its_case(session, account, make_mail_case, settings, storage):
    # given
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    before = case.updated_at
    body = "Dobrý den,\r\nposílám fotku. Žluťoučký kůň úpěl ďábelské ódy.\r\n\r\nPetr Dvořák\r\n"
    raw = (
        b"From: " + Header("Petr Dvořák", "utf-8").encode().encode() + b" <Petr.Dvorak@Example.TEST>\r\n"
        b"To: returns@example.test\r\n"
        b"Subject: " + Header("Re: Reklamace – čekám na odpověď", "utf-8").encode().encode() + b"\r\n"
        b"Message-ID: <qp-1@mail.example.test>\r\n"
        b"In-Reply-To: " + email.message_id.encode() + b"\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + quopri.encodestring(body.encode("utf-8"))
    )
    # when
    with time_machine.travel(clock.now() + timedelta(minutes=5)):
        result = receive_inbound_email(session, raw=raw, storage=storage)
    # then
    assert (result.status, result.refusal, result.case_id, result.case_number) == (
        InboundStatus.stored,
        None,
        case.id,
        case.number,
    )
    message = session.get(InboundMessage, result.message_id)
    assert (message.account_id, message.case_id, message.source) == (account.id, case.id, InboundSource.email)
    assert (message.from_address, message.from_name) == ("petr.dvorak@example.test", "Petr Dvořák")
    assert message.subject == "Re: Reklamace – čekám na odpověď"
    assert message.body_text == "Dobrý den,\nposílám fotku. Žluťoučký kůň úpěl ďábelské ódy.\n\nPetr Dvořák"
    assert (message.message_id, message.in_reply_to_email_id) == ("<qp-1@mail.example.test>", email.id)
    assert (message.read_at, message.read_by_id) == (None, None)
    history = _history(session, case)[-1]
    assert (history.kind, history.actor_kind, history.actor_label, history.data) == (
        "customer_message_received",
        "customer",
        "petr.dvorak@example.test",
        {"message_id": message.id, "source": "email", "attachment_ids": []},
    )
    assert case.updated_at > before + timedelta(minutes=4)


def test_an_html_only_reply_is_reduced_to_plain_text(session, account, make_mail_case, settings, storage):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    html = (
        "<html><head><title>Odpověď</title><style>p {color: red}</style></head><body>\n"
        "<p>Dobrý   den,</p>\n<p>foto je <b>níže</b> &amp; díky<br>Petr</p>"
        "<script>alert('x')</script><div>&lt;script&gt; zůstane textem</div></body></html>"
    )
    result = receive_inbound_email(session, raw=reply(in_reply_to=email.message_id, html=html), storage=storage)
    assert result.status is InboundStatus.stored
    assert session.get(InboundMessage, result.message_id).body_text == (
        "Dobrý den,\nfoto je níže & díky\nPetr\n<script> zůstane textem"
    )


def test_html_to_text_strips_every_tag_and_keeps_line_breaks():
    assert html_to_text('<p onclick="x()">a<img src=x onerror=alert(1)></p><ul><li>b</li><li>c</li></ul>') == (
        "a\nb\nc"
    )


def test_photo_and_pdf_are_kept_other_files_are_skipped_and_named(session, account, make_mail_case, settings, storage):
    # given
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    raw = reply(
        in_reply_to=email.message_id,
        attachments=(
            ("fotka.png", "image/png", PNG),
            ("faktura.pdf", "application/pdf", PDF),
            ("virus.exe", "application/octet-stream", b"MZ\x90\x00"),
            ("fake.jpg", "image/jpeg", b"<html>not a photo</html>"),
            ("poznamka.txt", "text/plain", b"jen text"),
        ),
    )
    # when
    result = receive_inbound_email(session, raw=raw, storage=storage)
    # then
    assert result.status is InboundStatus.stored
    assert result.skipped_attachments == ("virus.exe", "fake.jpg", "poznamka.txt")
    message = session.get(InboundMessage, result.message_id)
    assert message.body_text == "Dobrý den,\nfotku posílám.\n\nPetr"
    files = session.scalars(select(CaseAttachment).order_by(CaseAttachment.id)).all()
    assert [(f.filename, f.content_type, f.size_bytes, f.inbound_message_id, f.uploaded_by) for f in files] == [
        ("fotka.png", "image/png", len(PNG), message.id, "petr.dvorak@example.test"),
        ("faktura.pdf", "application/pdf", len(PDF), message.id, "petr.dvorak@example.test"),
    ]
    assert storage.read(files[0].storage_key) == PNG
    history = _history(session, case)
    assert [entry.kind for entry in history[-3:]] == [
        "attachment_added",
        "attachment_added",
        "customer_message_received",
    ]
    assert history[-1].data == {
        "message_id": message.id,
        "source": "email",
        "attachment_ids": [files[0].id, files[1].id],
        "skipped_attachments": ["virus.exe", "fake.jpg", "poznamka.txt"],
    }


def test_files_beyond_the_cases_limit_are_skipped(session, account, make_mail_case, settings, storage):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    photos = tuple((f"foto-{index}.png", "image/png", PNG) for index in range(12))
    result = receive_inbound_email(
        session, raw=reply(in_reply_to=email.message_id, attachments=photos), storage=storage
    )
    assert result.status is InboundStatus.stored
    assert _count(session, CaseAttachment, CaseAttachment.case_id == case.id) == 10
    assert result.skipped_attachments == ("foto-10.png", "foto-11.png")


def test_an_oversized_message_is_refused_whole(session, account, make_mail_case, settings, storage):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    history_before = len(_history(session, case))
    raw = reply(in_reply_to=email.message_id)
    result = receive_inbound_email(
        session, raw=raw + b"x" * (MAX_INBOUND_MESSAGE_BYTES - len(raw) + 1), storage=storage
    )
    assert (result.status, result.refusal) == (InboundStatus.refused, InboundRefusal.too_large)
    assert result.reason == "The message is larger than 25 MB."
    _nothing_stored(session, case, history_before)


def test_a_long_body_is_cut_and_the_cut_recorded(session, account, make_mail_case, settings, storage):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    result = receive_inbound_email(
        session, raw=reply(in_reply_to=email.message_id, body="á" * (INBOUND_BODY_MAX_LENGTH + 10)), storage=storage
    )
    message = session.get(InboundMessage, result.message_id)
    assert message.body_text == "á" * INBOUND_BODY_MAX_LENGTH
    assert _history(session, case)[-1].data["body_truncated"] is True


@pytest.mark.parametrize(
    "sender",
    [
        "Petr Dvořák <petr.dvorak@example.org>",
        "petr.dvorak@example.test.evil.test",
        '"petr.dvorak@example.test" <attacker@evil.test>',
    ],
)
def test_a_forged_sender_is_refused(session, account, make_mail_case, settings, storage, sender):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    history_before = len(_history(session, case))
    result = receive_inbound_email(session, raw=reply(in_reply_to=email.message_id, sender=sender), storage=storage)
    assert (result.status, result.refusal) == (InboundStatus.refused, InboundRefusal.sender_mismatch)
    assert result.reason == "The sender is not the customer of the case."
    _nothing_stored(session, case, history_before)


@pytest.mark.parametrize(
    "raw_from",
    [None, b"not an address", b"a@example.test, petr.dvorak@example.test", b"Petr <>"],
)
def test_a_message_without_one_usable_sender_is_refused(session, account, make_mail_case, settings, storage, raw_from):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    history_before = len(_history(session, case))
    headers = b"" if raw_from is None else b"From: " + raw_from + b"\r\n"
    raw = headers + b"Subject: Re\r\nIn-Reply-To: " + email.message_id.encode() + b"\r\n\r\nAhoj\r\n"
    result = receive_inbound_email(session, raw=raw, storage=storage)
    assert (result.status, result.refusal) == (InboundStatus.refused, InboundRefusal.unreadable)
    _nothing_stored(session, case, history_before)


def test_two_from_headers_are_refused(session, account, make_mail_case, settings, storage):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    raw = reply(in_reply_to=email.message_id)
    result = receive_inbound_email(session, raw=b"From: attacker@evil.test\r\n" + raw, storage=storage)
    assert (result.status, result.refusal) == (InboundStatus.refused, InboundRefusal.unreadable)


@pytest.mark.parametrize(
    ("in_reply_to", "references"),
    [
        ("<unknown@mail.example.test>", None),
        (None, None),
        (None, "<a@x.test> <b@y.test>"),
    ],
)
def test_a_message_outside_our_threads_is_refused(
    session, account, make_mail_case, settings, storage, in_reply_to, references
):
    case = make_mail_case(account)
    sent_email(session, account=account, case=case, settings=settings)
    history_before = len(_history(session, case))
    result = receive_inbound_email(session, raw=reply(in_reply_to=in_reply_to, references=references), storage=storage)
    assert (result.status, result.refusal) == (InboundStatus.refused, InboundRefusal.unknown_thread)
    assert result.reason == "The message does not answer an e-mail about a case."
    _nothing_stored(session, case, history_before)


def test_a_reply_to_an_email_not_yet_sent_or_not_about_a_case_is_unknown(
    session, account, make_mail_case, settings, storage
):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    unsent_id = email.message_id
    email.message_id = None
    invitation = queue_account_email(
        session,
        account_id=account.id,
        to_address="petr.dvorak@example.test",
        to_name="Petr",
        template="invitation",
        language="cs",
        context={"shop_name": "x", "inviter_name": "y", "role_name": "z", "accept_url": "u", "expires_at": clock.now()},
        settings=settings,
    )
    invitation.message_id = message_id_for(invitation)
    session.flush()
    for thread_id in (unsent_id, invitation.message_id):
        result = receive_inbound_email(session, raw=reply(in_reply_to=thread_id), storage=storage)
        assert result.refusal is InboundRefusal.unknown_thread
    assert _count(session, InboundMessage) == 0


def test_a_redelivered_message_is_a_duplicate_and_stores_nothing_new(
    session, account, make_mail_case, settings, storage
):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    raw = reply(in_reply_to=email.message_id, attachments=(("fotka.png", "image/png", PNG),))
    first = receive_inbound_email(session, raw=raw, storage=storage)
    history_after_first = len(_history(session, case))
    second = receive_inbound_email(session, raw=raw, storage=storage)
    assert (first.status, second.status) == (InboundStatus.stored, InboundStatus.duplicate)
    assert (second.message_id, second.case_number, second.refusal) == (first.message_id, case.number, None)
    assert _count(session, InboundMessage) == 1
    assert _count(session, CaseAttachment) == 1
    assert len(_history(session, case)) == history_after_first


def test_a_message_without_message_id_is_deduplicated_by_its_bytes(session, account, make_mail_case, settings, storage):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    raw = (
        b"From: petr.dvorak@example.test\r\nSubject: Re\r\nIn-Reply-To: "
        + email.message_id.encode()
        + b"\r\n\r\nAhoj\r\n"
    )
    first = receive_inbound_email(session, raw=raw, storage=storage)
    second = receive_inbound_email(session, raw=raw, storage=storage)
    assert (first.status, second.status) == (InboundStatus.stored, InboundStatus.duplicate)
    stored = session.get(InboundMessage, first.message_id).message_id
    assert stored.endswith("@no-message-id.invalid>")
    assert len(stored) == len("<@no-message-id.invalid>") + 64


def test_a_reply_matched_only_by_references_lands_in_the_case(session, account, make_mail_case, settings, storage):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    raw = reply(in_reply_to=None, references=f"<older@mail.example.test> {email.message_id} <other@x.test>")
    result = receive_inbound_email(session, raw=raw, storage=storage)
    assert (result.status, result.case_id) == (InboundStatus.stored, case.id)
    assert session.get(InboundMessage, result.message_id).in_reply_to_email_id == email.id


def test_another_accounts_thread_never_attaches_to_this_accounts_case(
    session, account, make_account, make_mail_case, settings, storage
):
    # given: the same shopper has a case in two shops
    mine = make_mail_case(account)
    other_account = make_account(name="Jiný obchod")
    theirs = make_mail_case(other_account)
    my_email = sent_email(session, account=account, case=mine, settings=settings)
    their_email = sent_email(session, account=other_account, case=theirs, settings=settings)
    # when: the shopper answers the other shop's e-mail, quoting ours further up the thread
    result = receive_inbound_email(
        session,
        raw=reply(in_reply_to=their_email.message_id, references=f"{my_email.message_id} {their_email.message_id}"),
        storage=storage,
    )
    # then: it lands in the other shop's case only
    assert (result.status, result.case_id) == (InboundStatus.stored, theirs.id)
    assert session.scalars(select(InboundMessage.account_id)).all() == [other_account.id]
    assert (
        _count(session, CaseHistory, CaseHistory.case_id == mine.id, CaseHistory.kind == "customer_message_received")
        == 0
    )


def test_this_accounts_customer_cannot_write_into_another_accounts_thread(
    session, account, make_account, make_mail_case, settings, storage
):
    mine = make_mail_case(account, customer_email="jana@example.test")
    other_account = make_account(name="Jiný obchod")
    theirs = make_mail_case(other_account)
    their_email = sent_email(session, account=other_account, case=theirs, settings=settings)
    history_before = len(_history(session, mine))
    result = receive_inbound_email(
        session, raw=reply(in_reply_to=their_email.message_id, sender="jana@example.test"), storage=storage
    )
    assert (result.status, result.refusal, result.case_id) == (
        InboundStatus.refused,
        InboundRefusal.sender_mismatch,
        None,
    )
    _nothing_stored(session, mine, history_before)


def test_a_reply_from_the_address_our_email_went_to_is_accepted_after_the_case_address_changed(
    session, account, make_mail_case, settings, storage
):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    case.customer_email = "novy@example.test"
    session.flush()
    old = receive_inbound_email(session, raw=reply(in_reply_to=email.message_id), storage=storage)
    new = receive_inbound_email(
        session,
        raw=reply(in_reply_to=email.message_id, sender="novy@example.test", message_id="<reply-2@x.test>"),
        storage=storage,
    )
    assert (old.status, new.status) == (InboundStatus.stored, InboundStatus.stored)


def test_a_reply_to_a_closed_case_is_stored_and_says_so(session, account, make_mail_case, settings, storage):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    case.closed_at = clock.now()
    session.flush()
    result = receive_inbound_email(session, raw=reply(in_reply_to=email.message_id), storage=storage)
    assert result.status is InboundStatus.stored
    assert _history(session, case)[-1].data["case_closed"] is True


@pytest.mark.parametrize(
    "header",
    [b"Auto-Submitted: auto-replied", b"Precedence: bulk", b"X-Autoreply: yes", b"Auto-Submitted: auto-generated"],
)
def test_automatic_replies_are_refused(session, account, make_mail_case, settings, storage, header):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    result = receive_inbound_email(session, raw=header + b"\r\n" + reply(in_reply_to=email.message_id), storage=storage)
    assert (result.status, result.refusal) == (InboundStatus.refused, InboundRefusal.auto_reply)
    assert _count(session, InboundMessage) == 0


def test_auto_submitted_no_is_a_person_writing(session, account, make_mail_case, settings, storage):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    raw = b"Auto-Submitted: no\r\n" + reply(in_reply_to=email.message_id)
    assert receive_inbound_email(session, raw=raw, storage=storage).status is InboundStatus.stored


def test_a_deactivated_account_receives_nothing(session, account, make_mail_case, settings, storage):
    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    account.status = AccountStatus.deactivated
    session.flush()
    result = receive_inbound_email(session, raw=reply(in_reply_to=email.message_id), storage=storage)
    assert (result.status, result.refusal) == (InboundStatus.refused, InboundRefusal.account_deactivated)
    assert _count(session, InboundMessage) == 0


def test_malformed_headers_and_bodies_never_raise():
    raw = (
        b"From: =?utf-8?q?Petr_=C5?= <petr.dvorak@example.test>\r\n"
        b"Subject: =?x-unknown?b?AAAA?= \xff\xfe raw bytes\r\n"
        b"Message-ID: <m\xc5\x99@x.test>\r\n"
        b"In-Reply-To: <\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"!!!not base64\x00\r\n"
    )
    parsed = parse_inbound_email(raw)
    assert parsed.from_address == "petr.dvorak@example.test"
    assert parsed.thread_ids == ()
    assert "\x00" not in parsed.body_text
    assert parsed.message_id == "<mř@x.test>"


def test_an_attached_message_is_skipped_not_opened():
    inner = EmailMessage()
    inner["From"] = "x@example.test"
    inner.set_content("forwarded")
    inner.add_attachment(PNG, maintype="image", subtype="png", filename="inner.png")
    outer = EmailMessage()
    outer["From"] = "petr.dvorak@example.test"
    outer.set_content("see attached")
    outer.add_attachment(inner, filename="preposlano.eml")
    parsed = parse_inbound_email(outer.as_bytes(policy=SMTP))
    assert (parsed.body_text, parsed.attachments, parsed.skipped_attachments) == (
        "see attached",
        (),
        ("preposlano.eml",),
    )


# --- the status page's entry point, reading, and the unread counts


def test_the_customer_writes_from_the_status_page(session, account, make_mail_case, storage):
    case = make_mail_case(account)
    message = record_customer_message(
        session,
        account=account,
        actor=Actor.customer(case.customer_email),
        case=case,
        storage=storage,
        body="\r\nPosílám fotku <b>rozbitého</b> zboží.\r\n",
        attachments=(InboundAttachment("rozbite.png", PNG),),
    )
    assert (message.source, message.message_id, message.in_reply_to_email_id) == (InboundSource.portal, None, None)
    assert (message.from_address, message.from_name, message.subject) == (case.customer_email, "Petr Dvořák", "")
    assert message.body_text == "Posílám fotku <b>rozbitého</b> zboží."
    assert session.scalars(select(CaseAttachment.inbound_message_id)).all() == [message.id]


def test_two_portal_messages_need_no_message_id(session, account, make_mail_case, storage):
    case = make_mail_case(account)
    customer = Actor.customer(case.customer_email)
    for body in ("první", "druhá"):
        record_customer_message(session, account=account, actor=customer, case=case, storage=storage, body=body)
    assert _count(session, InboundMessage) == 2


@pytest.mark.parametrize(
    ("body", "attachments", "code"),
    [
        (" \n ", (), "invalid_input"),
        ("x" * 10_001, (), "invalid_input"),
        ("Fotka", (InboundAttachment("a.exe", b"MZ\x90"),), "attachment_type_not_allowed"),
    ],
)
def test_a_bad_portal_message_is_refused_with_nothing_stored(
    session, account, make_mail_case, storage, body, attachments, code
):
    case = make_mail_case(account)
    with pytest.raises(CaseError) as refused:
        record_customer_message(
            session,
            account=account,
            actor=Actor.customer(case.customer_email),
            case=case,
            storage=storage,
            body=body,
            attachments=attachments,
        )
    assert refused.value.code.value == code
    _nothing_stored(session, case, 0)


def test_a_portal_message_of_only_a_photo_is_fine(session, account, make_mail_case, storage):
    case = make_mail_case(account)
    message = record_customer_message(
        session,
        account=account,
        actor=Actor.customer(case.customer_email),
        case=case,
        storage=storage,
        body="",
        attachments=(InboundAttachment("a.png", PNG),),
    )
    assert message.body_text == ""


def test_a_member_cannot_write_as_the_customer(session, account, make_member, make_mail_case, storage):
    _, owner = make_member(account, Role.owner)
    case = make_mail_case(account)
    with pytest.raises(MessagingError) as refused:
        record_customer_message(session, account=account, actor=owner, case=case, storage=storage, body="Hi")
    assert (refused.value.code.value, refused.value.kind.value) == ("not_the_customer", "forbidden")
    _nothing_stored(session, case, 0)


def test_the_portal_refuses_another_accounts_case_and_a_deactivated_account(
    session, account, make_account, make_mail_case, storage
):
    foreign = make_mail_case(make_account(name="Cizí"))
    with pytest.raises(CaseError) as not_found:
        record_customer_message(
            session, account=account, actor=Actor.customer("x@example.test"), case=foreign, storage=storage, body="Hi"
        )
    assert not_found.value.code.value == "case_not_found"
    case = make_mail_case(account)
    account.status = AccountStatus.deactivated
    with pytest.raises(AccountError) as deactivated:
        record_customer_message(
            session, account=account, actor=Actor.customer(case.customer_email), case=case, storage=storage, body="Hi"
        )
    assert deactivated.value.code.value == "account_deactivated"
    assert _count(session, InboundMessage) == 0


def _write(session, account, case, storage, body="Dobrý den"):
    return record_customer_message(
        session, account=account, actor=Actor.customer(case.customer_email), case=case, storage=storage, body=body
    )


def test_a_member_who_can_answer_marks_the_messages_read(session, account, make_member, make_mail_case, storage):
    # given
    user, agent = make_member(account, Role.agent)
    case = make_mail_case(account)
    first, second = _write(session, account, case, storage), _write(session, account, case, storage)
    updated_at = case.updated_at
    # when
    marked = mark_customer_messages_read(session, account=account, actor=agent, case=case)
    again = mark_customer_messages_read(session, account=account, actor=agent, case=case)
    # then
    assert (marked, again) == ([first.id, second.id], [])
    assert {(m.read_by_id, m.read_at is not None) for m in (first, second)} == {(user.id, True)}
    assert case.updated_at == updated_at


@pytest.mark.parametrize("who", ["viewer", "customer", "deactivated"])
def test_reading_changes_nothing_for_a_viewer_the_customer_or_a_deactivated_account(
    session, account, make_member, make_mail_case, storage, who
):
    case = make_mail_case(account)
    message = _write(session, account, case, storage)
    actor = Actor.customer(case.customer_email) if who == "customer" else make_member(account, Role.viewer)[1]
    if who == "deactivated":
        actor = make_member(account, Role.owner)[1]
        account.status = AccountStatus.deactivated
    assert mark_customer_messages_read(session, account=account, actor=actor, case=case) == []
    assert message.read_at is None


def test_reading_another_accounts_case_is_not_found(session, account, make_account, make_member, make_mail_case):
    _, agent = make_member(account, Role.agent)
    foreign = make_mail_case(make_account(name="Cizí"))
    with pytest.raises(CaseError) as refused:
        mark_customer_messages_read(session, account=account, actor=agent, case=foreign)
    assert refused.value.code.value == "case_not_found"


def test_unread_counts_and_the_case_filter(session, account, make_account, make_member, make_mail_case, storage):
    # given
    _, agent = make_member(account, Role.agent)
    two_unread, one_read, quiet = make_mail_case(account), make_mail_case(account), make_mail_case(account)
    _write(session, account, two_unread, storage)
    _write(session, account, two_unread, storage)
    _write(session, account, one_read, storage)
    mark_customer_messages_read(session, account=account, actor=agent, case=one_read)
    other_account = make_account(name="Cizí")
    foreign = make_mail_case(other_account)
    _write(session, other_account, foreign, storage)
    ids = [two_unread.id, one_read.id, quiet.id, foreign.id]
    # when
    counts = unread_message_counts(session, account.id, ids)
    listed = list_cases(session, account_id=account.id, case_filter=CaseFilter(has_unread_message=True))
    # then
    assert counts == {two_unread.id: 2}
    assert [case.id for case in listed] == [two_unread.id]
    assert unread_message_counts(session, account.id, []) == {}
    assert session.get(Case, quiet.id) is quiet


def test_the_same_message_id_twice_is_a_conflict_that_keeps_the_first(session, account, make_mail_case, storage):
    case = make_mail_case(account)
    customer = Actor.customer(case.customer_email)
    args = {"account": account, "actor": customer, "case": case, "storage": storage, "message_id": "<same@x.test>"}
    first = record_customer_message(session, body="první", source=InboundSource.email, **args)
    with pytest.raises(MessagingError) as refused:
        record_customer_message(session, body="druhá", source=InboundSource.email, **args)
    assert (refused.value.code.value, refused.value.kind.value) == ("duplicate_message", "conflict")
    assert session.scalars(select(InboundMessage.body_text)).all() == ["první"]
    assert session.get(InboundMessage, first.id) is first


def test_a_redelivery_racing_the_first_delivery_is_a_duplicate(
    session, account, make_mail_case, settings, storage, monkeypatch
):
    # given: the first delivery commits between the second one's check and its insert
    from retino_core.messaging import inbound_actions

    case = make_mail_case(account)
    email = sent_email(session, account=account, case=case, settings=settings)
    raw = reply(in_reply_to=email.message_id)
    first = receive_inbound_email(session, raw=raw, storage=storage)
    real_stored = inbound_actions._stored
    checks = iter([None])
    monkeypatch.setattr(inbound_actions, "_stored", lambda *a: next(checks, real_stored(*a)))
    # when
    second = receive_inbound_email(session, raw=raw, storage=storage)
    # then
    assert (second.status, second.message_id, second.case_number) == (
        InboundStatus.duplicate,
        first.message_id,
        case.number,
    )
    assert _count(session, InboundMessage) == 1
