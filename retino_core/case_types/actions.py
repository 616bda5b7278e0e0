"""Settings operations on case types: the type, its steps, statuses, transitions, reasons and linked fields.

Each action checks ``settings.manage``, validates everything before it writes, changes rows and
``flush()``es; the caller's edge commits once, so a refusal leaves nothing half-done. Another
account's type, step, status, reason or field behaves exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from retino_core.accounts.actor import Actor
from retino_core.accounts.models import Account
from retino_core.accounts.permissions import Permission
from retino_core.case_types.defaults import CANCELLED, NEW, STEP_NEW, STEP_RESOLVED, CaseTypeSpec, StatusSpec, StepSpec
from retino_core.case_types.defaults import create_case_type as build_case_type
from retino_core.case_types.errors import CaseTypeError, CaseTypeErrorCode
from retino_core.case_types.models import (
    CaseKind,
    CaseReason,
    CaseStatus,
    CaseType,
    CaseTypeField,
    ProcessStep,
    StatusTransition,
)
from retino_core.case_types.schemas import (
    CaseTypeCreateSchema,
    CaseTypeUpdateSchema,
    ReasonCreateSchema,
    ReasonOrderSchema,
    ReasonRenameSchema,
    StatusCreateSchema,
    StatusUpdateSchema,
    StepCreateSchema,
    StepRenameSchema,
    TransitionsSchema,
)
from retino_core.cases.history import HistoryKind
from retino_core.cases.models import Case, CaseHistory
from retino_core.custom_fields.actions import link_field_to_case_type
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.validation import load_or_raise

#: The status a new custom type ends in; closing, like every status of the last step.
RESOLVED = StatusSpec("resolved", STEP_RESOLVED, "#16a34a")
#: The process a new custom type starts with: New, then Resolved or Cancelled; the merchant grows it.
MINIMAL_STEPS: tuple[StepSpec, ...] = (
    StepSpec("new", STEP_NEW, (NEW,)),
    StepSpec("resolved", STEP_RESOLVED, (RESOLVED, CANCELLED)),
)
#: History kinds whose data names status codes.
_STATUS_HISTORY_KINDS = (
    HistoryKind.status_changed.value,
    HistoryKind.case_closed.value,
    HistoryKind.case_reopened.value,
)


def _load(schema: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    return load_or_raise(schema, data, error_class=CaseTypeError, code=CaseTypeErrorCode.invalid_input)


def _invalid(code: CaseTypeErrorCode, message: str, field: str) -> CaseTypeError:
    return CaseTypeError(code, message, kind=ErrorKind.invalid, field_errors={field: [message]})


def get_case_type(session: Session, *, account: Account, case_type_id: int) -> CaseType:
    """The account's case type with this id; another account's id is not found, like a missing one."""
    case_type = CaseType.get_for_account(session, case_type_id, account.id)
    if case_type is None:
        raise CaseTypeError(CaseTypeErrorCode.case_type_not_found, N_("Case type not found."), kind=ErrorKind.not_found)
    return case_type


def _get_step(case_type: CaseType, step_id: int) -> ProcessStep:
    step = next((step for step in case_type.steps if step.id == step_id), None)
    if step is None:
        raise CaseTypeError(CaseTypeErrorCode.step_not_found, N_("Step not found."), kind=ErrorKind.not_found)
    return step


def _get_status(case_type: CaseType, status_id: int) -> CaseStatus:
    status = next((status for status in case_type.statuses if status.id == status_id), None)
    if status is None:
        raise CaseTypeError(CaseTypeErrorCode.status_not_found, N_("Status not found."), kind=ErrorKind.not_found)
    return status


def _check_prefix_free(session: Session, account: Account, prefix: str, case_type_id: int | None) -> None:
    query = CaseType.select_for_account(account.id).where(CaseType.number_prefix == prefix)
    if case_type_id is not None:
        query = query.where(CaseType.id != case_type_id)
    if session.scalar(query) is not None:
        raise _invalid(
            CaseTypeErrorCode.prefix_taken, N_("Another case type already uses this number prefix."), "number_prefix"
        )


def _renumber_statuses(case_type: CaseType) -> None:
    """Status positions follow the steps: every status of an earlier step comes first."""
    ordered = sorted(case_type.statuses, key=lambda status: (status.step.position, status.position, status.id or 0))
    for position, status in enumerate(ordered):
        status.position = position


def create_case_type(session: Session, *, account: Account, actor: Actor, payload: Mapping[str, Any]) -> CaseType:
    """A new custom type with a minimal process (New → Resolved or Cancelled), placed after the others."""
    actor.require(Permission.settings_manage)
    data = _load(CaseTypeCreateSchema(), payload)
    if session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == data["code"])) is not None:
        raise _invalid(CaseTypeErrorCode.code_taken, N_("Another case type already uses this code."), "code")
    _check_prefix_free(session, account, data["number_prefix"], None)
    last_position = session.scalar(select(func.max(CaseType.position)).where(CaseType.account_id == account.id))
    spec = CaseTypeSpec(
        code=data["code"],
        kind=CaseKind.custom,
        names=data["names"],
        color=data["color"],
        number_prefix=data["number_prefix"],
        steps=MINIMAL_STEPS,
        policy_window_days=data.get("policy_window_days"),
        handling_target_days=data.get("handling_target_days"),
        is_public=data["is_public"],
    )
    return build_case_type(session, account, spec, position=0 if last_position is None else last_position + 1)


def update_case_type(
    session: Session, *, account: Account, actor: Actor, case_type_id: int, payload: Mapping[str, Any]
) -> CaseType:
    """Change names, colour, number prefix, windows, visibility or the initial status; only given keys change."""
    actor.require(Permission.settings_manage)
    case_type = get_case_type(session, account=account, case_type_id=case_type_id)
    data = _load(CaseTypeUpdateSchema(), payload)
    if "number_prefix" in data:
        _check_prefix_free(session, account, data["number_prefix"], case_type.id)
    if "initial_status_id" in data:
        status = next((s for s in case_type.statuses if s.id == data["initial_status_id"]), None)
        if status is None or status.is_retired:
            raise _invalid(
                CaseTypeErrorCode.invalid_initial_status,
                N_("Choose a status of this type that is not retired."),
                "initial_status_id",
            )
    for name, value in data.items():
        setattr(case_type, name, value)
    session.flush()
    if "initial_status_id" in data:
        session.expire(case_type, ["initial_status"])
    return case_type


def add_process_step(
    session: Session, *, account: Account, actor: Actor, case_type_id: int, payload: Mapping[str, Any]
) -> ProcessStep:
    """Add an empty step at ``position`` (after the last step when absent); later steps move down."""
    actor.require(Permission.settings_manage)
    case_type = get_case_type(session, account=account, case_type_id=case_type_id)
    data = _load(StepCreateSchema(), payload)
    if any(step.code == data["code"] for step in case_type.steps):
        raise _invalid(CaseTypeErrorCode.step_code_taken, N_("Another step of this type uses this code."), "code")
    steps = list(case_type.steps)
    position = len(steps) if data["position"] is None else min(data["position"], len(steps))
    step = ProcessStep(account_id=account.id, case_type_id=case_type.id, code=data["code"], names=data["names"])
    steps.insert(position, step)
    for index, each in enumerate(steps):
        each.position = index
    session.add(step)
    session.flush()
    session.expire(case_type, ["steps"])
    _renumber_statuses(case_type)
    session.flush()
    return step


def rename_process_step(
    session: Session, *, account: Account, actor: Actor, case_type_id: int, step_id: int, payload: Mapping[str, Any]
) -> ProcessStep:
    actor.require(Permission.settings_manage)
    case_type = get_case_type(session, account=account, case_type_id=case_type_id)
    step = _get_step(case_type, step_id)
    data = _load(StepRenameSchema(), payload)
    step.names = data["names"]
    session.flush()
    return step


def add_status(
    session: Session, *, account: Account, actor: Actor, case_type_id: int, payload: Mapping[str, Any]
) -> CaseStatus:
    """Add a status at the end of one of the type's steps. It has no transitions until they are set."""
    actor.require(Permission.settings_manage)
    case_type = get_case_type(session, account=account, case_type_id=case_type_id)
    data = _load(StatusCreateSchema(), payload)
    step = next((step for step in case_type.steps if step.id == data["step_id"]), None)
    if step is None:
        raise _invalid(CaseTypeErrorCode.step_not_found, N_("Choose a step of this type."), "step_id")
    if case_type.status_by_code(data["code"]) is not None:
        raise _invalid(CaseTypeErrorCode.status_code_taken, N_("Another status of this type uses this code."), "code")
    last = max((status.position for status in case_type.statuses), default=-1)
    status = CaseStatus(
        account_id=account.id,
        case_type_id=case_type.id,
        step_id=step.id,
        code=data["code"],
        names=data["names"],
        color=data["color"],
        position=last + 1,
        is_closing=data["is_closing"],
    )
    session.add(status)
    session.flush()
    session.expire(case_type, ["statuses"])
    session.expire(step, ["statuses"])
    _renumber_statuses(case_type)
    session.flush()
    return status


