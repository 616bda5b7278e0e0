"""The write-back jobs: one platform refund (or credit note) per stored request, one order note per case event.

Both take the id of the row the action stored and lock it, so a job delivered twice (the outbox is
at least once) does its work once as far as the database can tell. What the database cannot tell
(the platform took the call but our commit was lost) is covered differently per job; see each.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.accounts.models import Account, SalesChannel
from retino_core.case_types.models import CaseStatus
from retino_core.cases import history
from retino_core.cases.models import Case
from retino_core.jobs import JobContext, job
from retino_core.money import Money
from retino_core.orders.models import Order
from retino_core.platforms.http import AuthExpired, Forbidden, Invalid, NotFound, PlatformError
from retino_core.platforms.interface import Capability, CaseStatusUpdate, CreditNoteRequest, RefundRequest
from retino_core.platforms.protocol import PlatformAdapter
from retino_core.platforms.registry import adapter_or_none, adapter_runtime_for_session, platform_name
from retino_core.refunds.capabilities import CAPABILITY_FOR_KIND
from retino_core.refunds.models import (
    OrderNoteEvent,
    OrderNoteState,
    PlatformOrderNote,
    PlatformRefund,
    RefundFailure,
    RefundKind,
    RefundState,
)

logger = logging.getLogger(__name__)

#: The longest platform or error text kept on a row.
MESSAGE_LENGTH = 2000
#: Platform errors after which asking again cannot help; RateLimited and Unavailable are retried instead.
FINAL_ERRORS: dict[type[PlatformError], RefundFailure] = {
    AuthExpired: RefundFailure.auth_expired,
    Forbidden: RefundFailure.forbidden,
    NotFound: RefundFailure.order_not_found,
    Invalid: RefundFailure.invalid,
}


def _lock_refund(session: Session, account_id: int, refund_id: int) -> PlatformRefund | None:
    return session.scalar(
        PlatformRefund.select_for_account(account_id).where(PlatformRefund.id == refund_id).with_for_update()
    )


def finish_refund(
    session: Session,
    refund: PlatformRefund,
    *,
    actor: Actor,
    external_id: str = "",
    failure: RefundFailure | None = None,
    message: str = "",
) -> None:
    """Record the final answer on ``refund`` and on its case's history; ``failure`` None means it succeeded."""
    refund.state = RefundState.succeeded if failure is None else RefundState.failed
    refund.failure = failure
    refund.external_id = external_id[:100]
    refund.message = message.strip()[:MESSAGE_LENGTH]
    refund.finished_at = clock.now()
    case = Case.get_for_account(session, refund.case_id, refund.account_id)
    if case is not None:
        history.refund_finished_entry(
            session,
            case=case,
            actor=actor,
            refund_id=refund.id,
            succeeded=failure is None,
            external_id=refund.external_id,
            failure=failure.value if failure is not None else "",
        )
    session.flush()


def _record_refund_gave_up(
    session: Session, *, account_id: int | None, ids: Sequence[int], error: str, gave_up: bool
) -> None:
    """After the last retry (the platform kept timing out or limiting us) the refund is failed, saying so."""
    if not gave_up or account_id is None or not ids:
        return
    refund = _lock_refund(session, account_id, ids[0])
    if refund is None or refund.state is not RefundState.pending:
        return
    finish_refund(session, refund, actor=Actor.system(), failure=RefundFailure.unavailable, message=error)


@job(queue="platform_sync", timeout=120, retries=(5, (30, 120, 600, 1800, 3600)), on_failure=_record_refund_gave_up)
def run_platform_refund(ctx: JobContext, refund_id: int) -> None:
    """Ask the platform for refund ``refund_id`` unless it already has a final answer; record the answer.

    - The row is locked and left alone unless pending, so two deliveries of the job ask once.
    - The channel's adapter refunds (``issue_refund``) or issues a credit note
      (``issue_credit_note``) depending on the kind stored, always with the row's idempotency key.
    - A refusal (an unsuccessful result), ``AuthExpired``, ``Forbidden``, ``NotFound`` or
      ``Invalid`` ends the refund as failed with the platform's message, in this job's transaction.
    - ``RateLimited``, ``Unavailable`` (and any other error) propagate: the transaction rolls back,
      the row stays pending and the outbox retries. The retry is safe because the platform either
      dedupes on the key (Allegro ``commandId``) or the adapter finds the refund made with it
      (WooCommerce refunds, Shoptet credit notes), even when the first call went through but its
      answer or our commit was lost. After the last retry the refund fails as ``unavailable``.
    """
    if ctx.account_id is None:
        raise ValueError("run_platform_refund needs an account")
    session = ctx.session
    refund = _lock_refund(session, ctx.account_id, refund_id)
    if refund is None or refund.state is not RefundState.pending:
        logger.info("refund %s: nothing to do (%s)", refund_id, "missing" if refund is None else refund.state.value)
        return
    case = Case.get_for_account(session, refund.case_id, ctx.account_id)
    channel = SalesChannel.get_for_account(session, refund.channel_id, ctx.account_id) if refund.channel_id else None
    order = Order.get_for_account(session, refund.order_id, ctx.account_id) if refund.order_id else None
    adapter = adapter_or_none(channel, **adapter_runtime_for_session(ctx.settings, session)) if channel else None
    if (
        case is None
        or channel is None
        or order is None
        or adapter is None
        or not adapter.supports(CAPABILITY_FOR_KIND[refund.kind])
    ):
        finish_refund(session, refund, actor=Actor.system(), failure=RefundFailure.unsupported)
        return
    actor = Actor.platform(platform_name(channel))
    try:
        is_success, external_id, message = _ask(adapter, refund, order, reason=refund.reason.strip() or case.number)
    except tuple(FINAL_ERRORS) as error:
        failure = next(failure for kind, failure in FINAL_ERRORS.items() if isinstance(error, kind))
        finish_refund(session, refund, actor=actor, failure=failure, message=error.message)
        logger.warning("refund %s: %s refused it for good: %s", refund.id, actor.label, error)
        return
    finish_refund(
        session,
        refund,
        actor=actor,
        external_id=external_id,
        failure=None if is_success else RefundFailure.refused,
        message=message,
    )
    logger.info("refund %s: %s answered %s %s", refund.id, actor.label, is_success, external_id)


