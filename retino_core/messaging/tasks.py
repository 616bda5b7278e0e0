"""The send job: delivers one stored ``OutboundEmail`` exactly once per successful run."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.jobs import JobContext, job
from retino_core.messaging.models import EmailStatus, OutboundEmail


def message_id_for(email: OutboundEmail) -> str:
    """A Message-ID derived only from the row, so every attempt sends the same one."""
    domain = email.from_address.rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(
        f"{email.account_id}:{email.id}:{email.idempotency_key}:{email.created_at.isoformat()}".encode()
    ).hexdigest()[:20]
    return f"<retino.{email.account_id}.{email.id}.{digest}@{domain}>"


def header_name(value: str) -> str:
    """One line without control or line-separator characters, so a value cannot start a new header."""
    cleaned = "".join(" " if unicodedata.category(char) in {"Cc", "Zl", "Zp"} else char for char in value)
    return " ".join(cleaned.split())


def build_message(email: OutboundEmail) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = header_name(email.subject)
    message["From"] = Address(display_name=header_name(email.from_name), addr_spec=email.from_address)
    message["To"] = Address(display_name=header_name(email.to_name), addr_spec=email.to_address)
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = email.message_id or message_id_for(email)
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = email.language
    message.set_content(email.body_text)
    message.add_alternative(email.body_html, subtype="html")
    return message


def _record_send_failure(
    session: Session, *, account_id: int | None, ids: Sequence[int], error: str, gave_up: bool
) -> None:
    if account_id is None or not ids:
        return
    email = OutboundEmail.get_for_account(session, ids[0], account_id)
    if email is None or email.status is EmailStatus.sent:
        return
    email.error = error
    if gave_up:
        email.status = EmailStatus.failed


@job(queue="emails", timeout=60, retries=(3, (10, 60, 300)), on_failure=_record_send_failure)
def send_email(ctx: JobContext, email_id: int) -> None:
    """Send e-mail ``email_id`` unless it was already sent; the row lock keeps two runs apart."""
    if ctx.account_id is None:
        raise ValueError("send_email needs an account")
    email = ctx.session.scalar(
        OutboundEmail.select_for_account(ctx.account_id).where(OutboundEmail.id == email_id).with_for_update()
    )
    if email is None or email.status is EmailStatus.sent:
        return
    if email.message_id is None:
        email.message_id = message_id_for(email)
    ctx.mailer.send(build_message(email))
    email.status = EmailStatus.sent
    email.sent_at = clock.now()
    email.error = ""
