"""Cases to rate: an account and a factory of (closed or open) complaints without an order."""

from datetime import UTC, datetime

import pytest

from retino_core.accounts.actor import Actor
from retino_core.cases.actions import close_case, open_case
from retino_core.cases.models import CaseOrigin
from retino_core.ratings.models import Rating

SYSTEM = Actor.system()


@pytest.fixture
def account(make_account):
    return make_account(name="Obchod s hrnky", country="CZ")


@pytest.fixture
def make_case(session):
    def factory(account, *, closed=True, email="jana@example.test"):
        case = open_case(
            session,
            account=account,
            actor=SYSTEM,
            payload={
                "case_type": "complaint",
                "customer_email": email,
                "customer_name": "Jana Kupcová",
                "items": [{"name": "Hrnek", "quantity": "1", "reason": "defect"}],
                "notify_customer": False,
            },
            origin=CaseOrigin.storefront,
        )
        if closed:
            close_case(session, account=account, actor=SYSTEM, case=case, status="rejected", notify_customer=False)
        session.flush()
        return case

    return factory


@pytest.fixture
def add_ratings(session, make_case):
    """``add_ratings(account, [5, 5, 3], at=...)``: one closed case and one rating per score, created at ``at``."""

    def factory(account, scores, *, at=datetime(2026, 5, 10, 12, 0, tzinfo=UTC)):
        for score in scores:
            case = make_case(account)
            session.add(Rating(account_id=account.id, case_id=case.id, score=score, language="cs", created_at=at))
        session.flush()

    return factory
