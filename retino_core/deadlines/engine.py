"""Turns a case's facts into due dates: a pure function over the rule data, no database.

Days are counted in the case country's local time. A period of N days ends on the Nth day after
the anchor day (the anchor day itself is not counted), and the deadline runs out at the end of
that day: ``due_at`` is 23:59:59 local time on the due day, converted to aware UTC. A deadline is
overdue once ``now > due_at``.

A calendar period that ends on a weekend or holiday is not moved to the next working day,
although several civil codes allow it (CZ NOZ § 607, DE BGB § 193, PL KC art. 115): the earlier
date is always the safe one for the merchant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from retino_core.case_types.models import CaseKind
from retino_core.clock import as_utc
from retino_core.deadlines.rules import (
    EU,
    LEGAL_RULES,
    SERVED_COUNTRIES,
    Anchor,
    Consequence,
    DayCount,
    DeadlineKind,
    LegalRule,
)

COUNTRY_TIMEZONES: dict[str, str] = {
    "CZ": "Europe/Prague",
    "SK": "Europe/Bratislava",
    "PL": "Europe/Warsaw",
    "HU": "Europe/Budapest",
    "DE": "Europe/Berlin",
    "AT": "Europe/Vienna",
}

#: Rule codes and version of the deadlines that come from the case type's settings, not the law.
POLICY_WINDOW_CODE = "merchant.policy_window"
HANDLING_TARGET_CODE = "merchant.handling_target"
MERCHANT_RULE_VERSION = 1

END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class DeadlineSpec:
    kind: DeadlineKind
    #: Aware UTC: the end of the due day in the country's local time.
    due_at: datetime
    rule_code: str
    rule_version: int
    consequence: Consequence
    is_extendable: bool
    source: str


def country_zone(country: str) -> ZoneInfo:
    """The country's time zone; UTC for a country we do not serve."""
    return ZoneInfo(COUNTRY_TIMEZONES.get(country.upper(), "UTC"))


def local_date(moment: datetime, country: str) -> date:
    return as_utc(moment).astimezone(country_zone(country)).date()


def rules_in_force(
    *, country: str, case_kind: CaseKind, on: date, rules: tuple[LegalRule, ...] = LEGAL_RULES
) -> list[LegalRule]:
    """The rule versions governing a case of ``case_kind`` in ``country`` lodged ``on`` that day.

    EU-wide rules apply in the served countries; a country's own rule for the same deadline kind
    takes precedence over the EU one.
    """
    country = country.upper()
    in_force = [rule for rule in rules if rule.case_kind is case_kind and rule.is_in_force_on(on)]
    national = {rule.deadline_kind: rule for rule in in_force if rule.country == country}
    chosen = dict(national)
    if country in SERVED_COUNTRIES:
        for rule in in_force:
            if rule.country == EU and rule.deadline_kind not in national:
                chosen[rule.deadline_kind] = rule
    return [chosen[kind] for kind in DeadlineKind if kind in chosen]


def due_date(start: date, days: int, day_count: DayCount, country: str) -> date:
    """The last day of a period of ``days`` counted from the day after ``start``.

    Working days come from the ``holidays`` package: weekends and public holidays are skipped
    and a country's working Saturdays (HU moves days off around holidays) count as working days.
    """
    if days < 0:
        raise ValueError("a period cannot be negative")
    if day_count is DayCount.calendar or days == 0:
        return start + timedelta(days=days)
    return holidays.country_holidays(country.upper()).get_nth_working_day(start, days)


def end_of_day(day: date, country: str) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=country_zone(country)).astimezone(UTC)


def compute_deadlines(
    *,
    country: str,
    case_kind: CaseKind,
    lodged_at: datetime,
    delivered_at: datetime | None,
    policy_window_days: int | None,
    handling_target_days: int | None,
    reasonable_period_days: int | None,
    rules: tuple[LegalRule, ...] = LEGAL_RULES,
) -> list[DeadlineSpec]:
    """Every deadline of a case, earliest first.

    The legal rules are the versions in force on the lodging day (local time), so a later change
    of the law never moves an existing case's clock. A configurable rule takes its length from
    ``reasonable_period_days``. On top come the merchant's own windows from the case type:
    ``policy_window_days`` after delivery and ``handling_target_days`` after lodging. A rule
    whose anchor is unknown (no ``delivered_at``) is skipped; the others still apply.
    """
    anchors: dict[Anchor, datetime | None] = {Anchor.lodged: lodged_at, Anchor.delivered: delivered_at}
    lodged_on = local_date(lodged_at, country)
    specs: list[DeadlineSpec] = []
    for rule in rules_in_force(country=country, case_kind=case_kind, on=lodged_on, rules=rules):
        anchor_at = anchors[rule.anchor]
        days = reasonable_period_days if rule.is_configurable else rule.days
        if anchor_at is None or days is None:
            continue
        source = rule.source
        if rule.is_configurable:
            source = f"{source} (the merchant's reasonable period: {days} days)"
        specs.append(
            DeadlineSpec(
                kind=rule.deadline_kind,
                due_at=_due_at(anchor_at, days, rule.day_count, country),
                rule_code=rule.code,
                rule_version=rule.version,
                consequence=rule.consequence,
                is_extendable=rule.is_extendable,
                source=source,
            )
        )
    if policy_window_days is not None and delivered_at is not None:
        specs.append(
            _merchant_spec(
                DeadlineKind.policy_window,
                POLICY_WINDOW_CODE,
                _due_at(delivered_at, policy_window_days, DayCount.calendar, country),
                Consequence.window_closes,
                f"Case type setting: cases accepted up to {policy_window_days} days after delivery",
            )
        )
    if handling_target_days is not None:
        specs.append(
            _merchant_spec(
                DeadlineKind.handling_target,
                HANDLING_TARGET_CODE,
                _due_at(lodged_at, handling_target_days, DayCount.calendar, country),
                Consequence.none,
                f"Case type setting: resolve within {handling_target_days} days of lodging",
            )
        )
    return sorted(specs, key=lambda spec: (spec.due_at, spec.kind.value))


def _due_at(anchor_at: datetime, days: int, day_count: DayCount, country: str) -> datetime:
    return end_of_day(due_date(local_date(anchor_at, country), days, day_count, country), country)


def _merchant_spec(
    kind: DeadlineKind, code: str, due_at: datetime, consequence: Consequence, source: str
) -> DeadlineSpec:
    return DeadlineSpec(
        kind=kind,
        due_at=due_at,
        rule_code=code,
        rule_version=MERCHANT_RULE_VERSION,
        consequence=consequence,
        is_extendable=True,
        source=source,
    )
