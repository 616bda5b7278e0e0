"""The certificate: earned at >= 90 % satisfied with >= 10 ratings in three months, kept down to 85 %.

Ratings are written straight into the table with the time they were given; the computation runs
at a fixed moment, so the window edges are exact.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from retino_core.accounts.actions import deactivate_account
from retino_core.accounts.permissions import Role
from retino_core.jobs import JobContext
from retino_core.ratings.actions import (
    accounts_to_certify,
    certificate_window,
    compute_certificate,
    months_before,
    next_state,
)
from retino_core.ratings.models import CertificateSnapshot, CertificateState
from retino_core.ratings.queries import NO_CERTIFICATE, certificate_history, current_certificate
from retino_core.ratings.tasks import compute_certificates

NIGHT = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
IN_WINDOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
EARNED, SUSPENDED, NOT_EARNED = CertificateState.earned, CertificateState.suspended, CertificateState.not_earned


def scores(satisfied, unhappy):
    return [5] * satisfied + [2] * unhappy


@pytest.mark.parametrize(
    ("satisfied", "total", "previous", "expected"),
    [
        (9, 10, None, EARNED),  # exactly 90 % with exactly 10 ratings
        (17, 19, None, NOT_EARNED),  # 89.47 %
        (9, 9, None, NOT_EARNED),  # 100 % but only 9 ratings
        (17, 20, EARNED, EARNED),  # exactly 85 % keeps a held badge
        (17, 20, None, NOT_EARNED),  # 85 % does not earn it
        (33, 39, EARNED, SUSPENDED),  # 84.6 % suspends it
        (9, 9, EARNED, SUSPENDED),  # too few ratings left
        (17, 20, SUSPENDED, SUSPENDED),  # a suspended badge needs 90 % again
        (18, 20, SUSPENDED, EARNED),
        (0, 0, None, NOT_EARNED),
    ],
)
def test_next_state(satisfied, total, previous, expected):
    assert next_state(satisfied, total, previous) is expected


def test_the_window_is_three_calendar_months():
    assert certificate_window(NIGHT) == (datetime(2026, 3, 15, 2, 0, tzinfo=UTC), NIGHT)
    assert months_before(datetime(2026, 5, 31, tzinfo=UTC), 3) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 2, 10, tzinfo=UTC), 3) == datetime(2025, 11, 10, tzinfo=UTC)


def test_ten_ratings_at_ninety_percent_earn_the_badge(session, account, add_ratings):
    add_ratings(account, scores(9, 1), at=IN_WINDOW)
    snapshot = compute_certificate(session, account=account, at=NIGHT)
    assert (snapshot.state, snapshot.ratings_count, snapshot.satisfied_count, snapshot.share) == (
        EARNED,
        10,
        9,
        Decimal("0.9000"),
    )
    view = current_certificate(session, account.id)
    assert (view.state, view.share, view.ratings_count, view.satisfied_count, view.percent) == (
        EARNED,
        Decimal("0.9000"),
        10,
        9,
        90,
    )
    assert (view.period_start, view.period_end, view.computed_at) == (
        datetime(2026, 3, 15, 2, tzinfo=UTC),
        NIGHT,
        NIGHT,
    )


def test_nine_ratings_are_not_enough(session, account, add_ratings):
    add_ratings(account, [5] * 9, at=IN_WINDOW)
    assert compute_certificate(session, account=account, at=NIGHT).state is NOT_EARNED


def test_window_edges(session, account, add_ratings):
    start, end = certificate_window(NIGHT)
    add_ratings(account, [5] * 9, at=start)  # the first instant counts
    add_ratings(account, [5], at=start - timedelta(microseconds=1))  # just before: too old
    add_ratings(account, [5], at=end)  # given at the very moment of computing: next time
    snapshot = compute_certificate(session, account=account, at=NIGHT)
    assert (snapshot.ratings_count, snapshot.state) == (9, NOT_EARNED)
    add_ratings(account, [5], at=end - timedelta(microseconds=1))
    assert compute_certificate(session, account=account, at=NIGHT).ratings_count == 10


def test_hysteresis_over_nights(session, account, add_ratings):
    # night 1: 18 of 20 (90 %) earns it
    add_ratings(account, scores(18, 2), at=IN_WINDOW)
    assert compute_certificate(session, account=account, at=NIGHT).state is EARNED
    # night 2: 18 of 21 (85.7 %) keeps it
    add_ratings(account, [1], at=IN_WINDOW)
    assert compute_certificate(session, account=account, at=NIGHT + timedelta(days=1)).state is EARNED
    # night 3: 18 of 22 (81.8 %) suspends it
    add_ratings(account, [1], at=IN_WINDOW)
    assert compute_certificate(session, account=account, at=NIGHT + timedelta(days=2)).state is SUSPENDED
    # night 4: 40 of 44 (90.9 %) earns it back
    add_ratings(account, [5] * 22, at=IN_WINDOW)
    assert compute_certificate(session, account=account, at=NIGHT + timedelta(days=3)).state is EARNED
    history = certificate_history(session, account.id)
    assert [(view.state, view.ratings_count) for view in history] == [
        (EARNED, 44),
        (SUSPENDED, 22),
        (EARNED, 21),
        (EARNED, 20),
    ]


def test_a_second_run_the_same_day_rewrites_that_days_row(session, account, add_ratings):
    add_ratings(account, scores(18, 2), at=IN_WINDOW)
    compute_certificate(session, account=account, at=NIGHT)
    add_ratings(account, [1], at=IN_WINDOW)
    compute_certificate(session, account=account, at=NIGHT + timedelta(days=1))
    # the same day again, with one more unhappy rating: 18 of 22 against the previous *day* (earned)
    add_ratings(account, [1], at=IN_WINDOW)
    again = compute_certificate(session, account=account, at=NIGHT + timedelta(days=1, hours=3))
    assert (again.state, again.ratings_count, again.computed_on) == (SUSPENDED, 22, date(2026, 6, 16))
    once_more = compute_certificate(session, account=account, at=NIGHT + timedelta(days=1, hours=4))
    assert (once_more.id, once_more.state) == (again.id, SUSPENDED)
    assert session.scalar(select(func.count()).select_from(CertificateSnapshot)) == 2


def test_without_a_snapshot_there_is_no_certificate(session, account):
    assert current_certificate(session, account.id) == NO_CERTIFICATE
    assert (NO_CERTIFICATE.state, NO_CERTIFICATE.share, NO_CERTIFICATE.percent) == (NOT_EARNED, None, None)


def test_the_share_is_cut_not_rounded(session, account, add_ratings):
    add_ratings(account, scores(26, 3), at=IN_WINDOW)  # 89.655 %
    snapshot = compute_certificate(session, account=account, at=NIGHT)
    assert (snapshot.share, current_certificate(session, account.id).percent) == (Decimal("0.8965"), 89)


def test_the_nightly_job_covers_active_accounts_with_ratings_and_is_idempotent(
    session, settings, make_account, make_member, add_ratings
):
    rated = make_account(name="Hodnocený")
    add_ratings(rated, scores(9, 1), at=datetime.now(UTC) - timedelta(days=1))
    make_account(name="Bez hodnocení")
    closed = make_account(name="Zavřený")
    add_ratings(closed, [5] * 10, at=datetime.now(UTC) - timedelta(days=1))
    _, owner = make_member(closed, Role.owner)
    deactivate_account(session, account=closed, actor=owner)
    session.commit()
    assert accounts_to_certify(session) == [rated.id]
    context = JobContext(session=session, settings=settings, mailer=None, storage=None, account_id=None)
    # when: the job runs twice the same day
    compute_certificates(context)
    compute_certificates(context)
    # then
    rows = session.scalars(select(CertificateSnapshot)).all()
    assert [(row.account_id, row.state, row.ratings_count) for row in rows] == [(rated.id, EARNED, 10)]
