import re
from dataclasses import replace
from datetime import date

import pytest

from retino_core.case_types.models import CaseKind
from retino_core.deadlines.rules import LEGAL_RULES, Anchor, DayCount, DeadlineKind, check_rules


def test_shipped_rules_are_coherent():
    # given / when / then
    check_rules(LEGAL_RULES)


def test_every_rule_version_is_listed():
    # given / when
    versions = sorted((rule.code, rule.version, rule.valid_from, rule.valid_to) for rule in LEGAL_RULES)
    # then
    assert versions == [
        ("cz.complaint.resolve", 1, date(2014, 1, 1), date(2023, 1, 6)),
        ("cz.complaint.resolve", 2, date(2023, 1, 6), None),
        ("de.complaint.resolve", 1, date(2022, 1, 1), None),
        ("eu.withdrawal.refund", 1, date(2014, 6, 13), None),
        ("eu.withdrawal.withdrawal_window", 1, date(2014, 6, 13), None),
        ("hu.complaint.first_response", 1, date(2014, 6, 13), None),
        ("hu.complaint.resolve", 1, date(2014, 6, 13), None),
        ("pl.complaint.resolve", 1, date(2017, 1, 10), date(2023, 1, 1)),
        ("pl.complaint.resolve", 2, date(2023, 1, 1), None),
        ("sk.complaint.resolve", 1, date(2007, 7, 1), date(2024, 7, 1)),
        ("sk.complaint.resolve", 2, date(2024, 7, 1), None),
    ]


def test_no_statutory_rule_for_warranty_or_custom_kinds():
    # given / when
    kinds = {rule.case_kind for rule in LEGAL_RULES}
    # then
    assert kinds == {CaseKind.complaint, CaseKind.withdrawal}


def test_withdrawal_window_runs_from_delivery_and_the_refund_from_lodging():
    # given / when
    anchors = {
        rule.deadline_kind: (rule.anchor, rule.days, rule.day_count) for rule in LEGAL_RULES if rule.country == "EU"
    }
    # then
    assert anchors == {
        DeadlineKind.withdrawal_window: (Anchor.delivered, 14, DayCount.calendar),
        DeadlineKind.refund: (Anchor.lodged, 14, DayCount.calendar),
    }


def test_rule_is_in_force_from_its_first_day_until_the_day_before_its_end():
    # given
    rule = next(rule for rule in LEGAL_RULES if rule.code == "sk.complaint.resolve" and rule.version == 1)
    # when / then
    assert [rule.is_in_force_on(day) for day in (date(2007, 6, 30), date(2007, 7, 1), date(2024, 6, 30))] == [
        False,
        True,
        True,
    ]
    assert rule.is_in_force_on(date(2024, 7, 1)) is False


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"valid_to": date(2023, 1, 5)}, "does not end where v2 starts"),
        ({"version": 3}, "versions are not numbered 1.. in date order"),
        ({"code": "cz.complaint.first_response"}, "should be coded 'cz.complaint.resolve'"),
        ({"days": -1}, "has a negative length"),
        ({"valid_to": date(2013, 1, 1)}, "ends before it starts"),
    ],
)
def test_incoherent_rules_are_rejected(change, message):
    # given
    first = next(rule for rule in LEGAL_RULES if rule.code == "cz.complaint.resolve" and rule.version == 1)
    rules = tuple(replace(rule, **change) if rule is first else rule for rule in LEGAL_RULES)
    # when / then
    with pytest.raises(ValueError, match=re.escape(message)):
        check_rules(rules)


def test_rule_for_a_country_we_do_not_serve_is_rejected():
    # given
    first = LEGAL_RULES[0]
    rules = (replace(first, code="fr.complaint.resolve", country="FR"),)
    # when / then
    with pytest.raises(ValueError, match="for a country we do not serve"):
        check_rules(rules)
