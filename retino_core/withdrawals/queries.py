"""Reading withdrawals: the shopper's order lookup, the account's withdrawal type, stored statements."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from retino_core.accounts.models import SalesChannel
from retino_core.case_types.models import CaseKind, CaseType
from retino_core.orders.models import Order
from retino_core.orders.queries import find_order_for_shopper
from retino_core.withdrawals.models import WithdrawalStatement


def order_for_withdrawal(session: Session, *, channel: SalesChannel, order_code: str, email: str) -> Order | None:
    """The channel's order with exactly this number and e-mail, else None.

    One indexed equality query whatever is wrong (the number, the e-mail, or the channel), and
    the same None for each: the caller cannot tell an existing order from a missing one.
    """
    order = find_order_for_shopper(session, account_id=channel.account_id, code=order_code, email=email)
    if order is None or order.channel_id != channel.id:
        return None
    return order


def withdrawal_case_type(session: Session, *, account_id: int) -> CaseType | None:
    """The account's active case type of kind withdrawal (the first, if a merchant made more)."""
    return session.scalar(
        CaseType.select_for_account(account_id)
        .where(CaseType.kind == CaseKind.withdrawal, CaseType.is_active, CaseType.initial_status_id.is_not(None))
        .order_by(CaseType.id)
        .limit(1)
    )


def statement_for_submission(session: Session, *, account_id: int, submission_key: str) -> WithdrawalStatement | None:
    return session.scalar(
        WithdrawalStatement.select_for_account(account_id).where(WithdrawalStatement.submission_key == submission_key)
    )


def statement_for_case(session: Session, *, account_id: int, case_id: int) -> WithdrawalStatement | None:
    return session.scalar(
        select(WithdrawalStatement).where(
            WithdrawalStatement.account_id == account_id, WithdrawalStatement.case_id == case_id
        )
    )
