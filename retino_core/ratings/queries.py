"""Read side of ratings and the certificate: what the badge, the public page and the admin show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from retino_core.cases.models import Case
from retino_core.ratings.models import CertificateSnapshot, CertificateState, Rating

#: Scores at or above this count as satisfied.
SATISFIED_SCORE = 4
#: Snapshots the admin's history table shows.
HISTORY_LIMIT = 30


@dataclass(frozen=True)
class CertificateView:
    """The account's certificate as last computed by the nightly job.

    Before the first computation the state is ``not_earned`` with no share, no ratings and no
    period or time (all ``None``), so a badge simply does not show.
    """

    state: CertificateState
    #: Satisfied ratings / all ratings in the period (0.9000 is 90 %); None without any rating.
    share: Decimal | None
    ratings_count: int
    period_start: datetime | None
    period_end: datetime | None
    computed_at: datetime | None
    satisfied_count: int = 0

    @property
    def is_earned(self) -> bool:
        return self.state is CertificateState.earned

    @property
    def percent(self) -> int | None:
        """The share as a whole per cent, rounded down (89.99 % never shows as 90 %)."""
        return None if self.share is None else int(self.share * 100)


def _view(snapshot: CertificateSnapshot) -> CertificateView:
    return CertificateView(
        state=snapshot.state,
        share=snapshot.share,
        ratings_count=snapshot.ratings_count,
        period_start=snapshot.period_start,
        period_end=snapshot.period_end,
        computed_at=snapshot.computed_at,
        satisfied_count=snapshot.satisfied_count,
    )


NO_CERTIFICATE = CertificateView(
    state=CertificateState.not_earned,
    share=None,
    ratings_count=0,
    period_start=None,
    period_end=None,
    computed_at=None,
)


def current_certificate(session: Session, account_id: int) -> CertificateView:
    """The latest snapshot of the account's certificate (what the badge and public page show)."""
    snapshot = session.scalar(
        CertificateSnapshot.select_for_account(account_id)
        .order_by(CertificateSnapshot.computed_on.desc(), CertificateSnapshot.id.desc())
        .limit(1)
    )
    return NO_CERTIFICATE if snapshot is None else _view(snapshot)


def certificate_history(session: Session, account_id: int, *, limit: int = HISTORY_LIMIT) -> list[CertificateView]:
    """The account's latest snapshots, newest first."""
    snapshots = session.scalars(
        CertificateSnapshot.select_for_account(account_id)
        .order_by(CertificateSnapshot.computed_on.desc(), CertificateSnapshot.id.desc())
        .limit(limit)
    )
    return [_view(snapshot) for snapshot in snapshots]


@dataclass(frozen=True)
class RatingSummary:
    count: int
    #: Mean score rounded to two decimals; None without any rating.
    average: Decimal | None
    satisfied: int


def rating_summary(
    session: Session,
    *,
    account_id: int,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    channel_id: int | None = None,
) -> RatingSummary:
    """Count, mean score and satisfied count of the account's ratings given in ``[starts_at, ends_at)``.

    With ``channel_id``, only ratings of that channel's cases count.
    """
    statement = select(
        func.count(Rating.id),
        func.avg(Rating.score),
        func.coalesce(func.sum(case((Rating.score >= SATISFIED_SCORE, 1), else_=0)), 0),
    ).where(Rating.account_id == account_id)
    if starts_at is not None:
        statement = statement.where(Rating.created_at >= starts_at)
    if ends_at is not None:
        statement = statement.where(Rating.created_at < ends_at)
    if channel_id is not None:
        statement = statement.join(Case, Case.id == Rating.case_id).where(
            Case.account_id == account_id, Case.channel_id == channel_id
        )
    count, average, satisfied = session.execute(statement).one()
    return RatingSummary(
        count=int(count),
        average=None if average is None else Decimal(str(average)).quantize(Decimal("0.01")),
        satisfied=int(satisfied),
    )


def rating_of_case(session: Session, *, account_id: int, case_id: int) -> Rating | None:
    return session.scalar(Rating.select_for_account(account_id).where(Rating.case_id == case_id))
