"""Customer returns opened on the platform itself (Allegro): one ``return`` case each, and their rejection.

:func:`import_customer_return` is called by the channel sync for every
:class:`~retino_core.platforms.interface.CustomerReturnSnapshot` it reads. It opens one case of
type ``return`` per (channel, return id) — ``Case.external_ref`` is the return id, unique per
channel — and reading the same return again (a re-read page, a later status) returns that case.
Concurrent imports of one return are serialised by the channel's work lock, so they cannot both
open a case. The parcels' waybills are written into the case as notes, each once, also when
they appear on a later read (Allegro adds parcels after the buyer has sent them).

:func:`reject_platform_return` is the merchant's refusal of such a return's refund on the
platform: validated and recorded in the case history at once, sent by
:func:`reject_platform_return_job` after commit, whose outcome is recorded in the history too.

The history kinds written here (:data:`REJECTION_REQUESTED`, :data:`REJECTION_SUCCEEDED`,
:data:`REJECTION_FAILED`) are a contract like those of :mod:`retino_core.cases.history`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.accounts.models import Account, ChannelStatus, Platform, SalesChannel
from retino_core.accounts.permissions import Permission
from retino_core.case_types.models import CaseType
from retino_core.cases.actions import add_note, claimed_quantities, open_case
from retino_core.cases.models import Case, CaseHistory, CaseNote, CaseOrigin
from retino_core.channels.sync import lock_channel_work
from retino_core.db import is_postgresql
from retino_core.errors import DomainError, ErrorKind
from retino_core.i18n import N_
from retino_core.jobs import JobContext, enqueue_after_commit, job
from retino_core.orders.models import Order
from retino_core.platforms.http import PlatformError, RateLimited, Unavailable
from retino_core.platforms.interface import (
    Capability,
    CustomerReturnItemSnapshot,
    CustomerReturnRejection,
    CustomerReturnSnapshot,
    PlatformActionResult,
)
from retino_core.platforms.registry import adapter_runtime_for_session, get_adapter, session_adapter_or_none

logger = logging.getLogger(__name__)

#: The case type a platform return becomes (a default type of every account).
RETURN_CASE_TYPE = "return"
#: The platform's reason for returning an item → the ``return`` type's reason code, where one fits.
#: Reasons without a fitting code keep their text in the item's defect description instead.
PLATFORM_REASONS: Mapping[Platform, Mapping[str, str]] = {
    Platform.allegro: {
        "MISTAKE": "ordered_by_mistake",
        "DONT_LIKE_IT": "changed_mind",
        "NOT_AS_EXPECTED": "changed_mind",
        "ORDERED_FOR_COMPARISON": "changed_mind",
        "TOO_LARGE": "wrong_size",
        "TOO_SMALL": "wrong_size",
        "NOT_AS_DESCRIBED": "not_as_described",
        "TRANSPORT": "damaged_in_transport",
        "DAMAGED": "damaged_in_transport",
        "DIFFERENT": "wrong_item",
    }
}
#: The codes a platform takes when the merchant refuses a return's refund (Allegro's ``rejection.code``).
REJECTION_CODES: Mapping[Platform, tuple[str, ...]] = {
    Platform.allegro: (
        "REFUND_REJECTED",
        "NEW_ITEM_SENT",
        "ITEM_FIXED",
        "MISSING_PART_SENT",
        "ITEM_MISMATCH",
        "BUSINESS_PURCHASE",
        "NO_RETURN_RIGHT",
    )
}
#: The longest rejection message we accept; a platform may take less (:data:`PLATFORM_MESSAGE_LIMITS`).
MAX_REJECTION_MESSAGE_LENGTH = 1000
#: Allegro's ``rejection.reason`` is at most 250 characters (its spec's ``maxLength``).
PLATFORM_MESSAGE_LIMITS: Mapping[Platform, int] = {Platform.allegro: 250}
#: How the platform signs its notes and history rows.
PLATFORM_LABELS: Mapping[Platform, str] = {Platform.allegro: "Allegro"}

REJECTION_REQUESTED = "platform_return_rejection_requested"
REJECTION_SUCCEEDED = "platform_return_rejected"
REJECTION_FAILED = "platform_return_rejection_failed"


class PlatformReturnErrorCode(Enum):
    channel_not_found = "channel_not_found"
    #: The account has no active ``return`` case type to file the return under.
    return_type_missing = "return_type_missing"
    #: The return names no item and no buyer address, so no case can be opened from it.
    return_unusable = "return_unusable"
    case_not_found = "case_not_found"
    #: The case was not imported from a platform return.
    not_a_platform_return = "not_a_platform_return"
    #: The case's channel cannot reject returns (another platform, or not connected).
    rejection_not_supported = "rejection_not_supported"
    invalid_input = "invalid_input"


class PlatformReturnError(DomainError):
    pass


def platform_actor(platform: Platform) -> Actor:
    return Actor.platform(PLATFORM_LABELS.get(platform, platform.value))


# --- import -----------------------------------------------------------------------------------


def import_customer_return(
    session: Session, *, account: Account, channel: SalesChannel, snapshot: CustomerReturnSnapshot
) -> tuple[Case, bool]:
    """The case of the platform return ``snapshot`` and whether this call opened it; idempotent.

    The channel's work lock is taken first (the sync already holds it; see
    :func:`~retino_core.channels.sync.lock_channel_work`), then
    the case with ``external_ref`` = the return id is looked up: found, it is returned with any
    new waybills noted. Otherwise a ``return`` case is opened by the platform actor with origin
    ``platform``, lodged when the buyer lodged it on the platform, without the "case created"
    e-mail (the buyer has the platform's own confirmation; the address is a relay):

    - the order is the channel's order ``snapshot.order_external_id`` when it was imported; a
      return of an order older than the import gets a case without an order, addressed to the
      buyer's (relay) e-mail;
    - each item is linked to the order line ``order_line_external_id`` while the line still has
      that quantity unclaimed by other open cases, else it is filed by name (nothing is refused:
      the return exists on the platform whatever our other cases say);
    - the platform's reason maps to one of the type's offered reasons (:data:`PLATFORM_REASONS`);
      without one the reason code and the buyer's comment go to the defect description.

    Raises :class:`PlatformReturnError` when the account has no active ``return`` type or the
    return has no item, or no order and no buyer e-mail; the sync logs it and goes on.
    """
    if channel.account_id != account.id:
        raise PlatformReturnError(
            PlatformReturnErrorCode.channel_not_found, N_("Channel not found."), kind=ErrorKind.not_found
        )
    lock_channel_work(session, channel.id)
    actor = platform_actor(channel.platform)
    existing = session.scalar(
        Case.select_for_account(account.id).where(
            Case.channel_id == channel.id, Case.external_ref == snapshot.external_id
        )
    )
    if existing is not None:
        _note_parcels(session, account=account, actor=actor, case=existing, snapshot=snapshot, opening=False)
        return existing, False
    case_type = session.scalar(
        CaseType.select_for_account(account.id).where(CaseType.code == RETURN_CASE_TYPE, CaseType.is_active)
    )
    if case_type is None:
        raise PlatformReturnError(
            PlatformReturnErrorCode.return_type_missing,
            N_("A return from the platform cannot be filed: the case type %(type)s is missing or inactive."),
            kind=ErrorKind.conflict,
            type=RETURN_CASE_TYPE,
        )
    order = session.scalar(
        Order.select_for_account(account.id).where(
            Order.channel_id == channel.id, Order.external_id == snapshot.order_external_id
        )
    )
    if not snapshot.items or (order is None and not snapshot.buyer_email):
        raise PlatformReturnError(
            PlatformReturnErrorCode.return_unusable,
            N_("The platform's return %(reference)s names no item or no buyer, so no case was opened."),
            reference=snapshot.reference_number or snapshot.external_id,
        )
    offered = {reason.code for reason in case_type.offered_reasons}
    payload: dict[str, Any] = {
        "case_type": RETURN_CASE_TYPE,
        "channel_id": channel.id,
        "order_id": order.id if order is not None else None,
        "items": _items(session, account, order, snapshot, offered, PLATFORM_REASONS.get(channel.platform, {})),
        "notify_customer": False,
        "lodged_at": min(snapshot.created_at, clock.now()).isoformat(),
    }
    if order is None:
        payload["customer_email"] = snapshot.buyer_email
        payload["customer_name"] = snapshot.buyer_name[:200]
    case = open_case(session, account=account, actor=actor, payload=payload, origin=CaseOrigin.platform)
    case.external_ref = snapshot.external_id
    session.flush()
    _note_parcels(session, account=account, actor=actor, case=case, snapshot=snapshot, opening=True)
    logger.info("channel %s: return %s opened as case %s", channel.id, snapshot.external_id, case.number)
    return case, True


def _items(
    session: Session,
    account: Account,
    order: Order | None,
    snapshot: CustomerReturnSnapshot,
    offered: set[str],
    reasons: Mapping[str, str],
) -> list[dict[str, Any]]:
    lines = {item.external_id: item for item in order.items} if order is not None else {}
    claimed = claimed_quantities(session, account_id=account.id, order_item_ids=[item.id for item in lines.values()])
    left = {item.id: item.quantity - claimed.get(item.id, Decimal("0")) for item in lines.values()}
    payload = []
    for item in snapshot.items:
        reason, defect = _reason(item, offered, reasons)
        line = lines.get(item.order_line_external_id) if item.order_line_external_id else None
        if line is not None and item.quantity <= left[line.id]:
            left[line.id] -= item.quantity
            payload.append(
                {
                    "order_item_id": line.id,
                    "quantity": str(item.quantity),
                    "reason": reason,
                    "defect_description": defect,
                }
            )
            continue
        payload.append(
            {
                "name": (item.name or (line.name if line is not None else "") or snapshot.external_id)[:300],
                "product_code": line.product_code if line is not None else "",
                "unit_price": str(line.unit_price_amount) if line is not None else None,
                "quantity": str(item.quantity),
                "reason": reason,
                "defect_description": defect,
            }
        )
    return payload


def _reason(item: CustomerReturnItemSnapshot, offered: set[str], reasons: Mapping[str, str]) -> tuple[str, str]:
    """(the type's reason code or "", the defect description) for one returned item."""
    code = reasons.get(item.reason.upper(), "")
    if code and code in offered:
        return code, item.comment[:10_000]
    told = item.reason if item.reason and item.reason.upper() != "NONE" else ""
    text = f"{told}: {item.comment}" if told and item.comment else told or item.comment
    return "", text[:10_000]


def _note_parcels(
    session: Session, *, account: Account, actor: Actor, case: Case, snapshot: CustomerReturnSnapshot, opening: bool
) -> None:
    """Note the return's reference (when opening) and each waybill not noted on the case before."""
    noted = "\n".join(
        session.scalars(
            select(CaseNote.body).where(
                CaseNote.account_id == account.id, CaseNote.case_id == case.id, CaseNote.author_label == actor.label
            )
        )
    )
    lines = []
    if opening:
        reference = snapshot.reference_number or snapshot.external_id
        lines.append(
            f"{actor.label} {reference} ({snapshot.status})" if snapshot.status else f"{actor.label} {reference}"
        )
    for parcel in snapshot.parcels:
        if parcel.waybill and parcel.waybill not in noted:
            lines.append(_parcel_line(parcel.waybill, parcel.carrier, parcel.sent_at))
            noted += "\n" + parcel.waybill
    if lines:
        add_note(session, account=account, actor=actor, case=case, body="\n".join(lines))


def _parcel_line(waybill: str, carrier: str, sent_at: Any) -> str:
    details = ", ".join(part for part in (carrier, sent_at.date().isoformat() if sent_at else "") if part)
    return f"{waybill} ({details})" if details else waybill


def rejections(session: Session, *, case: Case) -> list[dict[str, Any]]:
    """The case's rejection requests, oldest first: ``{entry, code, message, state, answer}``.

    ``state`` is ``pending`` until the job recorded an outcome, then ``rejected`` or ``failed``
    (``answer`` is the platform's message).
    """
    entries = list(
        session.scalars(
            CaseHistory.select_for_account(case.account_id)
            .where(
                CaseHistory.case_id == case.id,
                CaseHistory.kind.in_((REJECTION_REQUESTED, REJECTION_SUCCEEDED, REJECTION_FAILED)),
            )
            .order_by(CaseHistory.id)
        )
    )
    outcomes = {entry.data.get("request_id"): entry for entry in entries if entry.kind != REJECTION_REQUESTED}
    found = []
    for entry in entries:
        if entry.kind != REJECTION_REQUESTED:
            continue
        outcome = outcomes.get(entry.id)
        state = "pending" if outcome is None else ("rejected" if outcome.kind == REJECTION_SUCCEEDED else "failed")
        found.append(
            {
                "entry": entry,
                "code": entry.data.get("code", ""),
                "message": entry.data.get("message", ""),
                "state": state,
                "answer": outcome.data.get("message", "") if outcome is not None else "",
            }
        )
    return found


# --- rejection --------------------------------------------------------------------------------


def _history(session: Session, *, case: Case, actor: Actor, kind: str, data: dict[str, Any]) -> CaseHistory:
    entry = CaseHistory(
        account_id=case.account_id,
        case_id=case.id,
        kind=kind,
        actor_kind=actor.kind.value,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        data=data,
        created_at=clock.now(),
    )
    session.add(entry)
    session.flush()
    return entry


def _supports_returns(session: Session, channel: SalesChannel) -> bool:
    """Whether the channel's adapter (built without I/O) declares ``Capability.customer_returns``."""
    adapter = session_adapter_or_none(session, channel)
    return adapter is not None and adapter.supports(Capability.customer_returns)


def rejectable_channel(session: Session, case: Case) -> SalesChannel | None:
    """The case's channel when the case came from a platform return that the channel can reject there."""
    if not case.external_ref or case.channel_id is None:
        return None
    channel = SalesChannel.get_for_account(session, case.channel_id, case.account_id)
    if channel is None or channel.platform not in REJECTION_CODES or not _supports_returns(session, channel):
        return None
    return channel


def _invalid(field: str, message: str, **params: Any) -> PlatformReturnError:
    return PlatformReturnError(
        PlatformReturnErrorCode.invalid_input,
        N_("Some fields are not valid."),
        field_errors={field: [message % params if params else message]},
    )


def reject_platform_return(
    session: Session, *, account: Account, actor: Actor, case: Case, reason_code: str, message: str
) -> CaseHistory:
    """Ask the platform to refuse the refund of the return ``case`` was imported from; the request's history row.

    Needs ``item.decide`` (refusing a return's refund is a decision on its goods). The case must
    carry a platform return (``external_ref``) of a connected channel whose adapter has customer
    returns; ``reason_code`` one of the platform's :data:`REJECTION_CODES`; ``message`` the text
    for the buyer, 1 to :data:`MAX_REJECTION_MESSAGE_LENGTH` characters and within the
    platform's own limit. The request is written to the history and
    :func:`reject_platform_return_job` is queued after commit.

    Idempotent: while a request waits for the platform, or after the platform accepted one, a
    new call changes nothing and returns that request (a double-submitted form sends once). A
    request the platform refused may be made again.
    """
    if case.account_id != account.id:
        raise PlatformReturnError(
            PlatformReturnErrorCode.case_not_found, N_("This case does not exist."), kind=ErrorKind.not_found
        )
    actor.require(Permission.item_decide)
    if not case.external_ref or case.channel_id is None:
        raise PlatformReturnError(
            PlatformReturnErrorCode.not_a_platform_return,
            N_("This case was not opened from a return on the platform."),
            kind=ErrorKind.conflict,
        )
    channel = rejectable_channel(session, case)
    if channel is None or channel.status not in (ChannelStatus.connected, ChannelStatus.error):
        raise PlatformReturnError(
            PlatformReturnErrorCode.rejection_not_supported,
            N_("The case's sales channel cannot reject returns on the platform now."),
            kind=ErrorKind.conflict,
        )
    code = reason_code.strip().upper()
    if code not in REJECTION_CODES[channel.platform]:
        raise _invalid("reason_code", N_("Choose one of the platform's rejection reasons."))
    text = message.strip()
    limit = min(
        MAX_REJECTION_MESSAGE_LENGTH, PLATFORM_MESSAGE_LIMITS.get(channel.platform, MAX_REJECTION_MESSAGE_LENGTH)
    )
    if not text or len(text) > limit:
        raise _invalid("message", N_("Write a message for the buyer of 1 to %(limit)s characters."), limit=limit)
    for request in reversed(rejections(session, case=case)):
        if request["state"] in ("pending", "rejected"):
            return request["entry"]  # type: ignore[no-any-return]
    entry = _history(
        session,
        case=case,
        actor=actor,
        kind=REJECTION_REQUESTED,
        data={"return_id": case.external_ref, "code": code, "message": text},
    )
    enqueue_after_commit(session, reject_platform_return_job, case.id, entry.id, account_id=account.id)
    return entry


def _record_outcome(
    session: Session, *, case: Case, request: CaseHistory, result: PlatformActionResult, platform: Platform
) -> CaseHistory:
    return _history(
        session,
        case=case,
        actor=platform_actor(platform),
        kind=REJECTION_SUCCEEDED if result.is_success else REJECTION_FAILED,
        data={"request_id": request.id, "message": result.message[:1000]},
    )


def _has_outcome(session: Session, *, case: Case, request_id: int) -> bool:
    outcomes = session.scalars(
        select(CaseHistory.data).where(
            CaseHistory.account_id == case.account_id,
            CaseHistory.case_id == case.id,
            CaseHistory.kind.in_((REJECTION_SUCCEEDED, REJECTION_FAILED)),
        )
    )
    return any(data.get("request_id") == request_id for data in outcomes)


def _gave_up(session: Session, *, account_id: int | None, ids: Sequence[int], error: str, gave_up: bool) -> None:
    """The job's last attempt failed (the platform stayed unreachable): record the request as failed."""
    if not gave_up or account_id is None or len(ids) != 2:
        return
    case = Case.get_for_account(session, ids[0], account_id)
    request = CaseHistory.get_for_account(session, ids[1], account_id)
    if (
        case is None
        or request is None
        or request.case_id != case.id
        or _has_outcome(session, case=case, request_id=request.id)
    ):
        return
    channel = session.get(SalesChannel, case.channel_id) if case.channel_id is not None else None
    platform = channel.platform if channel is not None else Platform.allegro
    _record_outcome(
        session,
        case=case,
        request=request,
        result=PlatformActionResult(is_success=False, message=f"the platform did not answer: {error}"[:1000]),
        platform=platform,
    )


@job(queue="platform_sync", timeout=120, retries=(3, (30, 120, 600)), on_failure=_gave_up)
def reject_platform_return_job(ctx: JobContext, case_id: int, request_id: int) -> None:
    """Send the rejection request ``request_id`` of ``case_id`` to the platform and record its answer, once.

    The case row is locked, and a request that already has an outcome is skipped, so a job
    delivered twice asks the platform once (the adapter treats a return already rejected as
    success anyway). The platform's refusal and errors that retrying cannot cure (expired
    authorisation, missing return) are recorded as a failed outcome; a busy or unreachable
    platform raises so the outbox retries, and the last failed retry is recorded by ``_gave_up``.
    """
    if ctx.account_id is None:
        raise ValueError("reject_platform_return_job needs an account")
    session = ctx.session
    statement = Case.select_for_account(ctx.account_id).where(Case.id == case_id)
    case = session.scalar(statement.with_for_update() if is_postgresql(session) else statement)
    request = CaseHistory.get_for_account(session, request_id, ctx.account_id)
    if case is None or request is None or request.case_id != case.id or request.kind != REJECTION_REQUESTED:
        logger.info("rejection %s of case %s: gone", request_id, case_id)
        return
    if _has_outcome(session, case=case, request_id=request.id):
        logger.info("rejection %s of case %s: already answered", request_id, case_id)
        return
    channel = SalesChannel.get_for_account(session, case.channel_id or 0, ctx.account_id)
    if channel is None:
        logger.info("rejection %s of case %s: the channel is gone", request_id, case_id)
        return
    rejection = CustomerReturnRejection(
        return_external_id=str(request.data.get("return_id", "")),
        reason_code=str(request.data.get("code", "")),
        message=str(request.data.get("message", "")),
    )
    try:
        adapter = get_adapter(channel, **adapter_runtime_for_session(ctx.settings, session))
        result = adapter.reject_customer_return(rejection)
    except (RateLimited, Unavailable):
        raise
    except PlatformError as error:
        result = PlatformActionResult(is_success=False, message=error.message)
    except (LookupError, ValueError) as error:
        result = PlatformActionResult(is_success=False, message=str(error))
    _record_outcome(session, case=case, request=request, result=result, platform=channel.platform)
    logger.info("rejection %s of case %s: %s", request_id, case_id, "done" if result.is_success else result.message)
