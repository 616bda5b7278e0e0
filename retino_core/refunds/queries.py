"""Read helpers for refunds: what a case and an order have refunded, and what the admin proposes next."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from retino_core.cases.models import Case, CaseItem, DecisionState, Resolution
from retino_core.money import quantize_amount
from retino_core.refunds.models import PlatformRefund, RefundState

#: Refunds that count against what is left to refund: made, or still being made.
COMMITTED_STATES = (RefundState.pending, RefundState.succeeded)


def refunds_of_case(session: Session, *, account_id: int, case_id: int) -> list[PlatformRefund]:
    """The case's refunds, newest first."""
    return list(
        session.scalars(
            PlatformRefund.select_for_account(account_id)
            .where(PlatformRefund.case_id == case_id)
            .order_by(PlatformRefund.id.desc())
        )
    )


def committed_amount(session: Session, *, account_id: int, order_id: int) -> Decimal:
    """What the order's refunds (of any case) have given back or are giving back now."""
    total = session.scalar(
        select(func.coalesce(func.sum(PlatformRefund.amount), 0)).where(
            PlatformRefund.account_id == account_id,
            PlatformRefund.order_id == order_id,
            PlatformRefund.state.in_(COMMITTED_STATES),
        )
    )
    return Decimal(total or 0)


def refunded_quantities(refunds: Iterable[PlatformRefund]) -> dict[int, Decimal]:
    """Quantity of each case item (by id) in the refunds that were made or are being made."""
    quantities: dict[int, Decimal] = {}
    for refund in refunds:
        if refund.state not in COMMITTED_STATES:
            continue
        for line in refund.lines or []:
            item_id = int(line["case_item_id"])
            quantities[item_id] = quantities.get(item_id, Decimal("0")) + Decimal(str(line["quantity"]))
    return quantities


def line_amount(item: CaseItem, quantity: Decimal) -> Decimal | None:
    """``quantity`` units of ``item`` at its unit price (with VAT), to the cent; None when the price is unknown."""
    if item.unit_price_amount is None:
        return None
    return quantize_amount(item.unit_price_amount * quantity)


@dataclass(frozen=True)
class RefundProposal:
    """What the refund form starts with: the items accepted for a refund, not yet refunded.

    ``quantities`` maps a case item id to the quantity proposed (the rest of its quantity for an
    item accepted with the resolution refund); ``remaining`` to what of the item is left to refund
    at all; ``amount`` is the proposed items' total, None when no item is accepted for a refund.
    """

    quantities: dict[int, Decimal] = field(default_factory=dict)
    remaining: dict[int, Decimal] = field(default_factory=dict)
    amount: Decimal | None = None


def refund_proposal(case: Case, refunds: Iterable[PlatformRefund]) -> RefundProposal:
    done = refunded_quantities(refunds)
    remaining: dict[int, Decimal] = {}
    quantities: dict[int, Decimal] = {}
    amount = Decimal("0")
    for item in case.items:
        if item.order_item_id is None or item.unit_price_amount is None:
            continue
        left = max(item.quantity - done.get(item.id, Decimal("0")), Decimal("0"))
        remaining[item.id] = left
        decided = item.decision_state is DecisionState.accepted and item.resolution is Resolution.refund
        if decided and left > 0:
            quantities[item.id] = left
            amount += line_amount(item, left) or Decimal("0")
    return RefundProposal(quantities=quantities, remaining=remaining, amount=amount if quantities else None)