def _cases_in_status(session: Session, account: Account, status: CaseStatus) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Case).where(Case.account_id == account.id, Case.status_id == status.id)
        )
        or 0
    )


def update_status(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    case_type_id: int,
    status_id: int,
    payload: Mapping[str, Any],
) -> CaseStatus:
    """Change a status's names, colour or whether it closes a case (the last only while no case is in it)."""
    actor.require(Permission.settings_manage)
    case_type = get_case_type(session, account=account, case_type_id=case_type_id)
    status = _get_status(case_type, status_id)
    data = _load(StatusUpdateSchema(), payload)
    if "is_closing" in data and data["is_closing"] != status.is_closing and _cases_in_status(session, account, status):
        raise _invalid(
            CaseTypeErrorCode.closing_change_in_use,
            N_("Cases are in this status, so whether it closes a case cannot change."),
            "is_closing",
        )
    for name, value in data.items():
        setattr(status, name, value)
    session.flush()
    return status


def retire_status(
    session: Session, *, account: Account, actor: Actor, case_type_id: int, status_id: int, retired: bool = True
) -> CaseStatus:
    """Retire a status (or bring it back with ``retired=False``).

    A retired status is no target: the edges into it are removed, so no case is offered it or
    can enter it, while cases already in it keep their edges out. Bringing it back restores no
    edges; tick them again in the transitions. The initial status cannot be retired.
    """
    actor.require(Permission.settings_manage)
    case_type = get_case_type(session, account=account, case_type_id=case_type_id)
    status = _get_status(case_type, status_id)
    if retired and case_type.initial_status_id == status.id:
        raise CaseTypeError(
            CaseTypeErrorCode.status_is_initial,
            N_("New cases start in this status; choose another initial status first."),
            kind=ErrorKind.conflict,
        )
    if retired and not status.is_retired:
        for transition in [t for t in case_type.transitions if t.to_status_id == status.id]:
            case_type.transitions.remove(transition)
    status.is_retired = retired
    session.flush()
    return status


