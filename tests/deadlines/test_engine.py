from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from retino_core.case_types.models import CaseKind
from retino_core.deadlines.engine import compute_deadlines, due_date, rules_in_force
from retino_core.deadlines.rules import LEGAL_RULES, Consequence, DayCount, DeadlineKind

# A Monday; 10:00 in Prague (CET). Summer time starts on 30 March 2025.
LODGED = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
DELIVERED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
# End of a due day: 23:59:59 local, i.e. 22:59:59 UTC in winter and 21:59:59 UTC in summer.
MAR_15 = datetime(2025, 3, 15, 22, 59, 59, tzinfo=UTC)
MAR_17 = datetime(2025, 3, 17, 22, 59, 59, tzinfo=UTC)
MAR_24 = datetime(2025, 3, 24, 22, 59, 59, tzinfo=UTC)
APR_09 = datetime(2025, 4, 9, 21, 59, 59, tzinfo=UTC)

WITHDRAWAL = [
    (DeadlineKind.withdrawal_window, MAR_15, "eu.withdrawal.withdrawal_window", 1),
    (DeadlineKind.refund, MAR_24, "eu.withdrawal.refund", 1),
]


def _compute(country, case_kind, **overrides):
    arguments = {
        "country": country,
        "case_kind": case_kind,
        "lodged_at": LODGED,
        "delivered_at": DELIVERED,
        "policy_window_days": None,
        "handling_target_days": None,
        "reasonable_period_days": 14,
    }
    arguments.update(overrides)
    return compute_deadlines(**arguments)


def _summary(specs):
    return [(spec.kind, spec.due_at, spec.rule_code, spec.rule_version) for spec in specs]


@pytest.mark.parametrize(
    ("country", "case_kind", "expected"),
    [
        ("CZ", CaseKind.complaint, [(DeadlineKind.resolve, APR_09, "cz.complaint.resolve", 2)]),
        ("SK", CaseKind.complaint, [(DeadlineKind.resolve, APR_09, "sk.complaint.resolve", 2)]),
        ("PL", CaseKind.complaint, [(DeadlineKind.resolve, MAR_24, "pl.complaint.resolve", 2)]),
        (
            "HU",
            CaseKind.complaint,
            [
                (DeadlineKind.first_response, MAR_17, "hu.complaint.first_response", 1),
                (DeadlineKind.resolve, APR_09, "hu.complaint.resolve", 1),
            ],
        ),
        ("DE", CaseKind.complaint, [(DeadlineKind.resolve, MAR_24, "de.complaint.resolve", 1)]),
        ("AT", CaseKind.complaint, []),
        ("CZ", CaseKind.withdrawal, WITHDRAWAL),
        ("SK", CaseKind.withdrawal, WITHDRAWAL),
        ("PL", CaseKind.withdrawal, WITHDRAWAL),
        ("HU", CaseKind.withdrawal, WITHDRAWAL),
        ("DE", CaseKind.withdrawal, WITHDRAWAL),
        ("AT", CaseKind.withdrawal, WITHDRAWAL),
        ("CZ", CaseKind.return_, []),
        ("CZ", CaseKind.warranty, []),
        ("PL", CaseKind.warranty, []),
        ("HU", CaseKind.custom, []),
        ("DE", CaseKind.custom, []),
    ],
)
def test_statutory_deadlines_per_country_and_kind(country, case_kind, expected):
    # given / when
    specs = _compute(country, case_kind)
    # then
    assert _summary(specs) == expected


@pytest.mark.parametrize(
    ("country", "consequence", "is_extendable"),
    [
        ("CZ", Consequence.consumer_may_withdraw, True),
        ("SK", Consequence.consumer_may_withdraw, False),
        ("PL", Consequence.deemed_accepted, False),
        ("HU", Consequence.none, False),
        ("DE", Consequence.consumer_may_withdraw, True),
    ],
)
def test_complaint_resolution_carries_its_consequence_and_extendability(country, consequence, is_extendable):
    # given / when
    specs = _compute(country, CaseKind.complaint)
    # then
    resolve = next(spec for spec in specs if spec.kind is DeadlineKind.resolve)
    assert (resolve.consequence, resolve.is_extendable) == (consequence, is_extendable)


