"""Business operations on cases. Each takes ``account`` and ``actor``, validates, writes history and
only ``flush()``es: the request or job that called it commits once, and side effects (mail,
platform calls) are queued to run after that commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actor import Actor, ActorKind
from retino_core.accounts.models import Account, SalesChannel
from retino_core.accounts.permissions import Permission
from retino_core.accounts.queries import active_membership
from retino_core.case_types.defaults import CANCEL_STATUS_CODE
from retino_core.case_types.models import CaseStatus, CaseType, StatusTransition
from retino_core.cases import history
from retino_core.cases.attachments import (
    MAX_ATTACHMENTS_PER_CASE,
    clean_attachment,
    display_filename,
)
from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.cases.models import (
    Case,
    CaseAttachment,
    CaseItem,
    CaseNote,
    CaseOrigin,
    CaseTag,
    DecisionState,
    ReceptionState,
    Resolution,
    Tag,
)
from retino_core.cases.numbering import next_case_number
from retino_core.cases.schemas import (
    CaseCreateSchema,
    DecideItemSchema,
    NoteSchema,
    ReceiveItemSchema,
    TagSchema,
    TagUpdateSchema,
)
from retino_core.config import settings_for
from retino_core.db import is_postgresql
from retino_core.deadlines.actions import settle_on_status_change, start_case_clocks
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.messaging.actions import queue_case_email
from retino_core.orders.models import Order, OrderItem
from retino_core.refunds.actions import OrderNoteEvent, schedule_order_note
from retino_core.storage import FileStorage
from retino_core.text import search_blob
from retino_core.validation import load_or_raise


def _load(schema: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    return load_or_raise(schema, data, error_class=CaseError, code=CaseErrorCode.invalid_input)


def _not_found(code: CaseErrorCode, message: str, **params: Any) -> CaseError:
    return CaseError(code, message, kind=ErrorKind.not_found, **params)


def case_search_text(case: Case, order_code: str = "") -> str:
    return search_blob(case.number, case.customer_name, case.customer_email, case.customer_phone, order_code)


def open_case(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    payload: Mapping[str, Any],
    origin: CaseOrigin,
) -> Case:
    """Open a case of the given type, with its items, number, owner and deadlines.

    Items picked from the order may claim at most what was ordered minus what other open
    cases already claim (rejected items and cancelled cases give their quantity back); the
    order items are locked while counting so two concurrent claims cannot both pass. The
    owner is the one given, else the channel's default consultant. An item's reason is one the
    type offers (see ``_check_reasons``). Any refusal stores nothing.
    """
    actor.require(Permission.case_create)
    data = _load(CaseCreateSchema(), payload)
    case_type = session.scalar(
        CaseType.select_for_account(account.id).where(CaseType.code == data["case_type"], CaseType.is_active)
    )
    if case_type is None or case_type.initial_status_id is None:
        raise _not_found(CaseErrorCode.case_type_not_found, N_("This case type does not exist."))
    _check_reasons(case_type, data["items"], origin)

    lodged_at = _resolve_lodged_at(actor, data["lodged_at"])
    order = _resolve_order(session, account, data["order_id"])
    channel = _resolve_channel(session, account, data["channel_id"], order)
    owner_id = _resolve_owner(session, account, data["owner_id"], channel)

    case = Case(
        account_id=account.id,
        number=next_case_number(session, account_id=account.id, prefix=case_type.number_prefix),
        case_type_id=case_type.id,
        status_id=case_type.initial_status_id,
        owner_id=owner_id,
        channel_id=channel.id if channel else None,
        order_id=order.id if order else None,
        customer_name=(data["customer_name"] or (order.customer_name if order else "")).strip(),
        customer_email=(data["customer_email"] or (order.customer_email if order else "")).strip().lower(),
        customer_phone=data["customer_phone"] or (order.customer_phone if order else ""),
        language=data["language"]
        or (order.language if order and order.language else None)
        or (channel.default_language if channel else account.default_language),
        country=(data["country"] or (channel.country if channel else account.country)).upper(),
        currency=order.currency if order else (channel.currency if channel else account.default_currency),
        origin=origin,
        description=data["description"],
        access_token=secrets.token_urlsafe(24),
        lodged_at=lodged_at,
        history=[],
    )
    case.items = _build_items(session, account, case, order, data["items"])
    case.search_text = case_search_text(case, order.code if order else "")
    session.add(case)
    session.flush()
    history.case_opened_entry(session, case=case, actor=actor)
    session.flush()
    start_case_clocks(session, case=case)
    schedule_order_note(session, case=case, event=OrderNoteEvent.case_opened)
    if data["notify_customer"]:
        queue_case_email(
            session, case=case, template="case_created", actor=actor, runtime_settings=settings_for(session.info)
        )
    return case


def _resolve_lodged_at(actor: Actor, lodged_at: datetime | None) -> datetime:
    """Staff may record that a request was lodged earlier (by post, by phone); never in the future,
    and never by the shopper, whose lodging time is the moment they submit."""
    now = clock.now()
    if lodged_at is None or actor.kind is ActorKind.customer:
        return now
    if lodged_at > now:
        raise CaseError(
            CaseErrorCode.invalid_input,
            N_("Some fields are not valid."),
            field_errors={"lodged_at": ["The lodging time cannot be in the future."]},
        )
    return lodged_at


def _resolve_order(session: Session, account: Account, order_id: int | None) -> Order | None:
    if order_id is None:
        return None
    order = Order.get_for_account(session, order_id, account.id)
    if order is None:
        raise _not_found(CaseErrorCode.order_not_found, N_("This order does not exist."))
    return order


def _resolve_channel(
    session: Session, account: Account, channel_id: int | None, order: Order | None
) -> SalesChannel | None:
    if channel_id is None:
        return session.get(SalesChannel, order.channel_id) if order else None
    channel = SalesChannel.get_for_account(session, channel_id, account.id)
    if channel is None or (order is not None and order.channel_id != channel.id):
        raise _not_found(CaseErrorCode.channel_not_found, N_("This sales channel does not exist."))
    return channel


def _resolve_owner(
    session: Session, account: Account, owner_id: int | None, channel: SalesChannel | None
) -> int | None:
    if owner_id is None:
        return channel.default_consultant_id if channel else None
    _require_member(session, account, owner_id)
    return owner_id


def _require_member(session: Session, account: Account, user_id: int) -> None:
    if active_membership(session, account_id=account.id, user_id=user_id) is None:
        raise CaseError(
            CaseErrorCode.owner_not_member,
            N_("The owner must be an active member of this account."),
            field_errors={"owner_id": ["The owner must be an active member of this account."]},
        )


#: Origins whose items keep the reason codes they bring: a platform's own (e.g. an Allegro
#: customer return's) or an integrator's, up to the column's 64 characters.
FREE_REASON_ORIGINS = frozenset({CaseOrigin.platform, CaseOrigin.api})


def _check_reasons(case_type: CaseType, items: list[dict[str, Any]], origin: CaseOrigin) -> None:
    """Each item's reason is empty or a reason of the type that is not retired, else a field error per item.

    Retired reasons stay valid on items that already carry them; only new items are held to this.
    """
    if origin in FREE_REASON_ORIGINS:
        return
    offered = {reason.code for reason in case_type.offered_reasons}
    message = (
        N_("Choose one of the reasons this case type offers.") if offered else N_("This case type asks for no reason.")
    )
    wrong = {
        index: {"reason": [message]}
        for index, item in enumerate(items)
        if item["reason"] and item["reason"] not in offered
    }
    if wrong:
        raise CaseError(CaseErrorCode.invalid_input, N_("Some fields are not valid."), field_errors={"items": wrong})


def _build_items(
    session: Session, account: Account, case: Case, order: Order | None, items: list[dict[str, Any]]
) -> list[CaseItem]:
    wanted: dict[int, Decimal] = {}
    built: list[CaseItem] = []
    for index, item in enumerate(items):
        order_item: OrderItem | None = None
        if item["order_item_id"] is not None:
            order_item = OrderItem.get_for_account(session, item["order_item_id"], account.id)
            if order_item is None or order is None or order_item.order_id != order.id:
                raise _not_found(
                    CaseErrorCode.order_item_not_found,
                    N_("Item %(index)s is not part of this order."),
                    index=index + 1,
                )
            wanted[order_item.id] = wanted.get(order_item.id, Decimal("0")) + item["quantity"]
        built.append(
            CaseItem(
                account_id=account.id,
                order_item_id=order_item.id if order_item else None,
                name=(order_item.name if order_item and not item["name"] else item["name"]).strip(),
                product_code=order_item.product_code if order_item else item["product_code"],
                quantity=item["quantity"],
                unit_price_amount=order_item.unit_price_amount if order_item else item["unit_price"],
                currency=order_item.currency if order_item else case.currency,
                reason=item["reason"],
                defect_description=item["defect_description"],
                requested_remedy=item["requested_remedy"],
            )
        )
    if wanted:
        _check_claimable(session, account, wanted)
    return built


def claimed_quantities(session: Session, *, account_id: int, order_item_ids: list[int]) -> dict[int, Decimal]:
    """Quantity of each order item already claimed by cases that still hold it."""
    rows = session.execute(
        select(CaseItem.order_item_id, func.sum(CaseItem.quantity))
        .join(Case, Case.id == CaseItem.case_id)
        .join(CaseStatus, CaseStatus.id == Case.status_id)
        .where(
            CaseItem.account_id == account_id,
            CaseItem.order_item_id.in_(order_item_ids),
            CaseItem.decision_state != "rejected",
            CaseStatus.code != CANCEL_STATUS_CODE,
        )
        .group_by(CaseItem.order_item_id)
    ).all()
    return {order_item_id: Decimal(total) for order_item_id, total in rows}


def _check_claimable(session: Session, account: Account, wanted: dict[int, Decimal]) -> None:
    ids = sorted(wanted)
    statement = (
        select(OrderItem).where(OrderItem.account_id == account.id, OrderItem.id.in_(ids)).order_by(OrderItem.id)
    )
    if is_postgresql(session):
        statement = statement.with_for_update()
    ordered = {item.id: item for item in session.scalars(statement)}
    claimed = claimed_quantities(session, account_id=account.id, order_item_ids=ids)
    for order_item_id, quantity in wanted.items():
        order_item = ordered[order_item_id]
        available = order_item.quantity - claimed.get(order_item_id, Decimal("0"))
        if quantity > available:
            raise CaseError(
                CaseErrorCode.quantity_exceeds_order,
                N_("You can claim at most %(available)s of %(name)s."),
                kind=ErrorKind.invalid,
                available=f"{available.normalize():f}",
                name=order_item.name,
            )


def transition_case(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    case: Case,
    to_status: str,
    reason: str = "",
    notify_customer: bool = True,
) -> Case:
    """Move a case to another status of its type along an allowed edge; the only way statuses change.

    Entering a closing status closes the case and, unless it was cancelled or ``notify_customer``
    is off, queues the "case closed, please rate us" e-mail (once per case); leaving one reopens
    it. Any move is the merchant's first position; closing meets the resolution deadlines. The
    edge must exist in the type's transitions (workflow is data), else nothing changes.
    """
    _require_own(case, account)
    target = session.scalar(
        CaseStatus.select_for_account(account.id).where(
            CaseStatus.case_type_id == case.case_type_id, CaseStatus.code == to_status
        )
    )
    if target is None:
        raise _not_found(CaseErrorCode.status_not_found, N_("This status does not exist."))
    actor.require(Permission.case_close if target.is_closing else Permission.case_transition)
    if target.is_retired:
        raise CaseError(
            CaseErrorCode.status_retired,
            N_("%(status)s is retired: cases can leave it but not enter it."),
            kind=ErrorKind.conflict,
            status=target.code,
        )
    allowed = session.scalar(
        select(StatusTransition.id).where(
            StatusTransition.account_id == account.id,
            StatusTransition.from_status_id == case.status_id,
            StatusTransition.to_status_id == target.id,
        )
    )
    source = case.status
    if allowed is None:
        raise CaseError(
            CaseErrorCode.illegal_transition,
            N_("A case cannot move from %(from_status)s to %(to_status)s."),
            kind=ErrorKind.conflict,
            from_status=source.code,
            to_status=target.code,
        )
    case.status_id = target.id
    case.status = target
    history.status_changed_entry(
        session, case=case, actor=actor, from_status=source.code, to_status=target.code, reason=reason
    )
    if target.is_closing and not source.is_closing:
        case.closed_at = clock.now()
        history.case_closed_entry(session, case=case, actor=actor, status=target.code)
        schedule_order_note(session, case=case, event=OrderNoteEvent.case_closed)
        if notify_customer and target.code != CANCEL_STATUS_CODE:
            queue_case_email(
                session, case=case, template="case_closed", actor=actor, runtime_settings=settings_for(session.info)
            )
    elif source.is_closing and not target.is_closing:
        case.closed_at = None
        history.case_reopened_entry(session, case=case, actor=actor, status=target.code)
    session.flush()
    settle_on_status_change(session, case=case, closed=target.is_closing, at=case.closed_at or clock.now())
    return case


def close_case(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    case: Case,
    status: str,
    reason: str = "",
    notify_customer: bool = True,
) -> Case:
    """Close a case into one of its type's closing statuses (e.g. "repaired", "rejected")."""
    _require_own(case, account)
    target = case.case_type.status_by_code(status)
    if target is None:
        raise _not_found(CaseErrorCode.status_not_found, N_("This status does not exist."))
    if not target.is_closing:
        raise CaseError(CaseErrorCode.not_a_closing_status, N_("%(status)s does not close a case."), status=target.code)
    return transition_case(
        session,
        account=account,
        actor=actor,
        case=case,
        to_status=status,
        reason=reason,
        notify_customer=notify_customer,
    )


