"""Read helpers for cases; every query is filtered by account first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from retino_core import clock
from retino_core.case_types.models import CaseStatus, ProcessStep
from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.cases.models import Case, CaseTag, Tag
from retino_core.deadlines.models import CaseDeadline
from retino_core.deadlines.rules import Consequence
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.messaging.models import InboundMessage
from retino_core.search import infix_match, without_index
from retino_core.text import fold

MINIMUM_SEARCH_LENGTH = 3


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def get_case(session: Session, *, account_id: int, case_id: int) -> Case:
    """The account's case, or a not-found error that looks the same for a missing and a foreign id."""
    case = Case.get_for_account(session, case_id, account_id)
    if case is None:
        raise CaseError(CaseErrorCode.case_not_found, N_("This case does not exist."), kind=ErrorKind.not_found)
    return case


def get_case_by_number(session: Session, *, account_id: int, number: str) -> Case | None:
    return session.scalar(Case.select_for_account(account_id).where(Case.number == number.strip().upper()))


def get_case_by_access_token(session: Session, *, token: str) -> Case | None:
    """The shopper's case behind a status link; tokens are random, so this is the only lookup without an account."""
    if not token or len(token) > 64:
        return None
    return session.scalar(select(Case).where(Case.access_token == token))


class DeadlineState(Enum):
    #: A deadline of the case ran out and is not met.
    overdue = "overdue"
    #: A deadline runs out within the next three days.
    due_soon = "due_soon"
    #: A deadline whose miss means "deemed accepted" (PL) is open and runs out within three days or is late.
    deemed_accepted_risk = "deemed_accepted_risk"


DUE_SOON = timedelta(days=3)


@dataclass(frozen=True)
class CaseFilter:
    status_ids: Sequence[int] = ()
    case_type_ids: Sequence[int] = ()
    #: Process step codes ("new", "decision", …), across every case type.
    step_codes: Sequence[str] = ()
    owner_id: int | None = None
    channel_id: int | None = None
    tag: str | None = None
    country: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    deadline_state: DeadlineState | None = None
    is_open: bool | None = None
    search: str = ""
    #: Only cases with a customer message nobody has read yet.
    has_unread_message: bool = False
    #: Keyset cursor: only cases older than this (created_at, id), newest first.
    before: tuple[datetime, int] | None = None


def case_list_statement(account_id: int, case_filter: CaseFilter, *, dialect: str) -> Select[tuple[Case]]:
    """Newest first. A search shorter than three characters is refused rather than scanned.

    With a search on SQLite, the account and date columns are wrapped so the planner drives the
    query from the FTS5 match (a handful of rows) instead of walking the newest-first index.
    """
    drive_from_search = bool(case_filter.search) and dialect == "sqlite"
    account_column = without_index(Case.account_id) if drive_from_search else Case.account_id
    created_column = without_index(Case.created_at) if drive_from_search else Case.created_at
    statement = select(Case).where(account_column == account_id)
    if case_filter.status_ids:
        statement = statement.where(Case.status_id.in_(case_filter.status_ids))
    if case_filter.case_type_ids:
        statement = statement.where(Case.case_type_id.in_(case_filter.case_type_ids))
    if case_filter.owner_id is not None:
        statement = statement.where(Case.owner_id == case_filter.owner_id)
    if case_filter.channel_id is not None:
        statement = statement.where(Case.channel_id == case_filter.channel_id)
    if case_filter.step_codes:
        statement = statement.where(
            Case.status_id.in_(
                select(CaseStatus.id)
                .join(ProcessStep, ProcessStep.id == CaseStatus.step_id)
                .where(CaseStatus.account_id == account_id, ProcessStep.code.in_(case_filter.step_codes))
            )
        )
    if case_filter.country:
        statement = statement.where(Case.country == case_filter.country.upper())
    if case_filter.created_from is not None:
        statement = statement.where(Case.created_at >= case_filter.created_from)
    if case_filter.created_to is not None:
        statement = statement.where(Case.created_at < case_filter.created_to)
    if case_filter.deadline_state is not None:
        statement = statement.where(Case.id.in_(_deadline_case_ids(account_id, case_filter.deadline_state)))
    if case_filter.before is not None:
        created_at, case_id = case_filter.before
        statement = statement.where(
            or_(Case.created_at < created_at, and_(Case.created_at == created_at, Case.id < case_id))
        )
    if case_filter.is_open is not None:
        statement = statement.where(Case.closed_at.is_(None) if case_filter.is_open else Case.closed_at.is_not(None))
    if case_filter.tag:
        statement = statement.where(
            Case.id.in_(
                select(CaseTag.case_id)
                .join(Tag, Tag.id == CaseTag.tag_id)
                .where(Tag.account_id == account_id, Tag.name == case_filter.tag)
            )
        )
    if case_filter.has_unread_message:
        statement = statement.where(
            select(InboundMessage.id)
            .where(
                InboundMessage.account_id == account_id,
                InboundMessage.case_id == Case.id,
                InboundMessage.read_at.is_(None),
            )
            .exists()
        )
    if case_filter.search:
        needle = fold(case_filter.search.strip())
        if len(needle) < MINIMUM_SEARCH_LENGTH:
            raise CaseError(
                CaseErrorCode.invalid_input,
                N_("Type at least %(count)s characters to search."),
                count=MINIMUM_SEARCH_LENGTH,
            )
        statement = statement.where(infix_match(dialect, Case.__table__, needle))
    return statement.order_by(created_column.desc(), Case.id.desc())


