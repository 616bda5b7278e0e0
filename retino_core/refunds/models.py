"""Money given back through a sales channel's platform, and the notes we leave in the platform's order history.

Both are write-backs: the row is stored in the merchant's transaction and a job does the platform
call after commit, so the row is the durable record of what was asked and what the platform said.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from retino_core.db import AccountScoped, Base, BigIntPK, enum_type
from retino_core.money import AmountColumn, Money


class RefundKind(Enum):
    #: Money back through the platform's payment (WooCommerce, Allegro: ``Capability.refund``).
    refund = "refund"
    #: A credit note against the order's invoice; the money goes back outside (Shoptet: ``Capability.credit_note``).
    credit_note = "credit_note"


class RefundState(Enum):
    #: Stored, the job has not had a final answer from the platform yet.
    pending = "pending"
    #: The platform made the refund or issued the credit note (``external_id`` names it).
    succeeded = "succeeded"
    #: The platform refused, or we gave up asking; ``failure`` says which and ``message`` what the platform said.
    failed = "failed"


class RefundFailure(Enum):
    #: The platform answered the request with a refusal (amount above what is left, no invoice, ...).
    refused = "refused"
    #: The platform no longer accepts the channel's credentials: the merchant must connect it again.
    auth_expired = "auth_expired"
    #: The installation lacks the right to refund (a scope, an add-on permission).
    forbidden = "forbidden"
    #: The platform no longer has the order.
    order_not_found = "order_not_found"
    #: The platform rejected the request as invalid.
    invalid = "invalid"
    #: The platform did not answer after every retry; the refund may or may not have been made.
    unavailable = "unavailable"
    #: The channel or order is gone, or the channel's platform can no longer refund.
    unsupported = "unsupported"


class PlatformRefund(AccountScoped, Base):
    """One refund (or credit note) of a case, asked of the case's sales channel.

    ``idempotency_key`` is derived from the case and the refund's position in it
    (``case-<case id>-refund-<n>``) and travels to the platform (WooCommerce refund meta and reason,
    Allegro ``commandId``, Shoptet credit-note remark), so a job that runs again after a crash or a
    lost answer finds the refund it made instead of paying twice. ``lines`` lists what is refunded
    per order line: ``[{"case_item_id", "order_item_external_id", "quantity", "amount"}]`` with
    decimals as strings.
    """

    __tablename__ = "platform_refunds"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        Index("ix_platform_refunds_order_state", "order_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: The channel asked; None once the channel was deleted (the record stays).
    channel_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("sales_channels.id", ondelete="SET NULL"), index=True
    )
    #: The order refunded; what was refunded of an order is summed over it, whichever case asked.
    order_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("orders.id", ondelete="SET NULL"))
    kind: Mapped[RefundKind] = mapped_column(enum_type(RefundKind))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(AmountColumn)
    currency: Mapped[str] = mapped_column(String(3))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: The merchant's reason, sent to the platform (Allegro takes its reason codes as they are).
    reason: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[RefundState] = mapped_column(enum_type(RefundState), default=RefundState.pending)
    #: Why it failed; None unless ``state`` is failed.
    failure: Mapped[RefundFailure | None] = mapped_column(enum_type(RefundFailure))
    #: The platform's id of the refund or the credit note's number; empty until it succeeded.
    external_id: Mapped[str] = mapped_column(String(100), default="")
    #: What the platform answered, in its words, for the merchant; empty on a plain success.
    message: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]

    @property
    def total(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def is_pending(self) -> bool:
        return self.state is RefundState.pending


class OrderNoteEvent(Enum):
    #: The case was opened for the order.
    case_opened = "case_opened"
    #: The case was closed (the first time; a reopened case closing again adds no second note).
    case_closed = "case_closed"


class OrderNoteState(Enum):
    #: Waiting for its job.
    pending = "pending"
    #: The platform took the note.
    sent = "sent"
    #: The platform refused, or we gave up asking; ``message`` says why.
    failed = "failed"
    #: Nothing to send: the channel, order or the platform's support for notes is gone.
    skipped = "skipped"


class PlatformOrderNote(AccountScoped, Base):
    """The note on the order's page in the platform's admin saying that a case was opened or closed.

    One row per (case, event), unique, written in the transaction that opened or closed the case;
    its job takes the row's id. ``status_id`` is the case's status at that moment, whose name the
    note carries.
    """

    __tablename__ = "platform_order_notes"
    __table_args__ = (UniqueConstraint("case_id", "event"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("sales_channels.id", ondelete="SET NULL"))
    event: Mapped[OrderNoteEvent] = mapped_column(enum_type(OrderNoteEvent))
    status_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("case_statuses.id", ondelete="SET NULL"))
    state: Mapped[OrderNoteState] = mapped_column(enum_type(OrderNoteState), default=OrderNoteState.pending)
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
