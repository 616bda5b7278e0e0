"""Read helpers for deadlines; every query is scoped to one account."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select
from sqlalchemy.orm import Session, contains_eager

from retino_core.cases.models import Case
from retino_core.deadlines.models import CaseDeadline


def deadlines_for_case(session: Session, *, account_id: int, case_id: int) -> list[CaseDeadline]:
    """The case's deadlines, earliest first; empty for another account's case."""
    rows = session.scalars(
        CaseDeadline.select_for_account(account_id)
        .where(CaseDeadline.case_id == case_id)
        .order_by(CaseDeadline.due_at, CaseDeadline.id)
    )
    return list(rows)


def overdue_deadlines(session: Session, *, account_id: int, now: datetime) -> list[CaseDeadline]:
    """Deadlines that ran out before ``now`` and are not met, on open cases, oldest first."""
    return list(session.scalars(_pending(account_id).where(CaseDeadline.due_at < now)))


def deadlines_due_soon(session: Session, *, account_id: int, now: datetime, within: timedelta) -> list[CaseDeadline]:
    """Deadlines not yet run out that do so within ``within`` of ``now``, not met, on open cases."""
    statement = _pending(account_id).where(CaseDeadline.due_at >= now, CaseDeadline.due_at <= now + within)
    return list(session.scalars(statement))


def _pending(account_id: int) -> Select[tuple[CaseDeadline]]:
    return (
        CaseDeadline.select_for_account(account_id)
        .join(CaseDeadline.case)
        .options(contains_eager(CaseDeadline.case))
        .where(Case.account_id == account_id, Case.closed_at.is_(None), CaseDeadline.met_at.is_(None))
        .order_by(CaseDeadline.due_at, CaseDeadline.id)
    )