def assign_case(session: Session, *, account: Account, actor: Actor, case: Case, owner_id: int | None) -> Case:
    _require_own(case, account)
    actor.require(Permission.case_assign)
    if owner_id is not None:
        _require_member(session, account, owner_id)
    if case.owner_id == owner_id:
        return case
    previous = case.owner_id
    case.owner_id = owner_id
    history.owner_changed_entry(session, case=case, actor=actor, from_owner_id=previous, to_owner_id=owner_id)
    session.flush()
    return case


def tag_case(session: Session, *, account: Account, actor: Actor, case: Case, name: str) -> Tag:
    """Put a tag on a case, creating the account's tag on first use; tagging twice changes nothing."""
    _require_own(case, account)
    actor.require(Permission.case_tag)
    tag_name = _load(TagSchema(), {"name": name})["name"].strip()
    tag = session.scalar(Tag.select_for_account(account.id).where(Tag.name == tag_name))
    if tag is None:
        tag = Tag(account_id=account.id, name=tag_name)
        session.add(tag)
        session.flush()
    linked = session.scalar(select(CaseTag.id).where(CaseTag.case_id == case.id, CaseTag.tag_id == tag.id))
    if linked is None:
        session.add(CaseTag(account_id=account.id, case_id=case.id, tag_id=tag.id))
        history.tag_added_entry(session, case=case, actor=actor, tag_name=tag.name)
        session.flush()
        session.expire(case, ["tags"])
    return tag