def _ask(adapter: PlatformAdapter, refund: PlatformRefund, order: Order, *, reason: str) -> tuple[bool, str, str]:
    """Send the stored refund through the port; lines for the same order line go as one.

    ``reason`` is the merchant's, or the case number when they gave none, so the platform's record
    of the refund names the case.
    """
    amounts: dict[str, Decimal] = {}
    quantities: dict[str, Decimal] = {}
    for line in refund.lines or []:
        line_id = str(line["order_item_external_id"])
        amounts[line_id] = amounts.get(line_id, Decimal("0")) + Decimal(str(line["amount"]))
        quantities[line_id] = quantities.get(line_id, Decimal("0")) + Decimal(str(line["quantity"]))
    if refund.kind is RefundKind.refund:
        result = adapter.issue_refund(
            RefundRequest(
                order_external_id=order.external_id,
                amount=refund.total,
                reason=reason,
                line_amounts=tuple((line_id, Money(amount, refund.currency)) for line_id, amount in amounts.items()),
                idempotency_key=refund.idempotency_key,
            )
        )
        return result.is_success, result.external_id, result.message
    note = adapter.issue_credit_note(
        CreditNoteRequest(
            order_external_id=order.external_id,
            amount=refund.total,
            reason=reason,
            idempotency_key=refund.idempotency_key,
            line_quantities=tuple(quantities.items()),
        )
    )
    return note.is_success, note.external_id, note.message


def _lock_note(session: Session, account_id: int, note_id: int) -> PlatformOrderNote | None:
    return session.scalar(
        PlatformOrderNote.select_for_account(account_id).where(PlatformOrderNote.id == note_id).with_for_update()
    )


def _record_note_gave_up(
    session: Session, *, account_id: int | None, ids: Sequence[int], error: str, gave_up: bool
) -> None:
    if not gave_up or account_id is None or not ids:
        return
    note = _lock_note(session, account_id, ids[0])
    if note is not None and note.state is OrderNoteState.pending:
        note.state = OrderNoteState.failed
        note.message = error[:MESSAGE_LENGTH]


@job(queue="platform_sync", timeout=60, retries=(3, (60, 300, 1800)), on_failure=_record_note_gave_up)
def push_order_note(ctx: JobContext, note_id: int) -> None:
    """Write order note ``note_id`` (a case opened or closed) into the order's history on the platform.

    At least once, never knowingly twice: the note row is locked, skipped unless pending, and
    marked sent in this job's transaction right after the platform took it. A second note can only
    appear when the platform took the call but its answer was lost (``Unavailable``, retried) or
    the commit after it failed; the port cannot dedupe notes (no key), and a repeated internal
    note costs the merchant less than a lost one. ``AuthExpired``, ``Forbidden`` (Shoptet's limit
    of 100 history records), ``NotFound`` and ``Invalid`` end it as failed; a channel or order that
    is gone, or a platform that no longer takes notes, as skipped.
    """
    if ctx.account_id is None:
        raise ValueError("push_order_note needs an account")
    session = ctx.session
    note = _lock_note(session, ctx.account_id, note_id)
    if note is None or note.state is not OrderNoteState.pending:
        return
    case = Case.get_for_account(session, note.case_id, ctx.account_id)
    channel = SalesChannel.get_for_account(session, note.channel_id, ctx.account_id) if note.channel_id else None
    order = Order.get_for_account(session, case.order_id, ctx.account_id) if case and case.order_id else None
    adapter = adapter_or_none(channel, **adapter_runtime_for_session(ctx.settings, session)) if channel else None
    if case is None or order is None or adapter is None or not adapter.supports(Capability.order_note):
        note.state = OrderNoteState.skipped
        return
    account = session.get(Account, ctx.account_id)
    status = CaseStatus.get_for_account(session, note.status_id, ctx.account_id) if note.status_id else None
    language = account.default_language if account is not None else case.language
    update = CaseStatusUpdate(
        order_external_id=order.external_id,
        case_number=case.number,
        status_name=(status or case.status).name(language),
        is_closed=note.event is OrderNoteEvent.case_closed,
    )
    try:
        adapter.push_case_status(update)
    except tuple(FINAL_ERRORS) as error:
        note.state = OrderNoteState.failed
        note.message = error.message[:MESSAGE_LENGTH]
        return
    note.state = OrderNoteState.sent
    note.sent_at = clock.now()
