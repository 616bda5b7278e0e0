"""Figures for the statistics page: pure read functions, one account at a time, no Flask.

Every function takes the account, a :class:`Period` ``[starts_at, ends_at)`` and an optional
sales channel (``None`` means every channel, and cases without one). Which date puts a case in
the period depends on the question asked:

- volume, reasons and status counts follow ``Case.lodged_at`` (when the shopper lodged it);
- resolution time and the on-time share follow ``Case.closed_at`` (work finished in the period);
- overdue deadlines are a fact about *now*, so they take no period.

:func:`certificate_status` holds the certificate badge rule; ``retino_core.ratings`` applies it
nightly to the shoppers' ratings.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import Session

from retino_core.case_types.models import CaseStatus, CaseType
from retino_core.case_types.queries import reason_names
from retino_core.cases.models import Case, CaseItem
from retino_core.deadlines.models import CaseDeadline
from retino_core.deadlines.rules import DeadlineKind

TOP_REASONS_LIMIT = 10


@dataclass(frozen=True)
class Period:
    """A half-open interval of aware datetimes: ``starts_at`` counts, ``ends_at`` does not."""

    starts_at: datetime
    ends_at: datetime

    def __post_init__(self) -> None:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("a period needs aware datetimes")
        if self.starts_at >= self.ends_at:
            raise ValueError("a period must end after it starts")

    def weeks(self, zone: tzinfo = UTC) -> list[Week]:
        """The ISO weeks (Monday 00:00 in ``zone``) the period touches; the first and last may be partial."""
        local_start = self.starts_at.astimezone(zone)
        monday = (local_start - timedelta(days=local_start.weekday())).date()
        weeks: list[Week] = []
        while True:
            week_start = datetime(monday.year, monday.month, monday.day, tzinfo=zone)
            if week_start >= self.ends_at:
                return weeks
            year, number, _ = monday.isocalendar()
            weeks.append(Week(label=f"{year}-W{number:02d}", starts_at=max(week_start, self.starts_at)))
            monday += timedelta(days=7)


@dataclass(frozen=True)
class Week:
    #: ISO year and week, e.g. "2026-W05".
    label: str
    #: The later of the week's Monday 00:00 and the period start.
    starts_at: datetime


@dataclass(frozen=True)
class WeeklyCases:
    weeks: tuple[Week, ...]
    #: Case type id → one count per week, in ``weeks`` order.
    by_case_type: dict[int, list[int]] = field(default_factory=dict)
    #: Channel id (``None`` for cases without a channel) → one count per week.
    by_channel: dict[int | None, list[int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(sum(counts) for counts in self.by_case_type.values())


@dataclass(frozen=True)
class ReasonCount:
    #: The code items store.
    reason: str
    count: int
    #: The reason's name in the language asked for (the code for a code that is no reason); empty if none was asked.
    name: str = ""


@dataclass(frozen=True)
class MedianDuration:
    #: How many closed cases the median is taken over.
    count: int
    median: timedelta


@dataclass(frozen=True)
class ResolutionTimes:
    #: Case type id → median over that type's cases closed in the period.
    by_case_type: dict[int, MedianDuration]
    #: Over every case closed in the period; ``None`` when none was.
    overall: MedianDuration | None


@dataclass(frozen=True)
class OnTimeShare:
    #: Closed cases whose ``resolve`` deadline was met by its due time.
    on_time: int
    #: Closed cases that had a ``resolve`` deadline at all.
    total: int

    @property
    def late(self) -> int:
        return self.total - self.on_time

    @property
    def share(self) -> float | None:
        return self.on_time / self.total if self.total else None


@dataclass(frozen=True)
class StatusCount:
    status_id: int
    case_type_id: int
    #: Status name per language code.
    names: dict[str, str]
    color: str
    is_closing: bool
    count: int


def _scoped(statement: Any, *, account_id: int, channel_id: int | None) -> Any:
    statement = statement.where(Case.account_id == account_id)
    if channel_id is not None:
        statement = statement.where(Case.channel_id == channel_id)
    return statement


def _lodged_in(period: Period) -> ColumnElement[bool]:
    return (Case.lodged_at >= period.starts_at) & (Case.lodged_at < period.ends_at)


def _closed_in(period: Period) -> ColumnElement[bool]:
    return (Case.closed_at >= period.starts_at) & (Case.closed_at < period.ends_at)


def cases_per_week(
    session: Session, *, account_id: int, period: Period, channel_id: int | None = None, zone: tzinfo = UTC
) -> WeeklyCases:
    """Cases lodged in each ISO week of the period, split by case type and, separately, by channel.

    Weeks start on Monday 00:00 in ``zone`` (the merchant's time zone). The week of a case is
    worked out in SQL with a CASE over the week boundaries, which every database runs the same.
    Types and channels without a case in the period are left out.
    """
    weeks = period.weeks(zone)
    bucket: ColumnElement[int] = literal(len(weeks) - 1)
    if len(weeks) > 1:
        bucket = case(
            *((Case.lodged_at < later.starts_at, index) for index, later in enumerate(weeks[1:])),
            else_=len(weeks) - 1,
        )
    lodged = _scoped(
        select(bucket.label("week"), Case.case_type_id, Case.channel_id).where(_lodged_in(period)),
        account_id=account_id,
        channel_id=channel_id,
    ).subquery()
    rows = session.execute(
        select(lodged.c.week, lodged.c.case_type_id, lodged.c.channel_id, func.count()).group_by(
            lodged.c.week, lodged.c.case_type_id, lodged.c.channel_id
        )
    ).all()
    result = WeeklyCases(weeks=tuple(weeks))
    for week, case_type_id, row_channel_id, count in rows:
        result.by_case_type.setdefault(case_type_id, [0] * len(weeks))[week] += count
        result.by_channel.setdefault(row_channel_id, [0] * len(weeks))[week] += count
    return result


def top_reasons(
    session: Session,
    *,
    account_id: int,
    period: Period,
    channel_id: int | None = None,
    limit: int = TOP_REASONS_LIMIT,
    language: str | None = None,
) -> list[ReasonCount]:
    """The most frequent item reasons on cases lodged in the period, most frequent first.

    Counts case items, not cases (one case can return two items for two reasons), by code: a code
    two types share counts once. Items with no reason given are not counted. Ties are ordered by
    code so the list is stable. With ``language``, each row carries the reason's name in it.
    """
    count = func.count(CaseItem.id)
    statement = _scoped(
        select(CaseItem.reason, count)
        .join(Case, Case.id == CaseItem.case_id)
        .where(CaseItem.account_id == account_id, CaseItem.reason != "", _lodged_in(period)),
        account_id=account_id,
        channel_id=channel_id,
    )
    rows = session.execute(
        statement.group_by(CaseItem.reason).order_by(count.desc(), CaseItem.reason).limit(limit)
    ).all()
    if language is None:
        return [ReasonCount(reason=reason, count=total) for reason, total in rows]
    names = reason_names(session, account_id=account_id, language=language)
    return [ReasonCount(reason=reason, count=total, name=names.name(reason)) for reason, total in rows]


def median_duration(durations: Sequence[timedelta]) -> timedelta | None:
    """The median of the durations (the mean of the middle two for an even count); ``None`` if empty."""
    if not durations:
        return None
    return timedelta(seconds=statistics.median(duration.total_seconds() for duration in durations))


def resolution_times(
    session: Session, *, account_id: int, period: Period, channel_id: int | None = None
) -> ResolutionTimes:
    """Median time from lodging to closing, per case type and overall, for cases closed in the period.

    Portable on purpose: a Core select fetches ``(case type, lodged_at, closed_at)`` of the
    closed cases and the median is taken in Python, because PostgreSQL's ``percentile_cont`` has
    no SQLite counterpart. Two datetimes a row is fine up to a few hundred thousand closed cases
    in one period; beyond that, move to ``percentile_cont`` on PostgreSQL.
    """
    statement = _scoped(
        select(Case.case_type_id, Case.lodged_at, Case.closed_at).where(
            Case.closed_at.is_not(None), _closed_in(period)
        ),
        account_id=account_id,
        channel_id=channel_id,
    )
    durations: dict[int, list[timedelta]] = {}
    for case_type_id, lodged_at, closed_at in session.execute(statement):
        durations.setdefault(case_type_id, []).append(closed_at - lodged_at)
    every = [duration for values in durations.values() for duration in values]
    return ResolutionTimes(
        by_case_type={case_type_id: _median_of(values) for case_type_id, values in durations.items()},
        overall=_median_of(every) if every else None,
    )


def _median_of(durations: list[timedelta]) -> MedianDuration:
    return MedianDuration(count=len(durations), median=median_duration(durations) or timedelta(0))


def resolve_on_time_share(
    session: Session, *, account_id: int, period: Period, channel_id: int | None = None
) -> OnTimeShare:
    """Of the cases closed in the period that had a statutory ``resolve`` deadline, how many met it in time.

    On time means ``met_at <= due_at`` (an extended due date counts, as the law allows it). A
    closed case whose deadline was never marked met counts as late; closed cases without a
    ``resolve`` deadline (returns, withdrawals) are left out of both numbers.
    """
    on_time = func.coalesce(
        func.sum(case((CaseDeadline.met_at <= CaseDeadline.due_at, 1), else_=0)),
        0,
    )
    statement = _scoped(
        select(func.count(CaseDeadline.id), on_time)
        .join(Case, Case.id == CaseDeadline.case_id)
        .where(
            CaseDeadline.account_id == account_id,
            CaseDeadline.kind == DeadlineKind.resolve,
            Case.closed_at.is_not(None),
            _closed_in(period),
        ),
        account_id=account_id,
        channel_id=channel_id,
    )
    total, met = session.execute(statement).one()
    return OnTimeShare(on_time=int(met), total=int(total))


def counts_by_status(
    session: Session, *, account_id: int, period: Period, channel_id: int | None = None
) -> list[StatusCount]:
    """How many cases lodged in the period sit in each status now, in the order of the types' workflows."""
    lodged = _scoped(
        select(Case.status_id, func.count().label("count")).where(_lodged_in(period)),
        account_id=account_id,
        channel_id=channel_id,
    )
    per_status = lodged.group_by(Case.status_id).subquery()
    rows = session.execute(
        select(CaseStatus, per_status.c.count)
        .join(per_status, per_status.c.status_id == CaseStatus.id)
        .join(CaseType, CaseType.id == CaseStatus.case_type_id)
        .where(CaseStatus.account_id == account_id)
        .order_by(CaseType.position, CaseType.id, CaseStatus.position, CaseStatus.id)
    )
    return [
        StatusCount(
            status_id=status.id,
            case_type_id=status.case_type_id,
            names=dict(status.names),
            color=status.color,
            is_closing=status.is_closing,
            count=count,
        )
        for status, count in rows
    ]


def overdue_deadline_count(session: Session, *, account_id: int, now: datetime, channel_id: int | None = None) -> int:
    """Deadlines on open cases that ran out before ``now`` and are not met, whenever the case was lodged."""
    statement = _scoped(
        select(func.count(CaseDeadline.id))
        .join(Case, Case.id == CaseDeadline.case_id)
        .where(
            CaseDeadline.account_id == account_id,
            Case.closed_at.is_(None),
            CaseDeadline.met_at.is_(None),
            CaseDeadline.due_at < now,
        ),
        account_id=account_id,
        channel_id=channel_id,
    )
    return int(session.scalar(statement) or 0)


class CertificateStatus(Enum):
    #: The storefront shows the badge.
    awarded = "awarded"
    #: The shop held the badge, but satisfaction fell below the keep threshold.
    suspended = "suspended"
    #: Fewer ratings than the minimum in the window: no verdict either way.
    not_enough_ratings = "not_enough_ratings"
    #: Enough ratings, but not enough of them satisfied to earn the badge.
    not_awarded = "not_awarded"


#: Ratings needed in the three-month window before the badge is judged at all.
CERTIFICATE_MINIMUM_RATINGS = 10
#: Satisfied share (in per cent) that earns the badge.
CERTIFICATE_AWARD_PERCENT = 90
#: Satisfied share (in per cent) below which a held badge is suspended.
CERTIFICATE_KEEP_PERCENT = 85


def certificate_status(satisfied: int, total: int, previously_certified: bool) -> CertificateStatus:
    """The "Certifikát Bezproblémové reklamace" verdict for ratings of the last three months.

    Earned at >= 90 % satisfied with at least 10 ratings; once held, kept down to 85 % and
    suspended below that (the gap stops the badge flickering around one threshold). With fewer
    than 10 ratings there is no verdict, whether or not the badge was held. Shares are compared
    in integers, so exactly 90 % and exactly 85 % pass.
    """
    if total < 0 or satisfied < 0 or satisfied > total:
        raise ValueError("satisfied ratings must be between 0 and the total")
    if total < CERTIFICATE_MINIMUM_RATINGS:
        return CertificateStatus.not_enough_ratings
    if previously_certified:
        if satisfied * 100 >= CERTIFICATE_KEEP_PERCENT * total:
            return CertificateStatus.awarded
        return CertificateStatus.suspended
    if satisfied * 100 >= CERTIFICATE_AWARD_PERCENT * total:
        return CertificateStatus.awarded
    return CertificateStatus.not_awarded