def untag_case(session: Session, *, account: Account, actor: Actor, case: Case, name: str) -> None:
    _require_own(case, account)
    actor.require(Permission.case_tag)
    link = session.scalar(
        select(CaseTag)
        .join(Tag, Tag.id == CaseTag.tag_id)
        .where(CaseTag.case_id == case.id, Tag.account_id == account.id, Tag.name == name.strip())
    )
    if link is None:
        return
    session.delete(link)
    history.tag_removed_entry(session, case=case, actor=actor, tag_name=name.strip())
    session.flush()
    session.expire(case, ["tags"])


def add_note(session: Session, *, account: Account, actor: Actor, case: Case, body: str) -> CaseNote:
    """Add an internal note (staff only; the shopper never sees it)."""
    _require_own(case, account)
    actor.require(Permission.case_note)
    data = _load(NoteSchema(), {"body": body})
    note = CaseNote(
        account_id=account.id,
        case_id=case.id,
        author_id=actor.user_id,
        author_label=actor.label,
        body=data["body"].strip(),
        created_at=clock.now(),
    )
    session.add(note)
    session.flush()
    history.note_added_entry(session, case=case, actor=actor, note_id=note.id)
    session.flush()
    return note


def _require_own(case: Case, account: Account) -> None:
    """Defence in depth: an action handed another account's case behaves as if it did not exist."""
    if case.account_id != account.id:
        raise _not_found(CaseErrorCode.case_not_found, N_("This case does not exist."))


