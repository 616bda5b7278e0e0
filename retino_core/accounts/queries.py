"""Read-only questions about an account: its active members, usage per month (what the app stores bill on)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from retino_core.accounts.models import Account, Membership
from retino_core.db import MAXIMUM_ID, is_postgresql

#: Billing months follow the shops' time zone (all supported countries share CET/CEST).
BILLING_TIME_ZONE = "Europe/Prague"


def active_membership(session: Session, *, account_id: int, user_id: int) -> Membership | None:
    """The user's active membership of the account; None for anyone else, including ids no row can have."""
    if not 0 < user_id <= MAXIMUM_ID:
        return None
    return session.scalar(
        Membership.select_for_account(account_id).where(Membership.user_id == user_id, Membership.is_active)
    )


@dataclass(frozen=True)
class MonthlyUsage:
    #: "YYYY-MM"
    month: str
    cases_created: int


def monthly_case_usage(session: Session, *, account: Account) -> list[MonthlyUsage]:
    """Cases created per calendar month (in ``BILLING_TIME_ZONE``), newest month first; empty months omitted."""
    from retino_core.cases.models import Case

    if is_postgresql(session):
        month = func.to_char(func.timezone(BILLING_TIME_ZONE, Case.created_at), "YYYY-MM")
        rows = session.execute(
            select(month.label("month"), func.count().label("cases"))
            .where(Case.account_id == account.id)
            .group_by(month)
            .order_by(month.desc())
        ).all()
        return [MonthlyUsage(month=row.month, cases_created=row.cases) for row in rows]
    # SQLite has no time zones: the embedded default groups the (few) timestamps here.
    zone = ZoneInfo(BILLING_TIME_ZONE)
    counts = Counter(
        created_at.astimezone(zone).strftime("%Y-%m")
        for created_at in session.scalars(select(Case.created_at).where(Case.account_id == account.id))
    )
    return [MonthlyUsage(month=month, cases_created=counts[month]) for month in sorted(counts, reverse=True)]
