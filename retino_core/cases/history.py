"""Named writers for case history rows: every change a merchant cares about goes through one of these.

Each row stores who did it, when, and a small diff. The admin timeline and the automations
read these rows, so the ``kind`` strings are a contract.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.cases.models import Case, CaseHistory


class HistoryKind(Enum):
    case_opened = "case_opened"
    status_changed = "status_changed"
    owner_changed = "owner_changed"
    tag_added = "tag_added"
    tag_removed = "tag_removed"
    note_added = "note_added"
    attachment_added = "attachment_added"
    item_received = "item_received"
    item_inspected = "item_inspected"
    item_decided = "item_decided"
    case_closed = "case_closed"
    case_reopened = "case_reopened"
    details_changed = "details_changed"
    custom_fields_changed = "custom_fields_changed"
    email_queued = "email_queued"
    customer_message_received = "customer_message_received"
    shipping_chosen = "shipping_chosen"
    rating_received = "rating_received"
    #: A refund (or credit note) through the case's sales channel was asked for; see retino_core.refunds.
    refund_requested = "refund_requested"
    refund_succeeded = "refund_succeeded"
    refund_failed = "refund_failed"


def _write(session: Session, *, case: Case, actor: Actor, kind: HistoryKind, data: dict[str, Any]) -> CaseHistory:
    entry = CaseHistory(
        account_id=case.account_id,
        case_id=case.id,
        kind=kind.value,
        actor_kind=actor.kind.value,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        data=data,
        created_at=clock.now(),
    )
    case.history.append(entry)
    return entry


def case_opened_entry(session: Session, *, case: Case, actor: Actor) -> CaseHistory:
    return _write(
        session,
        case=case,
        actor=actor,
        kind=HistoryKind.case_opened,
        data={"number": case.number, "origin": case.origin.value, "items": len(case.items)},
    )


def status_changed_entry(
    session: Session, *, case: Case, actor: Actor, from_status: str, to_status: str, reason: str = ""
) -> CaseHistory:
    data: dict[str, Any] = {"status": [from_status, to_status]}
    if reason:
        data["reason"] = reason
    return _write(session, case=case, actor=actor, kind=HistoryKind.status_changed, data=data)


def owner_changed_entry(
    session: Session, *, case: Case, actor: Actor, from_owner_id: int | None, to_owner_id: int | None
) -> CaseHistory:
    return _write(
        session, case=case, actor=actor, kind=HistoryKind.owner_changed, data={"owner_id": [from_owner_id, to_owner_id]}
    )


def tag_added_entry(session: Session, *, case: Case, actor: Actor, tag_name: str) -> CaseHistory:
    return _write(session, case=case, actor=actor, kind=HistoryKind.tag_added, data={"tag": tag_name})


def tag_removed_entry(session: Session, *, case: Case, actor: Actor, tag_name: str) -> CaseHistory:
    return _write(session, case=case, actor=actor, kind=HistoryKind.tag_removed, data={"tag": tag_name})


def note_added_entry(session: Session, *, case: Case, actor: Actor, note_id: int) -> CaseHistory:
    return _write(session, case=case, actor=actor, kind=HistoryKind.note_added, data={"note_id": note_id})


def attachment_added_entry(
    session: Session, *, case: Case, actor: Actor, attachment_id: int, filename: str
) -> CaseHistory:
    return _write(
        session,
        case=case,
        actor=actor,
        kind=HistoryKind.attachment_added,
        data={"attachment_id": attachment_id, "filename": filename},
    )


def item_reception_entry(
    session: Session, *, case: Case, actor: Actor, item_id: int, from_state: str, to_state: str
) -> CaseHistory:
    kind = HistoryKind.item_inspected if to_state == "inspected" else HistoryKind.item_received
    return _write(
        session, case=case, actor=actor, kind=kind, data={"item_id": item_id, "reception": [from_state, to_state]}
    )


def item_decided_entry(
    session: Session,
    *,
    case: Case,
    actor: Actor,
    item_id: int,
    from_decision: str,
    to_decision: str,
    resolution: str | None,
) -> CaseHistory:
    return _write(
        session,
        case=case,
        actor=actor,
        kind=HistoryKind.item_decided,
        data={"item_id": item_id, "decision": [from_decision, to_decision], "resolution": resolution},
    )


def case_closed_entry(session: Session, *, case: Case, actor: Actor, status: str) -> CaseHistory:
    return _write(session, case=case, actor=actor, kind=HistoryKind.case_closed, data={"status": status})


def case_reopened_entry(session: Session, *, case: Case, actor: Actor, status: str) -> CaseHistory:
    return _write(session, case=case, actor=actor, kind=HistoryKind.case_reopened, data={"status": status})


def details_changed_entry(session: Session, *, case: Case, actor: Actor, changes: dict[str, list[Any]]) -> CaseHistory:
    return _write(session, case=case, actor=actor, kind=HistoryKind.details_changed, data=changes)


def custom_fields_changed_entry(
    session: Session, *, case: Case, actor: Actor, changes: dict[str, list[Any]], item_id: int | None = None
) -> CaseHistory:
    """``changes`` maps field key to ``[old, new]`` normalised values."""
    data: dict[str, Any] = {"fields": changes}
    if item_id is not None:
        data["item_id"] = item_id
    return _write(session, case=case, actor=actor, kind=HistoryKind.custom_fields_changed, data=data)


def email_queued_entry(session: Session, *, case: Case, actor: Actor, email_id: int, template: str) -> CaseHistory:
    return _write(
        session,
        case=case,
        actor=actor,
        kind=HistoryKind.email_queued,
        data={"email_id": email_id, "template": template},
    )


def customer_message_received_entry(
    session: Session,
    *,
    case: Case,
    actor: Actor,
    message_id: int,
    source: str,
    attachment_ids: list[int],
    skipped_attachments: list[str],
    is_body_truncated: bool = False,
) -> CaseHistory:
    """The customer wrote (e-mail reply or status page); ``skipped_attachments`` are files not kept."""
    data: dict[str, Any] = {"message_id": message_id, "source": source, "attachment_ids": attachment_ids}
    if skipped_attachments:
        data["skipped_attachments"] = skipped_attachments
    if is_body_truncated:
        data["body_truncated"] = True
    if case.is_closed:
        data["case_closed"] = True
    return _write(session, case=case, actor=actor, kind=HistoryKind.customer_message_received, data=data)


def shipping_chosen_entry(
    session: Session, *, case: Case, actor: Actor, kind: str, option_name: str, branch_id: str = ""
) -> CaseHistory:
    """How the goods travel back, as the shopper chose it when filing."""
    data: dict[str, Any] = {"kind": kind, "option": option_name}
    if branch_id:
        data["branch_id"] = branch_id
    return _write(session, case=case, actor=actor, kind=HistoryKind.shipping_chosen, data=data)


def rating_received_entry(session: Session, *, case: Case, actor: Actor, rating_id: int, score: int) -> CaseHistory:
    return _write(
        session, case=case, actor=actor, kind=HistoryKind.rating_received, data={"rating_id": rating_id, "score": score}
    )


def refund_requested_entry(
    session: Session, *, case: Case, actor: Actor, refund_id: int, kind: str, amount: str, currency: str
) -> CaseHistory:
    """A member asked the platform for a refund (``kind`` "refund") or a credit note (``kind`` "credit_note")."""
    return _write(
        session,
        case=case,
        actor=actor,
        kind=HistoryKind.refund_requested,
        data={"refund_id": refund_id, "kind": kind, "amount": amount, "currency": currency},
    )


def refund_finished_entry(
    session: Session,
    *,
    case: Case,
    actor: Actor,
    refund_id: int,
    succeeded: bool,
    external_id: str = "",
    failure: str = "",
) -> CaseHistory:
    """The platform's final answer on a refund: its id on success, the failure code (RefundFailure) otherwise."""
    data: dict[str, Any] = {"refund_id": refund_id}
    if succeeded:
        data["external_id"] = external_id
    else:
        data["failure"] = failure
    kind = HistoryKind.refund_succeeded if succeeded else HistoryKind.refund_failed
    return _write(session, case=case, actor=actor, kind=kind, data=data)