#: The reception states a case item may move to from each state (parcel tracking may skip in_transit).
RECEPTION_FLOW: dict[ReceptionState, frozenset[ReceptionState]] = {
    ReceptionState.expected: frozenset({ReceptionState.in_transit, ReceptionState.received}),
    ReceptionState.in_transit: frozenset({ReceptionState.expected, ReceptionState.received}),
    ReceptionState.received: frozenset({ReceptionState.inspected}),
    ReceptionState.inspected: frozenset(),
}

#: Resolutions that go with each decision.
RESOLUTIONS_FOR_DECISION: dict[DecisionState, frozenset[Resolution]] = {
    DecisionState.accepted: frozenset(
        {Resolution.refund, Resolution.replace, Resolution.repair, Resolution.discount, Resolution.keep}
    ),
    DecisionState.rejected: frozenset({Resolution.reject}),
}


def _get_item(case: Case, item_id: int) -> CaseItem:
    item = next((item for item in case.items if item.id == item_id), None)
    if item is None:
        raise _not_found(CaseErrorCode.item_not_found, N_("This item is not part of the case."))
    return item


def _require_open(case: Case) -> None:
    if case.is_closed:
        raise CaseError(CaseErrorCode.case_closed, N_("The case is closed; reopen it first."), kind=ErrorKind.conflict)


