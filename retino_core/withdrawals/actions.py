"""Withdrawing from a contract through the withdrawal function (Art. 11a CRD).

``submit_withdrawal`` does, in the caller's one transaction: open a case of the account's
withdrawal type (through ``open_case``, origin storefront, items from the order), store the
immutable ``WithdrawalStatement`` with the very text the shopper confirmed, and queue the
``withdrawal_received`` acknowledgement (sent after commit by the send job) with the same text,
the date and time, and the status link. The case's ``lodged_at`` *is* the statement's timestamp,
so the deadline engine starts the 14-day refund period (``eu.withdrawal.refund``) from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retino_core.accounts.actor import Actor
from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.models import Account, SalesChannel
from retino_core.accounts.permissions import Permission
from retino_core.cases.actions import claimed_quantities, open_case
from retino_core.cases.errors import CaseError
from retino_core.cases.models import CaseOrigin
from retino_core.config import settings_for
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.messaging.actions import queue_case_email
from retino_core.orders.models import Order, OrderItem
from retino_core.validation import load_or_raise
from retino_core.withdrawals.errors import WithdrawalError, WithdrawalErrorCode
from retino_core.withdrawals.models import WithdrawalStatement
from retino_core.withdrawals.queries import order_for_withdrawal, statement_for_submission, withdrawal_case_type
from retino_core.withdrawals.schemas import WithdrawalSchema
from retino_core.withdrawals.statement import StatementItem, format_moment, statement_text

ACKNOWLEDGEMENT_TEMPLATE = "withdrawal_received"

#: The refusal for a wrong order number and for a right number with a wrong e-mail: one text, one code.
ORDER_NOT_FOUND_MESSAGE = N_("We cannot find an order with this number and e-mail address. Please check both.")


def order_not_found() -> WithdrawalError:
    return WithdrawalError(WithdrawalErrorCode.order_not_found, ORDER_NOT_FOUND_MESSAGE, kind=ErrorKind.not_found)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def submission_key_for(nonce: str) -> str:
    """What is stored of the confirm form's nonce: its hash (the nonce itself never leaves the form)."""
    return hashlib.sha256(nonce.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class WithdrawableItem:
    order_item: OrderItem
    #: What no other open case holds yet; 0 means the item cannot be withdrawn here any more.
    available: Decimal


@dataclass(frozen=True)
class WithdrawalPreview:
    """What the summary shows before the shopper confirms: the validated input, the order, its items."""

    data: dict[str, Any]
    order: Order
    items: list[WithdrawableItem]


def preview_withdrawal(
    session: Session, *, account: Account, actor: Actor, channel: SalesChannel, payload: Mapping[str, Any]
) -> WithdrawalPreview:
    """Validate the name, order number and e-mail and find the order; nothing is stored.

    A wrong number and a right number with a wrong e-mail raise the same ``order_not_found``
    after the same single query; the caller rate-limits these failures.
    """
    actor.require(Permission.case_create)
    data = load_or_raise(
        WithdrawalSchema(), payload, error_class=WithdrawalError, code=WithdrawalErrorCode.invalid_input
    )
    order = order_for_withdrawal(session, channel=channel, order_code=data["order_code"], email=data["customer_email"])
    if order is None or channel.account_id != account.id:
        raise order_not_found()
    claimed = claimed_quantities(session, account_id=account.id, order_item_ids=[item.id for item in order.items])
    items = [
        WithdrawableItem(item, max(item.quantity - claimed.get(item.id, Decimal("0")), Decimal("0")))
        for item in order.items
    ]
    return WithdrawalPreview(data=data, order=order, items=items)


def submit_withdrawal(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    channel: SalesChannel,
    payload: Mapping[str, Any],
    nonce: str,
) -> WithdrawalStatement:
    """Withdraw from the order ``payload`` names; returns the stored statement (the case is ``statement.case``).

    ``payload``: ``customer_name``, ``order_code``, ``customer_email``, ``language`` and
    optionally ``order_item_ids`` (none: the whole order, as much of each item as no other case
    holds). ``nonce`` is the confirm form's one-time value: submitting the same form twice, even
    concurrently, returns the first statement and creates nothing more. A wrong order number and
    a wrong e-mail raise the same ``order_not_found``. Any refusal stores nothing.
    """
    actor.require(Permission.case_create)
    if not account.is_active:
        raise AccountError(
            AccountErrorCode.account_deactivated, N_("This account is deactivated."), kind=ErrorKind.forbidden
        )
    if channel.account_id != account.id:
        raise order_not_found()
    data = load_or_raise(
        WithdrawalSchema(), payload, error_class=WithdrawalError, code=WithdrawalErrorCode.invalid_input
    )
    key = submission_key_for(nonce)
    existing = statement_for_submission(session, account_id=account.id, submission_key=key)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            statement = _withdraw(session, account=account, actor=actor, channel=channel, data=data, key=key)
    except (IntegrityError, CaseError, WithdrawalError):
        # The same form confirmed concurrently: the first one won (and may have claimed the items).
        concurrent = statement_for_submission(session, account_id=account.id, submission_key=key)
        if concurrent is None:
            raise
        return concurrent
    queue_case_email(
        session,
        case=statement.case,
        template=ACKNOWLEDGEMENT_TEMPLATE,
        actor=actor,
        runtime_settings=settings_for(session.info),
        extra_context={
            "statement_text": statement.statement_text,
            "withdrawn_at": format_moment(statement.submitted_at, statement.case.language),
        },
    )
    return statement


def _withdraw(
    session: Session, *, account: Account, actor: Actor, channel: SalesChannel, data: dict[str, Any], key: str
) -> WithdrawalStatement:
    order = order_for_withdrawal(session, channel=channel, order_code=data["order_code"], email=data["customer_email"])
    if order is None:
        raise order_not_found()
    case_type = withdrawal_case_type(session, account_id=account.id)
    if case_type is None:
        raise WithdrawalError(
            WithdrawalErrorCode.withdrawal_not_offered,
            N_("This shop cannot take withdrawals here. Please contact the shop directly."),
            kind=ErrorKind.conflict,
        )
    name = " ".join(data["customer_name"].split())
    case = open_case(
        session,
        account=account,
        actor=actor,
        payload={
            "case_type": case_type.code,
            "order_id": order.id,
            "channel_id": channel.id,
            "customer_name": name,
            "customer_email": data["customer_email"],
            "language": data["language"],
            "items": _withdrawn_items(session, account, order, data["order_item_ids"]),
            "notify_customer": False,
        },
        origin=CaseOrigin.storefront,
    )
    branding = account.branding_for(case.language)
    text = statement_text(
        language=case.language,
        shop_name=branding.shop_name if branding and branding.shop_name else account.name,
        order_code=order.code,
        items=[StatementItem(item.name, item.product_code, item.quantity) for item in case.items],
        customer_name=case.customer_name,
        customer_email=case.customer_email,
        submitted_at=case.lodged_at,
    )
    statement = WithdrawalStatement(
        account_id=account.id,
        case_id=case.id,
        submitted_at=case.lodged_at,
        language=case.language,
        statement_text=text,
        text_sha256=text_sha256(text),
        submission_key=key,
    )
    statement.case = case
    session.add(statement)
    session.flush()
    return statement


def _withdrawn_items(session: Session, account: Account, order: Order, chosen: list[int]) -> list[dict[str, Any]]:
    """The chosen order lines (all of them when none is chosen), each with as much as no other case holds."""
    by_id = {item.id: item for item in order.items}
    wanted = list(dict.fromkeys(chosen)) or list(by_id)
    if any(item_id not in by_id for item_id in wanted):
        raise WithdrawalError(
            WithdrawalErrorCode.item_not_in_order,
            N_("Choose items from the list."),
            field_errors={"order_item_ids": [N_("Choose items from the list.")]},
        )
    claimed = claimed_quantities(session, account_id=account.id, order_item_ids=wanted)
    items = [
        {"order_item_id": item_id, "quantity": str(available)}
        for item_id in wanted
        if (available := by_id[item_id].quantity - claimed.get(item_id, Decimal("0"))) > 0
    ]
    if not items:
        raise WithdrawalError(
            WithdrawalErrorCode.nothing_to_withdraw,
            N_("Everything you chose is already part of another request. See the link in our e-mail about it."),
            kind=ErrorKind.conflict,
        )
    return items
