"""Helpers for inbound-mail tests: an e-mail we sent about a case, and the shopper's reply to it as bytes."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.accounts.models import Account
from retino_core.config import Settings
from retino_core.messaging.actions import send_customer_message
from retino_core.messaging.models import EmailStatus, OutboundEmail
from retino_core.messaging.tasks import message_id_for

# A real 1×1 PNG as Pillow writes it: uploads are decoded and re-encoded, and this one comes out identical.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc8\xa1\xa1\x01\x00\x02\xd4\x01\x19\x05P\x8f\xa4\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def sent_email(session: Session, *, account: Account, case, settings: Settings, subject: str = "Vaše reklamace"):
    """A member's message to the case's customer, marked sent with the Message-ID the send job gives it."""
    email: OutboundEmail = send_customer_message(
        session,
        account=account,
        actor=Actor.system("test"),
        case=case,
        subject=subject,
        body="Dobrý den, pošlete prosím fotografii.",
        runtime_settings=settings,
    )
    email.message_id = message_id_for(email)
    email.status = EmailStatus.sent
    email.sent_at = clock.now()
    session.flush()
    return email


def reply(
    *,
    in_reply_to: str | None,
    sender: str = "Petr Dvořák <petr.dvorak@example.test>",
    subject: str = "Re: Vaše reklamace",
    body: str = "Dobrý den,\nfotku posílám.\n\nPetr",
    message_id: str = "<reply-1@mail.example.test>",
    references: str | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
    html: str | None = None,
) -> bytes:
    """The shopper's reply as it arrives over SMTP; ``attachments`` are ``(filename, mime type, bytes)``."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "returns@example.test"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    if in_reply_to is not None:
        message["In-Reply-To"] = in_reply_to
    if references is not None:
        message["References"] = references
    if html is None:
        message.set_content(body)
    else:
        message.set_content(html, subtype="html")
    for filename, mime_type, data in attachments:
        maintype, _, subtype = mime_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=SMTP)