def _status_in_history(session: Session, account: Account, case_type: CaseType, code: str) -> bool:
    """Whether any history row of this type's cases names the status code (a quoted JSON string)."""
    return (
        session.scalar(
            select(CaseHistory.id)
            .join(Case, Case.id == CaseHistory.case_id)
            .where(
                CaseHistory.account_id == account.id,
                Case.case_type_id == case_type.id,
                CaseHistory.kind.in_(_STATUS_HISTORY_KINDS),
                cast(CaseHistory.data, String).contains(f'"{code}"'),
            )
            .limit(1)
        )
        is not None
    )


def delete_status(session: Session, *, account: Account, actor: Actor, case_type_id: int, status_id: int) -> None:
    """Delete a status no case is in and no history mentions, with its transitions; otherwise retire it."""
    actor.require(Permission.settings_manage)
    case_type = get_case_type(session, account=account, case_type_id=case_type_id)
    status = _get_status(case_type, status_id)
    if case_type.initial_status_id == status.id:
        raise CaseTypeError(
            CaseTypeErrorCode.status_is_initial,
            N_("New cases start in this status; choose another initial status first."),
            kind=ErrorKind.conflict,
        )
    if _cases_in_status(session, account, status) or _status_in_history(session, account, case_type, status.code):
        raise CaseTypeError(
            CaseTypeErrorCode.status_in_use,
            N_("Cases have used this status, so it cannot be deleted; retire it instead."),
            kind=ErrorKind.conflict,
        )
    for transition in [t for t in case_type.transitions if status.id in (t.from_status_id, t.to_status_id)]:
        case_type.transitions.remove(transition)
    session.flush()
    case_type.statuses.remove(status)
    session.flush()
    session.expire(case_type, ["statuses"])
    for step in case_type.steps:
        session.expire(step, ["statuses"])
    _renumber_statuses(case_type)
    session.flush()


