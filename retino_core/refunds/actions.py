"""Refunds through a case's sales channel, and the order notes that tell the platform about a case.

The core never knows which platform it talks to: it asks the channel's adapter (built by the
registry without I/O) whether it can refund (``Capability.refund``) or issue a credit note
(``Capability.credit_note``) or take order notes (``Capability.order_note``), stores what the
merchant asked for, and leaves the platform call to a job after commit (:mod:`.tasks`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.accounts.models import Account, SalesChannel
from retino_core.accounts.permissions import Permission
from retino_core.cases import history
from retino_core.cases.models import Case, CaseItem
from retino_core.config import SETTINGS_INFO_KEY, Settings
from retino_core.db import dialect_insert
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.jobs import enqueue_after_commit
from retino_core.money import Money, quantize_amount
from retino_core.orders.models import Order
from retino_core.platforms import registry as platform_registry
from retino_core.platforms.interface import Capability
from retino_core.refunds.capabilities import WRITABLE_CHANNEL_STATES, channel_refund_kind
from retino_core.refunds.errors import RefundError, RefundErrorCode
from retino_core.refunds.models import (
    OrderNoteEvent,
    OrderNoteState,
    PlatformOrderNote,
    PlatformRefund,
    RefundFailure,
    RefundKind,
    RefundState,
)
from retino_core.refunds.queries import committed_amount, line_amount, refunded_quantities, refunds_of_case
from retino_core.refunds.schemas import RefundRequestSchema
from retino_core.refunds.tasks import push_order_note, run_platform_refund
from retino_core.validation import load_or_raise

__all__ = ["OrderNoteEvent", "request_platform_refund", "retry_platform_refund", "schedule_order_note"]

logger = logging.getLogger(__name__)

AMOUNT_INVALID = N_("Enter an amount above zero with at most two decimals.")


def _invalid(code: RefundErrorCode, message: str, *, field: str | None = None, **params: Any) -> RefundError:
    field_errors = {field: [message]} if field and not params else None
    return RefundError(code, message, kind=ErrorKind.invalid, field_errors=field_errors, **params)


def _conflict(code: RefundErrorCode, message: str, **params: Any) -> RefundError:
    return RefundError(code, message, kind=ErrorKind.conflict, **params)


def request_platform_refund(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    case: Case,
    amount: Money,
    lines: Sequence[Mapping[str, Any]],
    reason: str,
    runtime: Mapping[str, Any],
) -> PlatformRefund:
    """Store a refund of ``amount`` for ``case`` through its channel's platform and queue the job that asks for it.

    ``lines`` are ``{"case_item_id", "quantity"}``: what of the case's items is refunded, each
    valued at the item's unit price; they may be empty (an amount only; for a credit note, the
    whole invoice). ``runtime`` is the adapter runtime of the caller (the app's or the job's): the
    adapter is built only to ask what the platform supports.

    Needs ``item.decide``: a refund carries out a money decision on the items, which the roles
    allowed to decide items (owner, manager, dispatcher, technician) may take; agents and viewers
    may not. Refused, with nothing stored, when:

    - the case has no channel or order, or the channel's platform can neither refund nor issue a
      credit note here (conflict);
    - another refund of the case still waits for the platform (conflict);
    - the amount is not in the order's currency, not above zero, has more than two decimals, or
      exceeds the order's total less what its refunds (of any case) gave back or are giving back;
    - a line names an item of another case or one not from the order, asks for more than the
      item's quantity not yet refunded, or the lines add up to more than the amount (for a credit
      note with lines: to another amount, since the platform credits exactly those items).

    The order row is locked while counting, so two requests cannot both take the same remainder.
    The refund's idempotency key is ``case-<case id>-refund-<n>``, n counting the case's refunds.
    """
    if case.account_id != account.id:
        raise RefundError(RefundErrorCode.case_not_found, N_("This case does not exist."), kind=ErrorKind.not_found)
    actor.require(Permission.item_decide)
    data = load_or_raise(
        RefundRequestSchema(),
        {"reason": reason, "lines": list(lines)},
        error_class=RefundError,
        code=RefundErrorCode.invalid_input,
    )
    channel = SalesChannel.get_for_account(session, case.channel_id, account.id) if case.channel_id else None
    if channel is None or case.order_id is None:
        raise _conflict(RefundErrorCode.no_order, N_("Only a case with an order from a sales channel can be refunded."))
    kind = channel_refund_kind(channel, runtime)
    if kind is None:
        raise _conflict(RefundErrorCode.not_supported, N_("This sales channel cannot refund through its platform."))
    order = session.scalar(Order.select_for_account(account.id).where(Order.id == case.order_id).with_for_update())
    if order is None:
        raise _conflict(RefundErrorCode.no_order, N_("Only a case with an order from a sales channel can be refunded."))
    _check_amount(amount, order)
    earlier = refunds_of_case(session, account_id=account.id, case_id=case.id)
    if any(refund.state is RefundState.pending for refund in earlier):
        raise _conflict(
            RefundErrorCode.refund_pending, N_("An earlier refund of this case is still waiting for the platform.")
        )
    left = order.total_amount - committed_amount(session, account_id=account.id, order_id=order.id)
    if amount.amount > left:
        raise _invalid(
            RefundErrorCode.amount_out_of_range,
            N_("At most %(left)s %(currency)s of this order is left to refund."),
            left=str(quantize_amount(max(left, Decimal("0")))),
            currency=order.currency,
        )
    refund_lines = _refund_lines(case, data["lines"], refunded_quantities(earlier))
    _check_lines_against_amount(kind, refund_lines, amount)
    refund = PlatformRefund(
        account_id=account.id,
        case_id=case.id,
        channel_id=channel.id,
        order_id=order.id,
        kind=kind,
        idempotency_key=f"case-{case.id}-refund-{len(earlier) + 1}",
        amount=amount.amount,
        currency=amount.currency,
        lines=refund_lines,
        reason=data["reason"].strip(),
        state=RefundState.pending,
        requested_by_id=actor.user_id,
        requested_at=clock.now(),
    )
    session.add(refund)
    session.flush()
    history.refund_requested_entry(
        session,
        case=case,
        actor=actor,
        refund_id=refund.id,
        kind=kind.value,
        amount=str(quantize_amount(amount.amount)),
        currency=amount.currency,
    )
    session.flush()
    enqueue_after_commit(session, run_platform_refund, refund.id, account_id=account.id)
    return refund


def retry_platform_refund(
    session: Session, *, account: Account, actor: Actor, case: Case, refund_id: int
) -> PlatformRefund:
    """Send a refund whose outcome is unknown again, with the same idempotency key.

    When the platform never answered (the retries ran out: failure ``unavailable``), the money may
    or may not have moved. Asking again under the *same* key is safe either way: Allegro dedupes on
    its ``commandId``, and the WooCommerce and Shoptet adapters find a refund or credit note made
    with the key before they make one. A new request would carry a new key and could pay twice.
    """
    if case.account_id != account.id:
        raise RefundError(RefundErrorCode.case_not_found, N_("This case does not exist."), kind=ErrorKind.not_found)
    actor.require(Permission.item_decide)
    earlier = refunds_of_case(session, account_id=account.id, case_id=case.id)
    refund = next((refund for refund in earlier if refund.id == refund_id), None)
    if refund is None:
        raise RefundError(RefundErrorCode.refund_not_found, N_("This refund does not exist."), kind=ErrorKind.not_found)
    if refund.state is not RefundState.failed or refund.failure is not RefundFailure.unavailable:
        raise _conflict(
            RefundErrorCode.not_retryable,
            N_("Only a refund the platform did not answer can be sent again."),
        )
    if any(other.state is RefundState.pending for other in earlier):
        raise _conflict(
            RefundErrorCode.refund_pending, N_("An earlier refund of this case is still waiting for the platform.")
        )
    refund.state = RefundState.pending
    refund.failure = None
    refund.message = ""
    refund.finished_at = None
    session.flush()
    history.refund_requested_entry(
        session,
        case=case,
        actor=actor,
        refund_id=refund.id,
        kind=refund.kind.value,
        amount=str(quantize_amount(refund.amount)),
        currency=refund.currency,
    )
    enqueue_after_commit(session, run_platform_refund, refund.id, account_id=account.id)
    return refund


def _check_amount(amount: Money, order: Order) -> None:
    if amount.currency != order.currency:
        raise _invalid(
            RefundErrorCode.currency_mismatch,
            N_("The refund must be in the order's currency, %(currency)s."),
            currency=order.currency,
        )
    if not amount.amount.is_finite() or amount.amount <= 0 or amount.amount != quantize_amount(amount.amount):
        raise _invalid(RefundErrorCode.amount_out_of_range, AMOUNT_INVALID, field="amount")


def _refund_lines(case: Case, lines: list[dict[str, Any]], refunded: dict[int, Decimal]) -> list[dict[str, Any]]:
    """The stored lines: each case item's order line, quantity and amount (decimals as strings)."""
    items = {item.id: item for item in case.items}
    stored: list[dict[str, Any]] = []
    for line in lines:
        item: CaseItem | None = items.get(line["case_item_id"])
        if item is None or item.order_item is None or item.order_item.order_id != case.order_id:
            raise _invalid(
                RefundErrorCode.item_not_refundable, N_("Choose items of this case that come from its order.")
            )
        amount = line_amount(item, line["quantity"])
        if amount is None:
            raise _invalid(RefundErrorCode.item_not_refundable, N_("%(item)s has no price."), item=item.name)
        left = item.quantity - refunded.get(item.id, Decimal("0"))
        if line["quantity"] > left:
            raise _invalid(
                RefundErrorCode.quantity_exceeds_item,
                N_("At most %(quantity)s of %(item)s is left to refund."),
                quantity=_plain(max(left, Decimal("0"))),
                item=item.name,
            )
        stored.append(
            {
                "case_item_id": item.id,
                "order_item_external_id": item.order_item.external_id,
                "quantity": _plain(line["quantity"]),
                "amount": str(amount),
            }
        )
    return stored


