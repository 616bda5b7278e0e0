"""Outbound e-mail: one row per message to a shopper, rendered when queued and sent by a job."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from retino_core.clock import now
from retino_core.db import AccountScoped, Base, BigIntPK, enum_type


class EmailStatus(Enum):
    #: Rendered and stored; the send job has not delivered it yet.
    queued = "queued"
    #: Handed to the mail server at ``sent_at``.
    sent = "sent"
    #: Every attempt of the send job failed; ``error`` says why.
    failed = "failed"


class OutboundEmail(AccountScoped, Base):
    __tablename__ = "outbound_emails"
    __table_args__ = (UniqueConstraint("account_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: Name of the template it was rendered from, e.g. "case_created".
    template: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5))
    #: Display name and address of the sender, fixed when queued (branding may change later).
    from_name: Mapped[str] = mapped_column(String(200), default="")
    from_address: Mapped[str] = mapped_column(String(254))
    to_address: Mapped[str] = mapped_column(String(254))
    #: Single line: line breaks are removed when queued, so it cannot inject headers.
    to_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(400))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    #: The Message-ID header; deterministic, so a resent message is recognisable as the same one.
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: At most one e-mail per key and account, e.g. "case_created:42".
    idempotency_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[EmailStatus] = mapped_column(enum_type(EmailStatus), default=EmailStatus.queued)
    sent_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now)
