"""Read helpers of the intake: the types a portal offers, a draft by its token, a draft's item rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.models import SalesChannel
from retino_core.case_types.models import CaseKind, CaseType
from retino_core.cases.actions import claimed_quantities
from retino_core.channels.queries import offered_case_types
from retino_core.intake.models import CaseDraft
from retino_core.orders.models import Order, OrderItem

#: Free rows offered when a case is filed without an order.
FREE_ROWS = 3


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def portal_case_types(session: Session, *, channel: SalesChannel) -> list[CaseType]:
    """The offered types a shopper files through the portal's form.

    A withdrawal is not among them: it has its own function (Art. 11a CRD) with its immediate
    acknowledgement, which the generic form must not bypass.
    """
    return [
        case_type
        for case_type in offered_case_types(session, channel=channel)
        if case_type.kind is not CaseKind.withdrawal and case_type.initial_status_id is not None
    ]


def draft_by_token(session: Session, *, channel: SalesChannel, token: str) -> CaseDraft | None:
    """The channel's draft this token opens, consumed or not; None when unknown, of another channel or expired.

    Once expired a draft is gone for the shopper, consumed or not: the case it became is reached
    through the status link in the "case created" e-mail.
    """
    if not token or len(token) > 64:
        return None
    draft = session.scalar(
        CaseDraft.select_for_account(channel.account_id).where(
            CaseDraft.channel_id == channel.id, CaseDraft.token_hash == hash_token(token)
        )
    )
    if draft is None or draft.expires_at <= clock.now():
        return None
    return draft


@dataclass(frozen=True)
class DraftRow:
    """One line the shopper may include: an order item with what is still claimable, or a free row."""

    key: str
    order_item: OrderItem | None
    claimable: Decimal


def draft_rows(session: Session, *, draft: CaseDraft) -> list[DraftRow]:
    """The order's items with the quantity each may still claim, or ``FREE_ROWS`` blank rows without an order."""
    if draft.order_id is None:
        return [DraftRow(key=f"n{index}", order_item=None, claimable=Decimal("0")) for index in range(FREE_ROWS)]
    order = Order.get_for_account(session, draft.order_id, draft.account_id)
    if order is None:
        return []
    claimed = claimed_quantities(session, account_id=order.account_id, order_item_ids=[item.id for item in order.items])
    return [
        DraftRow(
            key=f"o{item.id}",
            order_item=item,
            claimable=max(item.quantity - claimed.get(item.id, Decimal("0")), Decimal("0")),
        )
        for item in order.items
    ]