def receive_item(
    session: Session, *, account: Account, actor: Actor, case: Case, item_id: int, state: str, note: str = ""
) -> CaseItem:
    """Move an item's reception state (expected → in transit → received → inspected).

    Reception is kept apart from the decision: goods can be inspected and still be pending a
    decision, or accepted without ever coming back (``keep``).
    """
    _require_own(case, account)
    actor.require(Permission.item_receive)
    _require_open(case)
    data = _load(ReceiveItemSchema(), {"state": state, "note": note})
    item = _get_item(case, item_id)
    target: ReceptionState = data["state"]
    if target not in RECEPTION_FLOW[item.reception_state]:
        raise CaseError(
            CaseErrorCode.illegal_reception_change,
            N_("An item cannot go from %(from_state)s to %(to_state)s."),
            kind=ErrorKind.conflict,
            from_state=item.reception_state.value,
            to_state=target.value,
        )
    previous = item.reception_state
    item.reception_state = target
    if target is ReceptionState.received:
        item.received_at = clock.now()
    if target is ReceptionState.inspected and data["note"]:
        item.inspection_note = data["note"]
    history.item_reception_entry(
        session, case=case, actor=actor, item_id=item.id, from_state=previous.value, to_state=target.value
    )
    session.flush()
    return item


def decide_item(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    case: Case,
    item_id: int,
    decision: str,
    resolution: str | None = None,
    note: str = "",
) -> CaseItem:
    """Accept or reject one item, with the resolution that follows.

    An acceptance names its remedy (refund, replace, repair, discount, keep). A rejection must
    say why: Czech and Slovak law require the trader to justify a rejected complaint.
    """
    _require_own(case, account)
    actor.require(Permission.item_decide)
    _require_open(case)
    data = _load(DecideItemSchema(), {"decision": decision, "resolution": resolution, "note": note})
    item = _get_item(case, item_id)
    target: DecisionState = data["decision"]
    chosen: Resolution | None = data["resolution"]
    if target is DecisionState.rejected:
        chosen = chosen or Resolution.reject
        if not data["note"].strip():
            raise CaseError(
                CaseErrorCode.rejection_reason_required,
                N_("Say why the item is rejected."),
                field_errors={"note": ["Say why the item is rejected."]},
            )
    if chosen is None or chosen not in RESOLUTIONS_FOR_DECISION[target]:
        raise CaseError(
            CaseErrorCode.resolution_required,
            N_("Choose how an accepted item is resolved."),
            field_errors={"resolution": ["Choose how an accepted item is resolved."]},
        )
    previous = item.decision_state
    item.decision_state = target
    item.resolution = chosen
    item.decision_note = data["note"].strip()
    item.decided_at = clock.now()
    history.item_decided_entry(
        session,
        case=case,
        actor=actor,
        item_id=item.id,
        from_decision=previous.value,
        to_decision=target.value,
        resolution=chosen.value,
    )
    session.flush()
    return item


