"""Drafts: what a shopper has entered in the returns portal before confirming, kept server-side.

The portal runs in an iframe on the shop's domain, where our cookies are not sent, so its state
cannot live in a session. A draft is a row addressed by a random token (192 bits) that only the
shopper's URL carries; the row stores its SHA-256, so a database leak does not hand out drafts.
Drafts expire after two hours and are deleted, with their photos, by ``tasks.purge_expired_drafts``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from retino_core.cases.models import CaseOrigin
from retino_core.db import AccountScoped, Base, BigIntPK, Timestamped, enum_type


class CaseDraft(AccountScoped, Timestamped, Base):
    __tablename__ = "case_drafts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("sales_channels.id", ondelete="CASCADE"), index=True)
    case_type_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("case_types.id", ondelete="CASCADE"))
    #: The order the lookup found; None for intake without an order.
    order_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    #: Lower-cased; the e-mail the lookup proved (or the shopper typed, without an order).
    customer_email: Mapped[str] = mapped_column(String(254))
    customer_name: Mapped[str] = mapped_column(String(200), default="")
    #: The shopper's language when the draft began; the case is filed in it.
    language: Mapped[str] = mapped_column(String(5))
    #: ``storefront`` or ``direct_link``: how the shopper reached the portal.
    origin: Mapped[CaseOrigin] = mapped_column(enum_type(CaseOrigin))
    #: SHA-256 (hex) of the token in the shopper's URL; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: What the shopper entered so far: items, custom fields, comment, shipping (see actions.py).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    #: Set when the case was filed from the draft; a second confirm then leads to that case.
    consumed_at: Mapped[datetime | None]
    case_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("cases.id", ondelete="SET NULL"))

    photos: Mapped[list[DraftPhoto]] = relationship(
        back_populates="draft", order_by="DraftPhoto.id", cascade="all, delete-orphan"
    )


class DraftPhoto(AccountScoped, Base):
    """A photo or PDF attached to a draft item, already cleaned by the core's attachment rules."""

    __tablename__ = "case_draft_photos"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    draft_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("case_drafts.id", ondelete="CASCADE"), index=True)
    #: The draft item it belongs to: ``o<order item id>`` or ``n<row>`` for an item typed by name.
    item_key: Mapped[str] = mapped_column(String(24))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]

    draft: Mapped[CaseDraft] = relationship(back_populates="photos")