@pytest.mark.parametrize(
    ("country", "lodged_at", "due_at", "version"),
    [
        # The day before a change keeps the old version; the day of the change takes the new one.
        ("CZ", datetime(2023, 1, 5, 10, tzinfo=UTC), datetime(2023, 2, 4, 22, 59, 59, tzinfo=UTC), 1),
        ("CZ", datetime(2023, 1, 6, 10, tzinfo=UTC), datetime(2023, 2, 5, 22, 59, 59, tzinfo=UTC), 2),
        ("SK", datetime(2024, 6, 30, 10, tzinfo=UTC), datetime(2024, 7, 30, 21, 59, 59, tzinfo=UTC), 1),
        ("SK", datetime(2024, 7, 1, 10, tzinfo=UTC), datetime(2024, 7, 31, 21, 59, 59, tzinfo=UTC), 2),
        # 22:30 UTC on 30 June is already 1 July in Bratislava: the local day decides.
        ("SK", datetime(2024, 6, 30, 22, 30, tzinfo=UTC), datetime(2024, 7, 31, 21, 59, 59, tzinfo=UTC), 2),
        ("PL", datetime(2022, 12, 31, 10, tzinfo=UTC), datetime(2023, 1, 30, 22, 59, 59, tzinfo=UTC), 1),
        ("PL", datetime(2023, 1, 1, 10, tzinfo=UTC), datetime(2023, 1, 15, 22, 59, 59, tzinfo=UTC), 2),
    ],
)
def test_rule_version_in_force_on_the_lodging_day_is_used(country, lodged_at, due_at, version):
    # given / when
    specs = _compute(country, CaseKind.complaint, lodged_at=lodged_at)
    # then
    assert [(spec.due_at, spec.rule_version) for spec in specs] == [(due_at, version)]


def test_case_lodged_before_the_first_rule_version_gets_no_statutory_deadline():
    # given / when
    specs = _compute("CZ", CaseKind.complaint, lodged_at=datetime(2013, 12, 31, 10, tzinfo=UTC))
    # then
    assert specs == []


@pytest.mark.parametrize(
    ("lodged_at", "due_at"),
    [
        # Wed 23 Oct 2024 is a national holiday, then a weekend; summer time ends on 27 Oct.
        (datetime(2024, 10, 21, 8, tzinfo=UTC), datetime(2024, 10, 29, 22, 59, 59, tzinfo=UTC)),
        # Good Friday, the Easter weekend and Easter Monday 2025 are skipped.
        (datetime(2025, 4, 17, 8, tzinfo=UTC), datetime(2025, 4, 28, 21, 59, 59, tzinfo=UTC)),
        # Saturday 3 Aug 2024 is a Hungarian working Saturday (it pays for Mon 19 Aug off).
        (datetime(2024, 7, 29, 8, tzinfo=UTC), datetime(2024, 8, 3, 21, 59, 59, tzinfo=UTC)),
    ],
)
def test_hungarian_first_response_counts_working_days(lodged_at, due_at):
    # given / when
    specs = _compute("HU", CaseKind.complaint, lodged_at=lodged_at)
    # then
    first = next(spec for spec in specs if spec.kind is DeadlineKind.first_response)
    assert first.due_at == due_at


def test_working_days_skip_a_weekend_and_a_holiday():
    # given: Friday 14 March 2025; Saturday 15 March is also the national day
    start = date(2025, 3, 14)
    # when
    due = due_date(start, 5, DayCount.working, "HU")
    # then
    assert due == date(2025, 3, 21)


