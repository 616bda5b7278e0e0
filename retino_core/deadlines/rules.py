"""The law as effective-dated data: one frozen record per version of a statutory deadline.

A rule applies to cases of one kind in one country ("EU" means every member state we serve)
that were lodged on a day in ``[valid_from, valid_to)``. When the law changes, the current
version gets a ``valid_to`` and a new version with the next number starts on the same day, so a
case keeps the clock it started with and records which version that was.

Contents follow docs ``platforms.md`` §6. Not verified against primary text: the CZ section
number after 2023, and the start dates of the first HU versions (taken as the day the 2014
consumer-rights package applied). The first version of each rule is where our data starts, not
necessarily when the duty was first enacted; cases lodged before it get no statutory deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from itertools import pairwise

from retino_core.case_types.models import CaseKind

#: The member states we serve; a rule for "EU" applies in each of them.
SERVED_COUNTRIES: tuple[str, ...] = ("CZ", "SK", "PL", "HU", "DE", "AT")
EU = "EU"


class DeadlineKind(Enum):
    #: The merchant must settle (decide and carry out) the complaint.
    resolve = "resolve"
    #: The merchant must give a first position, before the full answer.
    first_response = "first_response"
    #: The consumer may withdraw from a distance sale until this runs out.
    withdrawal_window = "withdrawal_window"
    #: The merchant must refund the consumer after a withdrawal.
    refund = "refund"
    #: The shop's own policy accepts cases of this type until this runs out (merchant setting).
    policy_window = "policy_window"
    #: The merchant's own target for handling the case (merchant setting).
    handling_target = "handling_target"


class Anchor(Enum):
    #: The day the complaint or withdrawal was lodged (``Case.lodged_at``).
    lodged = "lodged"
    #: The day the goods reached the consumer (``Order.delivered_at``).
    delivered = "delivered"


class DayCount(Enum):
    calendar = "calendar"
    #: Skips weekends and the country's public holidays (and counts its working Saturdays).
    working = "working"


class Consequence(Enum):
    #: A missed deadline means the complaint counts as accepted (PL).
    deemed_accepted = "deemed_accepted"
    #: A missed deadline lets the consumer withdraw from the contract and get a refund.
    consumer_may_withdraw = "consumer_may_withdraw"
    #: When it runs out the right (or the shop's offer) ends; nothing is owed by the merchant.
    window_closes = "window_closes"
    #: No consequence fixed by the rule itself (fines, damages or a merchant target).
    none = "none"


@dataclass(frozen=True)
class LegalRule:
    #: Stable identifier: ``<country>.<case kind>.<deadline kind>``, e.g. "cz.complaint.resolve".
    code: str
    #: Starts at 1 and grows by one with every change of the law behind ``code``.
    version: int
    #: ISO country code, or "EU" for every served member state.
    country: str
    case_kind: CaseKind
    deadline_kind: DeadlineKind
    anchor: Anchor
    #: The length of the period; ``None`` means configurable: the merchant's reasonable period
    #: (``Account.reasonable_period_days``), where the law names no number.
    days: int | None
    day_count: DayCount
    #: First lodging day this version governs.
    valid_from: date
    #: First lodging day this version no longer governs (exclusive); ``None`` while in force.
    valid_to: date | None
    #: Whether the merchant may move the due date later (by agreement or as the law allows).
    is_extendable: bool
    consequence: Consequence
    source: str

    @property
    def is_configurable(self) -> bool:
        return self.days is None

    def is_in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


LEGAL_RULES: tuple[LegalRule, ...] = (
    LegalRule(
        code="cz.complaint.resolve",
        version=1,
        country="CZ",
        case_kind=CaseKind.complaint,
        deadline_kind=DeadlineKind.resolve,
        anchor=Anchor.lodged,
        days=30,
        day_count=DayCount.calendar,
        valid_from=date(2014, 1, 1),
        valid_to=date(2023, 1, 6),
        is_extendable=True,
        consequence=Consequence.consumer_may_withdraw,
        source="zákon 634/1992 Sb., o ochraně spotřebitele, § 19(3): 30 days unless a longer period is agreed",
    ),
    LegalRule(
        code="cz.complaint.resolve",
        version=2,
        country="CZ",
        case_kind=CaseKind.complaint,
        deadline_kind=DeadlineKind.resolve,
        anchor=Anchor.lodged,
        days=30,
        day_count=DayCount.calendar,
        valid_from=date(2023, 1, 6),
        valid_to=None,
        is_extendable=True,
        consequence=Consequence.consumer_may_withdraw,
        source="zákon 89/2012 Sb., občanský zákoník, § 2173 as amended by zákon 374/2022 Sb.: "
        "30 days unless a longer period is agreed",
    ),
    LegalRule(
        code="sk.complaint.resolve",
        version=1,
        country="SK",
        case_kind=CaseKind.complaint,
        deadline_kind=DeadlineKind.resolve,
        anchor=Anchor.lodged,
        days=30,
        day_count=DayCount.calendar,
        valid_from=date(2007, 7, 1),
        valid_to=date(2024, 7, 1),
        is_extendable=False,
        consequence=Consequence.consumer_may_withdraw,
        source="zákon 250/2007 Z. z., o ochrane spotrebiteľa, § 18(4)",
    ),
    LegalRule(
        code="sk.complaint.resolve",
        version=2,
        country="SK",
        case_kind=CaseKind.complaint,
        deadline_kind=DeadlineKind.resolve,
        anchor=Anchor.lodged,
        days=30,
        day_count=DayCount.calendar,
        valid_from=date(2024, 7, 1),
        valid_to=None,
        is_extendable=False,
        consequence=Consequence.consumer_may_withdraw,
        source="zákon 108/2024 Z. z., o ochrane spotrebiteľa: 30 days, cannot be extended",
    ),
    LegalRule(
        code="pl.complaint.resolve",
        version=1,
        country="PL",
        case_kind=CaseKind.complaint,
        deadline_kind=DeadlineKind.resolve,
        anchor=Anchor.lodged,
        days=30,
        day_count=DayCount.calendar,
        valid_from=date(2017, 1, 10),
        valid_to=date(2023, 1, 1),
        is_extendable=False,
        consequence=Consequence.deemed_accepted,
        source="ustawa z 30 maja 2014 r. o prawach konsumenta, art. 7a ust. 1–2 "
        "(added by ustawa z 23 września 2016 r.): 30 days, otherwise deemed accepted",
    ),
    LegalRule(
        code="pl.complaint.resolve",
        version=2,
        country="PL",
        case_kind=CaseKind.complaint,
        deadline_kind=DeadlineKind.resolve,
        anchor=Anchor.lodged,
        days=14,
        day_count=DayCount.calendar,
        valid_from=date(2023, 1, 1),
        valid_to=None,
        is_extendable=False,
        consequence=Consequence.deemed_accepted,
        source="ustawa z 30 maja 2014 r. o prawach konsumenta, art. 7a ust. 1–2: 14 days, otherwise deemed accepted",
    ),
    LegalRule(
        code="hu.complaint.first_response",
        version=1,
        country="HU",
        case_kind=CaseKind.complaint,
        deadline_kind=DeadlineKind.first_response,
        anchor=Anchor.lodged,
        days=5,
        day_count=DayCount.working,
        valid_from=date(2014, 6, 13),
        valid_to=None,
        is_extendable=False,
        consequence=Consequence.none,
        source="19/2014. (IV. 29.) NGM rendelet § 4(5): position within 5 working days",
    ),
    LegalRule(
        code="hu.complaint.resolve",
        version=1,
        country="HU",
        case_kind=CaseKind.complaint,
        deadline_kind=DeadlineKind.resolve,
        anchor=Anchor.lodged,
        days=30,
        day_count=DayCount.calendar,
        valid_from=date(2014, 6, 13),
        valid_to=None,
        is_extendable=False,
        consequence=Consequence.none,
        source="1997. évi CLV. törvény (Fgytv.) § 17/A: reasoned written answer within 30 days",
    ),
    LegalRule(
        code="de.complaint.resolve",
        version=1,
        country="DE",
        case_kind=CaseKind.complaint,
        deadline_kind=DeadlineKind.resolve,
        anchor=Anchor.lodged,
        days=None,
        day_count=DayCount.calendar,
        valid_from=date(2022, 1, 1),
        valid_to=None,
        is_extendable=True,
        consequence=Consequence.consumer_may_withdraw,
        source="BGB § 475(5): cure within a reasonable period",
    ),
    LegalRule(
        code="eu.withdrawal.withdrawal_window",
        version=1,
        country=EU,
        case_kind=CaseKind.withdrawal,
        deadline_kind=DeadlineKind.withdrawal_window,
        anchor=Anchor.delivered,
        days=14,
        day_count=DayCount.calendar,
        valid_from=date(2014, 6, 13),
        valid_to=None,
        is_extendable=False,
        consequence=Consequence.window_closes,
        source="Directive 2011/83/EU Art. 9 (CZ NOZ § 1829; PL u.p.k. art. 27; HU 45/2014 Korm. r. § 20; "
        "DE BGB §§ 355(2), 356(2)): 14 days from receipt of the goods",
    ),
    LegalRule(
        code="eu.withdrawal.refund",
        version=1,
        country=EU,
        case_kind=CaseKind.withdrawal,
        deadline_kind=DeadlineKind.refund,
        anchor=Anchor.lodged,
        days=14,
        day_count=DayCount.calendar,
        valid_from=date(2014, 6, 13),
        valid_to=None,
        # Art. 13(3): the trader may withhold the refund until the goods or proof of dispatch arrive.
        is_extendable=True,
        consequence=Consequence.none,
        source="Directive 2011/83/EU Art. 13(1), 13(3) (CZ NOZ § 1831; PL u.p.k. art. 32; HU 45/2014 Korm. r. § 23; "
        "DE BGB § 357(1), (4)): refund within 14 days of the withdrawal",
    ),
)


def check_rules(rules: tuple[LegalRule, ...]) -> None:
    """Raise ``ValueError`` unless the rule set is coherent.

    Codes must spell country, case kind and deadline kind; a code's versions must be numbered
    1, 2, ... in date order, each ending exactly where the next begins.
    """
    by_code: dict[str, list[LegalRule]] = {}
    for rule in rules:
        expected = f"{rule.country.lower()}.{rule.case_kind.value}.{rule.deadline_kind.value}"
        if rule.code != expected:
            raise ValueError(f"rule {rule.code!r} should be coded {expected!r}")
        if rule.country != EU and rule.country not in SERVED_COUNTRIES:
            raise ValueError(f"rule {rule.code!r} is for a country we do not serve")
        if rule.days is not None and rule.days < 0:
            raise ValueError(f"rule {rule.code!r} has a negative length")
        if rule.valid_to is not None and rule.valid_to <= rule.valid_from:
            raise ValueError(f"rule {rule.code!r} v{rule.version} ends before it starts")
        by_code.setdefault(rule.code, []).append(rule)
    for code, versions in by_code.items():
        versions.sort(key=lambda rule: rule.valid_from)
        if [rule.version for rule in versions] != list(range(1, len(versions) + 1)):
            raise ValueError(f"rule {code!r} versions are not numbered 1.. in date order")
        for earlier, later in pairwise(versions):
            if earlier.valid_to != later.valid_from:
                raise ValueError(f"rule {code!r} v{earlier.version} does not end where v{later.version} starts")