def set_transitions(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    case_type_id: int,
    edges: Iterable[tuple[str, str] | list[str]],
) -> list[StatusTransition]:
    """Replace the type's allowed edges with ``edges``, given as ``(from_code, to_code)`` pairs.

    Both codes must be statuses of this type, an edge may not join a status to itself, and a
    retired status may be left but not entered. Any bad pair refuses the whole set.
    """
    actor.require(Permission.settings_manage)
    case_type = get_case_type(session, account=account, case_type_id=case_type_id)
    data = _load(TransitionsSchema(), {"edges": [list(edge) for edge in edges]})
    by_code = {status.code: status for status in case_type.statuses}
    wanted: dict[tuple[int, int], None] = {}
    problems: list[str] = []
    for from_code, to_code in data["edges"]:
        source, target = by_code.get(from_code), by_code.get(to_code)
        if source is None or target is None:
            problems.append(f"{from_code} → {to_code}")
            continue
        if source.id == target.id or target.is_retired:
            problems.append(f"{from_code} → {to_code}")
            continue
        wanted[(source.id, target.id)] = None
    if problems:
        raise CaseTypeError(
            CaseTypeErrorCode.invalid_transition,
            N_("These transitions are not possible: %(edges)s."),
            kind=ErrorKind.invalid,
            field_errors={"edges": [N_("Join two different statuses of this type; a retired one cannot be entered.")]},
            edges=", ".join(problems),
        )
    existing = {(t.from_status_id, t.to_status_id): t for t in case_type.transitions}
    for key, transition in existing.items():
        if key not in wanted:
            case_type.transitions.remove(transition)
    for from_id, to_id in wanted:
        if (from_id, to_id) not in existing:
            case_type.transitions.append(
                StatusTransition(
                    account_id=account.id, case_type_id=case_type.id, from_status_id=from_id, to_status_id=to_id
                )
            )
    session.flush()
    return list(case_type.transitions)


def link_field(
    session: Session, *, account: Account, actor: Actor, case_type_id: int, field_id: int, is_required: bool
) -> CaseTypeField:
    """Make the type use a custom field (or change whether it is required); see ``link_field_to_case_type``."""
    return link_field_to_case_type(
        session, account=account, actor=actor, case_type_id=case_type_id, field_id=field_id, is_required=is_required
    )


def unlink_field(session: Session, *, account: Account, actor: Actor, case_type_id: int, field_id: int) -> None:
    """Stop the type using a field; values already stored on its cases stay."""
    actor.require(Permission.settings_manage)
    case_type = get_case_type(session, account=account, case_type_id=case_type_id)
    link = next((link for link in case_type.field_links if link.field_id == field_id), None)
    if link is None:
        raise CaseTypeError(
            CaseTypeErrorCode.field_not_found, N_("This case type does not use that field."), kind=ErrorKind.not_found
        )
    case_type.field_links.remove(link)
    session.flush()