def _check_lines_against_amount(kind: RefundKind, lines: list[dict[str, Any]], amount: Money) -> None:
    if not lines:
        return
    total = sum((Decimal(line["amount"]) for line in lines), Decimal("0"))
    if kind is RefundKind.credit_note and total != amount.amount:
        raise _invalid(
            RefundErrorCode.lines_exceed_amount,
            N_("A credit note credits exactly the chosen items: the amount must be %(total)s %(currency)s."),
            total=str(total),
            currency=amount.currency,
        )
    if total > amount.amount:
        raise _invalid(
            RefundErrorCode.lines_exceed_amount,
            N_("The chosen items add up to %(total)s %(currency)s, more than the amount."),
            total=str(total),
            currency=amount.currency,
        )


def _plain(quantity: Decimal) -> str:
    """A quantity without trailing zeros ("1", "0.5"), never in exponent notation."""
    return format(quantity.normalize(), "f")


def schedule_order_note(session: Session, *, case: Case, event: OrderNoteEvent) -> PlatformOrderNote | None:
    """Queue a note on the case's order in the platform's admin that ``event`` happened; once per (case, event).

    Called by ``open_case`` and by ``transition_case`` when a case closes, in their transaction:
    it must stay cheap and never refuse. Nothing is queued when the case has no channel and
    order, the channel holds no credentials or is disabled, no adapter is registered for its
    platform in this process, or (when the session carries the settings to build it) the adapter
    does not take order notes. The row is inserted with ON CONFLICT DO NOTHING on (case, event),
    so a case closed, reopened and closed again gets one closing note; its job runs after commit.
    """
    if case.channel_id is None or case.order_id is None:
        return None
    channel = session.get(SalesChannel, case.channel_id)
    if channel is None or channel.status not in WRITABLE_CHANNEL_STATES or not channel.credentials_encrypted:
        return None
    if platform_registry.default_registry.factory_for(platform_registry.platform_name(channel)) is None:
        return None
    settings = session.info.get(SETTINGS_INFO_KEY)
    if isinstance(settings, Settings):
        adapter = platform_registry.adapter_or_none(
            channel, **platform_registry.adapter_runtime_for_session(settings, session)
        )
        if adapter is None or not adapter.supports(Capability.order_note):
            return None
    insert = dialect_insert(session)
    note_id = session.execute(
        insert(PlatformOrderNote)
        .values(
            account_id=case.account_id,
            case_id=case.id,
            channel_id=channel.id,
            event=event,
            status_id=case.status_id,
            state=OrderNoteState.pending,
            message="",
            created_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["case_id", "event"])
        .returning(PlatformOrderNote.id)
    ).scalar_one_or_none()
    if note_id is None:
        return None
    enqueue_after_commit(session, push_order_note, note_id, account_id=case.account_id)
    return session.get(PlatformOrderNote, note_id)
