"""Starting, meeting and extending a case's deadlines. Actions only flush; the edge commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.accounts.models import Account
from retino_core.accounts.permissions import Permission
from retino_core.cases.models import Case
from retino_core.deadlines.engine import compute_deadlines
from retino_core.deadlines.errors import DeadlineError, DeadlineErrorCode
from retino_core.deadlines.models import CaseDeadline
from retino_core.deadlines.queries import deadlines_for_case
from retino_core.deadlines.rules import DeadlineKind
from retino_core.errors import ErrorKind
from retino_core.i18n import N_


def attach_deadlines(session: Session, *, case: Case) -> list[CaseDeadline]:
    """Start the case's clocks and return all its deadlines, earliest first.

    The deadlines come from the case's country, its type's kind and policy settings, its
    lodging time, its order's delivery time (if it has an order) and the account's reasonable
    period. Calling it again adds only kinds the case does not have yet (say, the withdrawal
    window once the delivery time is known) and never moves an existing clock, so it is safe to
    call after every change. The unique (case, kind) constraint guards concurrent callers.
    """
    account = session.get_one(Account, case.account_id)
    case_type = case.case_type
    specs = compute_deadlines(
        country=case.country,
        case_kind=case_type.kind,
        lodged_at=case.lodged_at,
        delivered_at=case.order.delivered_at if case.order is not None else None,
        policy_window_days=case_type.policy_window_days,
        handling_target_days=case_type.handling_target_days,
        reasonable_period_days=account.reasonable_period_days,
    )
    existing = {deadline.kind for deadline in deadlines_for_case(session, account_id=case.account_id, case_id=case.id)}
    for spec in specs:
        if spec.kind in existing:
            continue
        session.add(
            CaseDeadline(
                account_id=case.account_id,
                case_id=case.id,
                kind=spec.kind,
                due_at=spec.due_at,
                computed_due_at=spec.due_at,
                rule_code=spec.rule_code,
                rule_version=spec.rule_version,
                consequence=spec.consequence,
                is_extendable=spec.is_extendable,
                source=spec.source,
            )
        )
    session.flush()
    return deadlines_for_case(session, account_id=case.account_id, case_id=case.id)


#: Windows that bound the shopper, not the merchant: lodging the case is what meets them.
SHOPPER_WINDOWS = frozenset({DeadlineKind.withdrawal_window, DeadlineKind.policy_window})
#: Deadlines the merchant meets by resolving (closing) the case.
MET_BY_CLOSING = frozenset(
    {DeadlineKind.resolve, DeadlineKind.first_response, DeadlineKind.refund, DeadlineKind.handling_target}
)


def start_case_clocks(session: Session, *, case: Case) -> list[CaseDeadline]:
    """Attach a new case's deadlines and record the shopper's windows as met at lodging.

    A window lodged after its end stays visible as met late (``met_at > due_at``): the admin
    shows it as "filed late" instead of counting it among the merchant's overdue work.
    """
    deadlines = attach_deadlines(session, case=case)
    for deadline in deadlines:
        if deadline.kind in SHOPPER_WINDOWS and deadline.met_at is None:
            deadline.met_at = case.lodged_at
    session.flush()
    return deadlines


def settle_on_status_change(session: Session, *, case: Case, closed: bool, at: datetime) -> None:
    """The merchant answered: any status change is a first position (HU); closing meets the rest.

    The refund deadline of a withdrawal is met only once the money is back; until refunds land
    (their own module), closing is the best evidence we hold, and a reopened case keeps it.
    """
    for deadline in deadlines_for_case(session, account_id=case.account_id, case_id=case.id):
        if deadline.met_at is not None:
            continue
        if deadline.kind is DeadlineKind.first_response or (closed and deadline.kind in MET_BY_CLOSING):
            deadline.met_at = at
    session.flush()


def mark_deadline_met(session: Session, *, case: Case, kind: DeadlineKind, at: datetime | None = None) -> CaseDeadline:
    """Record that the merchant did what the deadline asks, at ``at`` (default: now).

    Meeting a met deadline again keeps the first time: that is the one that counts legally.
    """
    deadline = _get(session, case=case, kind=kind)
    if deadline.met_at is None:
        deadline.met_at = clock.as_utc(at) if at is not None else clock.now()
        session.flush()
    return deadline


def extend_deadline(
    session: Session, *, case: Case, kind: DeadlineKind, new_due_at: datetime, actor: Actor
) -> CaseDeadline:
    """Move a deadline later, where its rule allows it (e.g. a longer period agreed with the consumer).

    Refused for rules that cannot be extended (SK complaints, PL's deemed acceptance, the
    withdrawal window), for a date that is not later than the current one, and for a deadline
    already met. The computed date stays in ``computed_due_at``.
    """
    actor.require(Permission.case_edit)
    deadline = _get(session, case=case, kind=kind)
    if not deadline.is_extendable:
        raise DeadlineError(
            DeadlineErrorCode.deadline_not_extendable,
            N_("The %(rule)s deadline cannot be extended."),
            kind=ErrorKind.conflict,
            rule=deadline.rule_code,
        )
    if deadline.met_at is not None:
        raise DeadlineError(
            DeadlineErrorCode.deadline_already_met,
            N_("The deadline has already been met."),
            kind=ErrorKind.conflict,
        )
    if new_due_at.tzinfo is None:
        raise ValueError("naive datetime given as a due date")
    if new_due_at <= deadline.due_at:
        raise DeadlineError(
            DeadlineErrorCode.extension_not_later,
            N_("The new due date must be later than the current one."),
            kind=ErrorKind.conflict,
            field_errors={"new_due_at": ["Must be later than the current due date."]},
        )
    deadline.due_at = clock.as_utc(new_due_at)
    deadline.extended_at = clock.now()
    deadline.extended_by = actor.label
    session.flush()
    return deadline


def _get(session: Session, *, case: Case, kind: DeadlineKind) -> CaseDeadline:
    deadline = session.scalar(
        CaseDeadline.select_for_account(case.account_id).where(
            CaseDeadline.case_id == case.id, CaseDeadline.kind == kind
        )
    )
    if deadline is None:
        raise DeadlineError(
            DeadlineErrorCode.deadline_not_found,
            N_("The case has no %(deadline)s deadline."),
            kind=ErrorKind.not_found,
            deadline=kind.value,
        )
    return deadline
