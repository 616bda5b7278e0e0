"""Statistics figures on a small hand-built data set: exact counts, medians, on-time share, certificate rule."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from retino_core.case_types.models import CaseStatus, CaseType
from retino_core.cases.models import CaseItem
from retino_core.cases.statistics import (
    CertificateStatus,
    OnTimeShare,
    Period,
    ReasonCount,
    cases_per_week,
    certificate_status,
    counts_by_status,
    median_duration,
    overdue_deadline_count,
    resolution_times,
    resolve_on_time_share,
    top_reasons,
)
from retino_core.deadlines.models import CaseDeadline
from retino_core.deadlines.rules import Consequence, DeadlineKind

NOW = datetime(2026, 3, 18, 10, 0, tzinfo=UTC)
#: Three ISO weeks: 2026-W10, W11 and W12.
PERIOD = Period(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 23, tzinfo=UTC))


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@dataclass
class Data:
    account: Any
    eshop: Any
    allegro: Any
    types: dict[str, int]


@pytest.fixture
def data(session, make_account, make_channel, make_case_row) -> Data:
    account = make_account(name="Obchod", country="CZ")
    eshop = make_channel(account, name="E-shop")
    allegro = make_channel(account, name="Allegro")
    types = {t.code: t.id for t in session.scalars(CaseType.select_for_account(account.id))}

    def status_id(type_code: str, code: str) -> int:
        return session.scalar(
            select(CaseStatus.id).where(CaseStatus.case_type_id == types[type_code], CaseStatus.code == code)
        )

    def add(type_code, *, lodged, closed=None, channel=None, status="new", reasons=(), resolve=None):
        case = make_case_row(
            account,
            type_code,
            lodged_at=lodged,
            closed_at=closed,
            channel_id=channel.id if channel else None,
            status_id=status_id(type_code, status),
        )
        for reason in reasons:
            session.add(
                CaseItem(
                    account_id=account.id,
                    case_id=case.id,
                    name="Tričko",
                    quantity=Decimal("1"),
                    currency="CZK",
                    reason=reason,
                )
            )
        if resolve is not None:
            due_at, met_at = resolve
            _deadline(session, case, due_at=due_at, met_at=met_at)
        session.flush()
        return case

    with time_machine.travel(NOW, tick=False):
        # W10: three complaints (one e-shop, two Allegro).
        add(
            "complaint",
            lodged=at("2026-03-02"),
            closed=at("2026-03-04"),
            channel=eshop,
            status="repaired",
            reasons=["defect"],
            resolve=(at("2026-04-01"), at("2026-03-04")),
        )
        add(
            "complaint",
            lodged=at("2026-03-03"),
            closed=at("2026-03-07"),
            channel=allegro,
            status="replaced",
            reasons=["defect", "wrong_size"],
            resolve=(at("2026-03-05"), at("2026-03-07")),
        )
        add(
            "complaint",
            lodged=at("2026-03-05"),
            closed=at("2026-03-11"),
            channel=allegro,
            status="repaired",
            reasons=["damaged_in_transit"],
            resolve=(at("2026-04-04"), None),
        )
        # W11: two returns (e-shop, no channel); no resolve deadline.
        add(
            "return",
            lodged=at("2026-03-10"),
            closed=at("2026-03-11"),
            channel=eshop,
            status="approved_refund",
            reasons=["wrong_size"],
        )
        add("return", lodged=at("2026-03-12"), closed=at("2026-03-15"), status="approved_refund")
        # W12: an open complaint without a channel, overdue; a return closed in 23 hours.
        add("complaint", lodged=at("2026-03-16"), reasons=[""], resolve=(at("2026-03-17"), None))
        add("return", lodged=at("2026-03-17"), closed=at("2026-03-18", 8), channel=eshop, status="approved_refund")
        # Lodged before the period, closed in it: resolution figures only; met exactly at the due time.
        add(
            "complaint",
            lodged=at("2026-02-20"),
            closed=at("2026-03-12"),
            channel=eshop,
            status="repaired",
            reasons=["defect"],
            resolve=(at("2026-03-12"), at("2026-03-12")),
        )
        # Closed before the period: nowhere.
        add(
            "complaint",
            lodged=at("2026-02-01"),
            closed=at("2026-02-10"),
            channel=eshop,
            status="repaired",
            reasons=["defect"],
            resolve=(at("2026-03-01"), at("2026-02-10")),
        )
        # Lodged long ago, still open and overdue on Allegro; an open case overdue but met; one due later.
        add("complaint", lodged=at("2026-01-10"), channel=allegro, resolve=(at("2026-02-10"), None))
        add("complaint", lodged=at("2026-01-11"), channel=allegro, resolve=(at("2026-02-10"), at("2026-02-01")))
        add("complaint", lodged=at("2026-01-12"), channel=allegro, resolve=(at("2026-04-10"), None))

        # Another account, busy in the same weeks: never counted.
        other = make_account(name="Cizí", country="CZ")
        other_channel = make_channel(other)
        for day in ("2026-03-03", "2026-03-10"):
            foreign = make_case_row(
                other, "complaint", lodged_at=at(day), closed_at=at("2026-03-14"), channel_id=other_channel.id
            )
            session.add(
                CaseItem(
                    account_id=other.id,
                    case_id=foreign.id,
                    name="X",
                    quantity=Decimal("1"),
                    currency="CZK",
                    reason="defect",
                )
            )
            _deadline(session, foreign, due_at=at("2026-03-04"), met_at=None)
        _deadline(
            session, make_case_row(other, "complaint", lodged_at=at("2026-03-01")), due_at=at("2026-03-04"), met_at=None
        )
        session.flush()
    return Data(account, eshop, allegro, types)


def _deadline(session, case, *, due_at, met_at):
    session.add(
        CaseDeadline(
            account_id=case.account_id,
            case_id=case.id,
            kind=DeadlineKind.resolve,
            due_at=due_at,
            computed_due_at=due_at,
            rule_code="cz.complaint.resolve",
            rule_version=2,
            consequence=Consequence.consumer_may_withdraw,
            is_extendable=True,
            met_at=met_at,
            source="test",
        )
    )


def test_cases_per_iso_week_by_type_and_by_channel(session, data):
    # when
    weekly = cases_per_week(session, account_id=data.account.id, period=PERIOD)
    # then
    assert [week.label for week in weekly.weeks] == ["2026-W10", "2026-W11", "2026-W12"]
    assert weekly.by_case_type == {data.types["complaint"]: [3, 0, 1], data.types["return"]: [0, 2, 1]}
    assert weekly.by_channel == {data.eshop.id: [1, 1, 1], data.allegro.id: [2, 0, 0], None: [0, 1, 1]}
    assert weekly.total == 7


def test_cases_per_week_for_one_channel(session, data):
    weekly = cases_per_week(session, account_id=data.account.id, period=PERIOD, channel_id=data.eshop.id)
    assert weekly.by_case_type == {data.types["complaint"]: [1, 0, 0], data.types["return"]: [0, 1, 1]}
    assert weekly.by_channel == {data.eshop.id: [1, 1, 1]}


def test_weeks_start_on_monday_in_the_merchants_time_zone(session, data, make_case_row):
    # given: Sunday 23:30 UTC is already Monday 00:30 in Prague
    make_case_row(data.account, "return", lodged_at=datetime(2026, 3, 8, 23, 30, tzinfo=UTC))
    prague = ZoneInfo("Europe/Prague")
    period = Period(datetime(2026, 3, 2, tzinfo=prague), datetime(2026, 3, 16, tzinfo=prague))
    # when
    in_prague = cases_per_week(session, account_id=data.account.id, period=period, zone=prague)
    in_utc = cases_per_week(session, account_id=data.account.id, period=period)
    # then
    assert [week.label for week in in_prague.weeks] == ["2026-W10", "2026-W11"]
    assert in_prague.by_case_type[data.types["return"]] == [0, 3]
    assert [week.label for week in in_utc.weeks] == ["2026-W09", "2026-W10", "2026-W11"]
    assert in_utc.by_case_type[data.types["return"]] == [0, 1, 2]


def test_partial_weeks_at_both_ends_are_labelled_by_their_iso_week():
    period = Period(datetime(2026, 12, 30, tzinfo=UTC), datetime(2027, 1, 5, tzinfo=UTC))
    weeks = period.weeks()
    assert [week.label for week in weeks] == ["2026-W53", "2027-W01"]
    assert [week.starts_at for week in weeks] == [period.starts_at, datetime(2027, 1, 4, tzinfo=UTC)]


def test_period_must_be_aware_and_not_empty():
    with pytest.raises(ValueError, match="aware"):
        Period(datetime(2026, 3, 2), datetime(2026, 3, 9))  # noqa: DTZ001 - naive on purpose
    with pytest.raises(ValueError, match="end after it starts"):
        Period(NOW, NOW)


def test_top_reasons_count_items_of_cases_lodged_in_the_period(session, data):
    reasons = top_reasons(session, account_id=data.account.id, period=PERIOD)
    assert reasons == [
        ReasonCount("defect", 2),
        ReasonCount("wrong_size", 2),
        ReasonCount("damaged_in_transit", 1),
    ]
    assert top_reasons(session, account_id=data.account.id, period=PERIOD, limit=1) == [ReasonCount("defect", 2)]
    assert top_reasons(session, account_id=data.account.id, period=PERIOD, channel_id=data.allegro.id) == [
        ReasonCount("damaged_in_transit", 1),
        ReasonCount("defect", 1),
        ReasonCount("wrong_size", 1),
    ]


def test_top_reasons_stop_at_ten(session, data, make_case_row):
    case = make_case_row(data.account, "return", lodged_at=at("2026-03-09"))
    for number in range(12):
        session.add(
            CaseItem(
                account_id=data.account.id,
                case_id=case.id,
                name="X",
                quantity=Decimal("1"),
                currency="CZK",
                reason=f"reason-{number:02d}",
            )
        )
    session.flush()
    assert len(top_reasons(session, account_id=data.account.id, period=PERIOD)) == 10


def test_median_resolution_per_type_and_overall(session, data):
    # when
    times = resolution_times(session, account_id=data.account.id, period=PERIOD)
    # then: complaints 2, 4, 6, 20 days (even: mean of the middle two); returns 23 h, 1 day, 3 days (odd)
    complaint = times.by_case_type[data.types["complaint"]]
    returns = times.by_case_type[data.types["return"]]
    assert (complaint.count, complaint.median) == (4, timedelta(days=5))
    assert (returns.count, returns.median) == (3, timedelta(days=1))
    assert times.overall is not None
    assert (times.overall.count, times.overall.median) == (7, timedelta(days=3))


def test_median_resolution_for_one_channel(session, data):
    times = resolution_times(session, account_id=data.account.id, period=PERIOD, channel_id=data.eshop.id)
    assert times.by_case_type[data.types["complaint"]].median == timedelta(days=11)
    assert times.by_case_type[data.types["return"]].median == timedelta(hours=23, minutes=30)


def test_no_closed_case_gives_no_median(session, data):
    quiet = Period(datetime(2025, 1, 6, tzinfo=UTC), datetime(2025, 2, 3, tzinfo=UTC))
    times = resolution_times(session, account_id=data.account.id, period=quiet)
    assert (times.by_case_type, times.overall) == ({}, None)


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        ([], None),
        ([5], 5),
        ([1, 9, 3], 3),
        ([1, 2, 3, 10], 2.5),
        ([4, 4], 4),
    ],
)
def test_median_duration(hours, expected):
    result = median_duration([timedelta(hours=h) for h in hours])
    assert result == (None if expected is None else timedelta(hours=expected))


def test_on_time_share_counts_met_late_and_unmet_but_skips_cases_without_a_deadline(session, data):
    # given: closed in the period with a resolve deadline: met early, met late, never met, met exactly at due
    # when
    share = resolve_on_time_share(session, account_id=data.account.id, period=PERIOD)
    # then
    assert share == OnTimeShare(on_time=2, total=4)
    assert (share.late, share.share) == (2, 0.5)
    assert resolve_on_time_share(
        session, account_id=data.account.id, period=PERIOD, channel_id=data.allegro.id
    ) == OnTimeShare(on_time=0, total=2)


def test_on_time_share_without_deadlines_has_no_share(session, data):
    share = resolve_on_time_share(session, account_id=data.account.id, period=PERIOD, channel_id=data.eshop.id)
    assert share == OnTimeShare(on_time=2, total=2)
    empty = resolve_on_time_share(
        session, account_id=data.account.id, period=Period(datetime(2025, 1, 6, tzinfo=UTC), NOW - timedelta(days=90))
    )
    assert (empty.total, empty.share) == (0, None)


def test_counts_by_status_of_cases_lodged_in_the_period(session, data):
    counts = counts_by_status(session, account_id=data.account.id, period=PERIOD)
    assert [(c.case_type_id, c.names["en"], c.count, c.is_closing) for c in counts] == [
        (data.types["return"], "Approved – refund", 3, True),
        (data.types["complaint"], "New", 1, False),
        (data.types["complaint"], "Repaired", 2, True),
        (data.types["complaint"], "Replaced", 1, True),
    ]


def test_overdue_deadlines_now_ignore_the_period_but_follow_the_channel(session, data):
    assert overdue_deadline_count(session, account_id=data.account.id, now=NOW) == 2
    assert overdue_deadline_count(session, account_id=data.account.id, now=NOW, channel_id=data.allegro.id) == 1
    assert overdue_deadline_count(session, account_id=data.account.id, now=NOW, channel_id=data.eshop.id) == 0


def test_another_accounts_channel_matches_nothing(session, data, make_account, make_channel):
    foreign = make_channel(make_account(name="Jiný"))
    account_id = data.account.id
    assert cases_per_week(session, account_id=account_id, period=PERIOD, channel_id=foreign.id).total == 0
    assert top_reasons(session, account_id=account_id, period=PERIOD, channel_id=foreign.id) == []
    assert resolve_on_time_share(session, account_id=account_id, period=PERIOD, channel_id=foreign.id).total == 0
    assert counts_by_status(session, account_id=account_id, period=PERIOD, channel_id=foreign.id) == []


@pytest.mark.parametrize(
    ("satisfied", "total", "previously_certified", "expected"),
    [
        (0, 0, False, CertificateStatus.not_enough_ratings),
        (9, 9, False, CertificateStatus.not_enough_ratings),
        (9, 9, True, CertificateStatus.not_enough_ratings),
        (9, 10, False, CertificateStatus.awarded),
        (8, 10, False, CertificateStatus.not_awarded),
        (89, 100, False, CertificateStatus.not_awarded),
        (90, 100, False, CertificateStatus.awarded),
        (100, 100, False, CertificateStatus.awarded),
        (89, 100, True, CertificateStatus.awarded),
        (85, 100, True, CertificateStatus.awarded),
        (84, 100, True, CertificateStatus.suspended),
        (17, 20, True, CertificateStatus.awarded),
        (16, 20, True, CertificateStatus.suspended),
        (0, 10, True, CertificateStatus.suspended),
        (0, 10, False, CertificateStatus.not_awarded),
    ],
)
def test_certificate_status(satisfied, total, previously_certified, expected):
    assert certificate_status(satisfied, total, previously_certified) is expected


@pytest.mark.parametrize(("satisfied", "total"), [(-1, 10), (11, 10), (0, -1)])
def test_certificate_status_refuses_impossible_counts(satisfied, total):
    with pytest.raises(ValueError, match="between 0 and the total"):
        certificate_status(satisfied, total, False)
