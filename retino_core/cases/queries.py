"""Read helpers for cases; every query is filtered by account first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.cases.models import Case, CaseTag, Tag
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.text import fold

MINIMUM_SEARCH_LENGTH = 3


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


@dataclass(frozen=True)
class CaseFilter:
    status_ids: Sequence[int] = ()
    case_type_ids: Sequence[int] = ()
    owner_id: int | None = None
    channel_id: int | None = None
    tag: str | None = None
    is_open: bool | None = None
    search: str = ""


def case_list_statement(account_id: int, case_filter: CaseFilter) -> Select[tuple[Case]]:
    """Newest first. A search shorter than three characters is refused rather than scanned."""
    statement = Case.select_for_account(account_id)
    if case_filter.status_ids:
        statement = statement.where(Case.status_id.in_(case_filter.status_ids))
    if case_filter.case_type_ids:
        statement = statement.where(Case.case_type_id.in_(case_filter.case_type_ids))
    if case_filter.owner_id is not None:
        statement = statement.where(Case.owner_id == case_filter.owner_id)
    if case_filter.channel_id is not None:
        statement = statement.where(Case.channel_id == case_filter.channel_id)
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
    if case_filter.search:
        needle = fold(case_filter.search.strip())
        if len(needle) < MINIMUM_SEARCH_LENGTH:
            raise CaseError(
                CaseErrorCode.invalid_input,
                N_("Type at least %(count)s characters to search."),
                count=MINIMUM_SEARCH_LENGTH,
            )
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Case.search_text.like(f"%{escaped}%", escape="\\"))
    return statement.order_by(Case.created_at.desc(), Case.id.desc())


def list_cases(
    session: Session, *, account_id: int, case_filter: CaseFilter | None = None, limit: int = 50, offset: int = 0
) -> list[Case]:
    statement = (
        case_list_statement(account_id, case_filter or CaseFilter())
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