def test_german_complaint_uses_the_merchants_reasonable_period():
    # given / when
    specs = _compute("DE", CaseKind.complaint, reasonable_period_days=21)
    # then
    assert _summary(specs) == [
        (DeadlineKind.resolve, datetime(2025, 3, 31, 21, 59, 59, tzinfo=UTC), "de.complaint.resolve", 1)
    ]
    assert (
        specs[0].source == "BGB § 475(5): cure within a reasonable period (the merchant's reasonable period: 21 days)"
    )


def test_german_rule_is_marked_configurable_rather_than_fixed():
    # given / when
    [rule] = rules_in_force(country="DE", case_kind=CaseKind.complaint, on=date(2025, 3, 10))
    # then
    assert (rule.days, rule.is_configurable) == (None, True)


def test_german_complaint_without_a_reasonable_period_gets_no_deadline():
    # given / when
    specs = _compute("DE", CaseKind.complaint, reasonable_period_days=None)
    # then
    assert specs == []


def test_withdrawal_without_delivery_time_skips_only_the_window():
    # given / when
    specs = _compute("CZ", CaseKind.withdrawal, delivered_at=None)
    # then
    assert _summary(specs) == [(DeadlineKind.refund, MAR_24, "eu.withdrawal.refund", 1)]


def test_merchant_policy_window_and_handling_target_are_added():
    # given / when
    specs = _compute("CZ", CaseKind.return_, policy_window_days=30, handling_target_days=10)
    # then
    assert _summary(specs) == [
        (DeadlineKind.handling_target, datetime(2025, 3, 20, 22, 59, 59, tzinfo=UTC), "merchant.handling_target", 1),
        (DeadlineKind.policy_window, datetime(2025, 3, 31, 21, 59, 59, tzinfo=UTC), "merchant.policy_window", 1),
    ]
    assert [(spec.consequence, spec.is_extendable) for spec in specs] == [
        (Consequence.none, True),
        (Consequence.window_closes, True),
    ]


def test_policy_window_needs_the_delivery_time():
    # given / when
    specs = _compute("CZ", CaseKind.custom, delivered_at=None, policy_window_days=14, handling_target_days=5)
    # then
    assert _summary(specs) == [
        (DeadlineKind.handling_target, datetime(2025, 3, 15, 22, 59, 59, tzinfo=UTC), "merchant.handling_target", 1)
    ]


def test_days_are_counted_from_the_local_lodging_day():
    # given: 23:30 UTC on 9 March is 00:30 on 10 March in Prague
    lodged_at = datetime(2025, 3, 9, 23, 30, tzinfo=UTC)
    # when
    specs = _compute("CZ", CaseKind.complaint, lodged_at=lodged_at)
    # then
    assert [spec.due_at for spec in specs] == [APR_09]


def test_national_rule_takes_precedence_over_the_eu_rule():
    # given: a hypothetical Czech refund rule of 10 days next to the EU one
    eu_refund = next(rule for rule in LEGAL_RULES if rule.code == "eu.withdrawal.refund")
    czech_refund = replace(eu_refund, code="cz.withdrawal.refund", country="CZ", days=10)
    # when
    czech = _compute("CZ", CaseKind.withdrawal, rules=(*LEGAL_RULES, czech_refund))
    slovak = _compute("SK", CaseKind.withdrawal, rules=(*LEGAL_RULES, czech_refund))
    # then
    assert _summary(czech) == [
        (DeadlineKind.withdrawal_window, MAR_15, "eu.withdrawal.withdrawal_window", 1),
        (DeadlineKind.refund, datetime(2025, 3, 20, 22, 59, 59, tzinfo=UTC), "cz.withdrawal.refund", 1),
    ]
    assert _summary(slovak) == WITHDRAWAL


def test_eu_rules_do_not_apply_outside_the_served_countries():
    # given / when
    specs = _compute("FR", CaseKind.withdrawal)
    # then
    assert specs == []
