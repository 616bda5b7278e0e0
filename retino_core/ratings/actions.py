"""Rate a closed case, and compute the "Effortless returns" certificate from the ratings.

A shopper rates their own case once, after it is closed (1–5 and an optional comment). The
certificate is computed per account by the nightly job (``tasks.compute_certificates``): the
ratings of the last three calendar months are counted and judged by the one badge rule,
:func:`retino_core.cases.statistics.certificate_status`, with the previous day's state deciding
the hysteresis. Each computation is stored as a :class:`CertificateSnapshot`.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import case as sql_case
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actor import Actor, ActorKind
from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.models import Account, AccountStatus
from retino_core.accounts.permissions import Permission
from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.cases.history import rating_received_entry
from retino_core.cases.models import Case
from retino_core.cases.statistics import CertificateStatus, certificate_status
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.ratings.errors import RatingError, RatingErrorCode
from retino_core.ratings.models import CertificateSnapshot, CertificateState, Rating
from retino_core.ratings.queries import SATISFIED_SCORE, rating_of_case
from retino_core.ratings.schemas import RatingSchema
from retino_core.validation import load_or_raise

#: Calendar months of ratings the certificate looks at.
CERTIFICATE_WINDOW_MONTHS = 3
#: Decimal places of a stored share (0.9000 is 90 %).
SHARE_QUANTUM = Decimal("0.0001")


def rate_case(
    session: Session, *, account: Account, actor: Actor, case: Case, score: object, comment: object = ""
) -> Rating:
    """Store the shopper's rating of their closed case; once per case, never changed afterwards.

    Only the customer rates (a member cannot rate on their behalf). Refused, with nothing stored:
    an open case (``case_not_closed``, conflict), a case already rated (``already_rated``,
    conflict, also when two submissions race: the unique ``case_id`` decides), a score that is not
    a whole number from 1 to 5 or a comment over 2,000 characters (invalid), a deactivated account
    (forbidden). The rating is in the case's language.
    """
    if case.account_id != account.id:
        raise CaseError(CaseErrorCode.case_not_found, N_("This case does not exist."), kind=ErrorKind.not_found)
    if actor.kind is not ActorKind.customer:
        raise RatingError(
            RatingErrorCode.invalid_input, N_("Only the customer can rate a case."), kind=ErrorKind.forbidden
        )
    actor.require(Permission.case_view)
    if not account.is_active:
        raise AccountError(
            AccountErrorCode.account_deactivated, N_("This account is deactivated."), kind=ErrorKind.forbidden
        )
    data = load_or_raise(
        RatingSchema(),
        {"score": score, "comment": comment if isinstance(comment, str) else ""},
        error_class=RatingError,
        code=RatingErrorCode.invalid_input,
    )
    if case.closed_at is None:
        raise RatingError(
            RatingErrorCode.case_not_closed,
            N_("You can rate the case once it is closed."),
            kind=ErrorKind.conflict,
        )
    if rating_of_case(session, account_id=account.id, case_id=case.id) is not None:
        raise _already_rated()
    rating = Rating(
        account_id=account.id,
        case_id=case.id,
        score=data["score"],
        comment=data["comment"].replace("\r\n", "\n").strip(),
        language=case.language,
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(rating)
    except IntegrityError:
        raise _already_rated() from None
    rating_received_entry(session, case=case, actor=actor, rating_id=rating.id, score=rating.score)
    session.flush()
    return rating


def _already_rated() -> RatingError:
    return RatingError(RatingErrorCode.already_rated, N_("This case has already been rated."), kind=ErrorKind.conflict)


def months_before(moment: datetime, months: int) -> datetime:
    """The same time ``months`` calendar months earlier; a day the month lacks becomes its last day."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def certificate_window(at: datetime) -> tuple[datetime, datetime]:
    """``[start, end)`` of the ratings counted at ``at``: the last three calendar months up to ``at``."""
    return months_before(at, CERTIFICATE_WINDOW_MONTHS), at


def next_state(satisfied: int, total: int, previous: CertificateState | None) -> CertificateState:
    """The certificate state from the counts and the previous day's state, by the one badge rule.

    The verdict comes from :func:`certificate_status` (earn at >= 90 % with >= 10 ratings, keep
    down to 85 % once held). A shop that held the badge and loses it (below 85 %, or fewer than
    10 ratings left) is ``suspended``, and stays suspended until it earns the badge again at
    90 %; a shop that never held it is ``not_earned``.
    """
    verdict = certificate_status(satisfied, total, previous is CertificateState.earned)
    if verdict is CertificateStatus.awarded:
        return CertificateState.earned
    if previous in (CertificateState.earned, CertificateState.suspended):
        return CertificateState.suspended
    return CertificateState.not_earned


def share_of(satisfied: int, total: int) -> Decimal | None:
    """``satisfied / total`` cut (not rounded) to four decimals, so a shown share never exceeds the real one."""
    if not total:
        return None
    return (Decimal(satisfied) / Decimal(total)).quantize(SHARE_QUANTUM, rounding=ROUND_DOWN)


def compute_certificate(session: Session, *, account: Account, at: datetime | None = None) -> CertificateSnapshot:
    """Compute and store the account's certificate for the UTC day of ``at`` (now by default).

    One snapshot per account and day: computing again the same day updates that day's row, and
    the hysteresis always looks at the latest snapshot of an *earlier* day, so a second run the
    same day gives the same state (idempotent) while still counting ratings that arrived since.
    """
    moment = clock.as_utc(at or clock.now())
    day: date = moment.date()
    start, end = certificate_window(moment)
    satisfied_expression = func.coalesce(func.sum(sql_case((Rating.score >= SATISFIED_SCORE, 1), else_=0)), 0)
    total, satisfied = session.execute(
        select(func.count(Rating.id), satisfied_expression).where(
            Rating.account_id == account.id, Rating.created_at >= start, Rating.created_at < end
        )
    ).one()
    total, satisfied = int(total), int(satisfied)
    previous = session.scalar(
        CertificateSnapshot.select_for_account(account.id)
        .where(CertificateSnapshot.computed_on < day)
        .order_by(CertificateSnapshot.computed_on.desc())
        .limit(1)
    )
    state = next_state(satisfied, total, previous.state if previous else None)
    snapshot = session.scalar(
        CertificateSnapshot.select_for_account(account.id).where(CertificateSnapshot.computed_on == day)
    )
    if snapshot is None:
        snapshot = CertificateSnapshot(account_id=account.id, computed_on=day)
        session.add(snapshot)
    snapshot.computed_at = moment
    snapshot.period_start = start
    snapshot.period_end = end
    snapshot.ratings_count = total
    snapshot.satisfied_count = satisfied
    snapshot.share = share_of(satisfied, total)
    snapshot.state = state
    session.flush()
    return snapshot


def accounts_to_certify(session: Session, *, at: datetime | None = None) -> list[int]:
    """Active accounts with a rating in the window or an earlier snapshot; others have nothing to judge."""
    start, _ = certificate_window(clock.as_utc(at or clock.now()))
    rated = select(Rating.account_id).where(Rating.created_at >= start)
    snapshotted = select(CertificateSnapshot.account_id)
    return list(
        session.scalars(
            select(Account.id)
            .where(
                Account.status == AccountStatus.active,
                or_(Account.id.in_(rated), Account.id.in_(snapshotted)),
            )
            .order_by(Account.id)
        )
    )
