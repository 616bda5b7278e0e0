"""One received webhook delivery, kept byte for byte until (and after) a job has processed it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from retino_core.accounts.models import Platform
from retino_core.db import AccountScoped, Base, BigIntPK, enum_type


class WebhookDelivery(AccountScoped, Base):
    """A verified delivery from a channel's platform.

    ``(channel_id, dedupe_key)`` is unique: a platform that delivers the same event twice (or a
    sender racing itself) stores one row and enqueues one job. ``raw_body`` is the exact bytes that
    were signed, never re-serialised. ``processed_at`` is set by the job once the delivery's effect
    (e.g. the order upsert) is in, so a job run twice does the work once.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("channel_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("sales_channels.id", ondelete="CASCADE"))
    platform: Mapped[Platform] = mapped_column(enum_type(Platform))
    #: The platform's identity of the delivery (WooCommerce ``X-WC-Webhook-Delivery-ID``).
    dedupe_key: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime]
    raw_body: Mapped[bytes] = mapped_column(LargeBinary)
    processed_at: Mapped[datetime | None]