def _get_reason(case_type: CaseType, reason_id: int) -> CaseReason:
    reason = next((reason for reason in case_type.reasons if reason.id == reason_id), None)
    if reason is None:
        raise CaseTypeError(CaseTypeErrorCode.reason_not_found, N_("Reason not found."), kind=ErrorKind.not_found)
    return reason


def add_reason(
    session: Session, *, account: Account, actor: Actor, case_type_id: int, payload: Mapping[str, Any]
) -> CaseReason:
    """Add a reason after the type's others; items of new cases may carry it from now on."""
    actor.require(Permission.settings_manage)
    case_type = get_case_type(session, account=account, case_type_id=case_type_id)
    data = _load(ReasonCreateSchema(), payload)
    if case_type.reason_by_code(data["code"]) is not None:
        raise _invalid(CaseTypeErrorCode.reason_code_taken, N_("Another reason of this type uses this code."), "code")
    reason = CaseReason(
        account_id=account.id,
        case_type_id=case_type.id,
        code=data["code"],
        names=data["names"],
        position=max((reason.position for reason in case_type.reasons), default=-1) + 1,
    )
    case_type.reasons.append(reason)
    session.flush()
    return reason


def rename_reason(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    case_type_id: int,
    reason_id: int,
    payload: Mapping[str, Any],
) -> CaseReason:
    """Replace a reason's names; the code stays, so items that carry it show the new name."""
    actor.require(Permission.settings_manage)
    case_type = get_case_type(session, account=account, case_type_id=case_type_id)
    reason = _get_reason(case_type, reason_id)
    data = _load(ReasonRenameSchema(), payload)
    reason.names = data["names"]
    session.flush()
    return reason


def reorder_reasons(
    session: Session, *, account: Account, actor: Actor, case_type_id: int, reason_ids: Iterable[int]
) -> list[CaseReason]:
    """Put the type's reasons in the order of ``reason_ids``, which must name each of them once.

    An id that is not a reason of this type (another account's included) is not found; a list
    that leaves one out or names one twice is refused. Either way no position changes.
    """
    actor.require(Permission.settings_manage)
    case_type = get_case_type(session, account=account, case_type_id=case_type_id)
    data = _load(ReasonOrderSchema(), {"reason_ids": list(reason_ids)})
    ordered = [_get_reason(case_type, reason_id) for reason_id in data["reason_ids"]]
    if len({reason.id for reason in ordered}) != len(ordered) or len(ordered) != len(case_type.reasons):
        message = N_("List every reason of this type exactly once.")
        raise _invalid(CaseTypeErrorCode.invalid_reason_order, message, "reason_ids")
    return _place_reasons(session, case_type, ordered)


def move_reason(
    session: Session, *, account: Account, actor: Actor, case_type_id: int, reason_id: int, offset: int
) -> list[CaseReason]:
    """Move a reason ``offset`` places (``-1`` up, ``1`` down); at either end it stays put."""
    actor.require(Permission.settings_manage)
    case_type = get_case_type(session, account=account, case_type_id=case_type_id)
    reason = _get_reason(case_type, reason_id)
    ordered = list(case_type.reasons)
    index = ordered.index(reason)
    ordered.insert(min(max(index + offset, 0), len(ordered) - 1), ordered.pop(index))
    return _place_reasons(session, case_type, ordered)


def _place_reasons(session: Session, case_type: CaseType, ordered: list[CaseReason]) -> list[CaseReason]:
    for position, reason in enumerate(ordered):
        reason.position = position
    session.flush()
    session.expire(case_type, ["reasons"])
    return ordered


def retire_reason(
    session: Session, *, account: Account, actor: Actor, case_type_id: int, reason_id: int, retired: bool = True
) -> CaseReason:
    """Retire a reason (or bring it back with ``retired=False``).

    A retired reason is offered nowhere and new items may not carry it, but items that already
    do stay valid and keep showing its name. Reasons are never deleted, so no item's code ever
    loses its name.
    """
    actor.require(Permission.settings_manage)
    case_type = get_case_type(session, account=account, case_type_id=case_type_id)
    reason = _get_reason(case_type, reason_id)
    reason.is_retired = retired
    session.flush()
    return reason