def _deadline_case_ids(account_id: int, state: DeadlineState) -> Select[tuple[int]]:
    now = clock.now()
    statement = select(CaseDeadline.case_id).where(CaseDeadline.account_id == account_id, CaseDeadline.met_at.is_(None))
    if state is DeadlineState.overdue:
        return statement.where(CaseDeadline.due_at < now)
    if state is DeadlineState.due_soon:
        return statement.where(CaseDeadline.due_at >= now, CaseDeadline.due_at <= now + DUE_SOON)
    return statement.where(
        CaseDeadline.consequence == Consequence.deemed_accepted, CaseDeadline.due_at <= now + DUE_SOON
    )


def nearest_open_deadlines(session: Session, *, account_id: int, case_ids: Sequence[int]) -> dict[int, CaseDeadline]:
    """For each case, its earliest deadline not yet met (one query for a whole page)."""
    if not case_ids:
        return {}
    rows = session.scalars(
        CaseDeadline.select_for_account(account_id)
        .where(CaseDeadline.case_id.in_(case_ids), CaseDeadline.met_at.is_(None))
        .order_by(CaseDeadline.case_id, CaseDeadline.due_at)
    )
    nearest: dict[int, CaseDeadline] = {}
    for deadline in rows:
        nearest.setdefault(deadline.case_id, deadline)
    return nearest


def count_cases_by_step(session: Session, *, account_id: int, case_filter: CaseFilter) -> dict[str, int]:
    """How many cases match the filter in each process step code (the inbox tabs), ignoring any step filter."""
    from dataclasses import replace

    statement = case_list_statement(
        account_id, replace(case_filter, step_codes=(), before=None), dialect=_dialect(session)
    ).order_by(None)
    matching = statement.with_only_columns(Case.status_id).subquery()
    rows = session.execute(
        select(ProcessStep.code, func.count())
        .select_from(matching)
        .join(CaseStatus, CaseStatus.id == matching.c.status_id)
        .join(ProcessStep, ProcessStep.id == CaseStatus.step_id)
        .group_by(ProcessStep.code)
    ).all()
    return {code: count for code, count in rows}


def list_cases(
    session: Session, *, account_id: int, case_filter: CaseFilter | None = None, limit: int = 50, offset: int = 0
) -> list[Case]:
    statement = (
        case_list_statement(account_id, case_filter or CaseFilter(), dialect=_dialect(session))
        .options(selectinload(Case.status), selectinload(Case.case_type), selectinload(Case.owner))
        .limit(min(limit, 500))
        .offset(max(offset, 0))
    )
    return list(session.scalars(statement))


def count_cases_by_status(session: Session, *, account_id: int) -> dict[int, int]:
    rows = session.execute(
        select(Case.status_id, func.count()).where(Case.account_id == account_id).group_by(Case.status_id)
    ).all()
    return {status_id: count for status_id, count in rows}
