"""Outbound e-mail: one row per message to a shopper, rendered when queued and sent by a job.

Inbound messages: what the shopper wrote back, by e-mail or on the status page.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
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


class InboundSource(Enum):
    #: A reply to one of our e-mails, delivered by the mail receiver or the MTA pipe.
    email = "email"
    #: Written by the shopper on the storefront status page.
    portal = "portal"


class InboundMessage(AccountScoped, Base):
    """A message from the case's customer; the unread ones drive the inbox's "unread" filter."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("account_id", "message_id"),
        Index("ix_inbound_messages_account_case_read", "account_id", "case_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("cases.id", ondelete="CASCADE"))
    source: Mapped[InboundSource] = mapped_column(enum_type(InboundSource, 16))
    #: Lower-cased; for an e-mail the From address, which matched the case's customer.
    from_address: Mapped[str] = mapped_column(String(254))
    #: Single line, as the sender wrote it (decoded from MIME words).
    from_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(400), default="")
    #: Plain text as received (an HTML-only e-mail is converted); shown escaped.
    body_text: Mapped[str] = mapped_column(Text)
    #: The e-mail's Message-ID (a hash of the raw bytes when it had none); None for the portal.
    message_id: Mapped[str | None] = mapped_column(String(255))
    #: Our e-mail this one answers (matched by In-Reply-To or References).
    in_reply_to_email_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("outbound_emails.id", ondelete="SET NULL")
    )
    received_at: Mapped[datetime] = mapped_column(default=now)
    #: When a member who can answer first opened the case after it arrived; None means unread.
    read_at: Mapped[datetime | None]
    read_by_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("users.id", ondelete="SET NULL"))