def add_attachment(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    case: Case,
    storage: FileStorage,
    filename: str,
    data: bytes,
    item_id: int | None = None,
) -> CaseAttachment:
    """Store a photo or PDF for a case. The kind is read from the bytes, the stored name is random.

    What is stored is ``clean_attachment``'s output: an image re-encoded (no EXIF, no hidden
    payload), a PDF as uploaded; see ``cases.attachments`` for the limits.
    If the transaction later rolls back, the stored file is orphaned but unreachable; a
    storage sweep may remove it. It is never reachable under the uploaded name.
    """
    _require_own(case, account)
    actor.require(Permission.case_attach)
    clean = clean_attachment(data)
    count = session.scalar(select(func.count()).select_from(CaseAttachment).where(CaseAttachment.case_id == case.id))
    if (count or 0) >= MAX_ATTACHMENTS_PER_CASE:
        raise CaseError(
            CaseErrorCode.too_many_attachments,
            N_("A case can have at most %(limit)s files."),
            kind=ErrorKind.conflict,
            limit=MAX_ATTACHMENTS_PER_CASE,
        )
    if item_id is not None:
        _get_item(case, item_id)
    key = storage.save(clean.data, suffix=clean.suffix)
    attachment = CaseAttachment(
        account_id=account.id,
        case_id=case.id,
        case_item_id=item_id,
        storage_key=key,
        filename=display_filename(filename),
        content_type=clean.content_type,
        size_bytes=len(clean.data),
        uploaded_by=actor.label,
        created_at=clock.now(),
    )
    session.add(attachment)
    session.flush()
    history.attachment_added_entry(
        session, case=case, actor=actor, attachment_id=attachment.id, filename=attachment.filename
    )
    session.flush()
    return attachment


def _get_tag(session: Session, account: Account, tag_id: int) -> Tag:
    tag = Tag.get_for_account(session, tag_id, account.id)
    if tag is None:
        raise _not_found(CaseErrorCode.tag_not_found, N_("This tag does not exist."))
    return tag


def rename_tag(session: Session, *, account: Account, actor: Actor, tag_id: int, name: str, color: str) -> Tag:
    """Rename a tag and set its colour; the cases keep it, their history keeps the old name."""
    actor.require(Permission.settings_manage)
    tag = _get_tag(session, account, tag_id)
    data = _load(TagUpdateSchema(), {"name": name, "color": color})
    new_name = data["name"].strip()
    taken = session.scalar(Tag.select_for_account(account.id).where(Tag.name == new_name, Tag.id != tag.id))
    if taken is not None:
        raise CaseError(
            CaseErrorCode.tag_name_taken,
            N_("Another tag already has this name."),
            field_errors={"name": [N_("Another tag already has this name.")]},
        )
    tag.name = new_name
    tag.color = data["color"].lower()
    session.flush()
    return tag


def delete_tag(session: Session, *, account: Account, actor: Actor, tag_id: int) -> None:
    """Delete a tag: it comes off every case (each case's history says so), then the tag goes."""
    actor.require(Permission.settings_manage)
    tag = _get_tag(session, account, tag_id)
    links = list(session.scalars(CaseTag.select_for_account(account.id).where(CaseTag.tag_id == tag.id)))
    cases = {
        case.id: case
        for case in session.scalars(
            Case.select_for_account(account.id).where(Case.id.in_([link.case_id for link in links]))
        )
    }
    for link in links:
        session.delete(link)
        case = cases[link.case_id]
        history.tag_removed_entry(session, case=case, actor=actor, tag_name=tag.name)
    session.flush()
    session.delete(tag)
    session.flush()
    for case in cases.values():
        session.expire(case, ["tags"])
