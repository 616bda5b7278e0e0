"""Rating a case: once per case, only after it is closed, only by the customer, with a score of 1 to 5."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from retino_core.accounts.actions import deactivate_account
from retino_core.accounts.actor import Actor
from retino_core.accounts.errors import AccountError
from retino_core.accounts.permissions import Role
from retino_core.cases.errors import CaseError
from retino_core.errors import ErrorKind
from retino_core.ratings.actions import rate_case
from retino_core.ratings.errors import RatingError, RatingErrorCode
from retino_core.ratings.models import Rating
from retino_core.ratings.queries import rating_of_case, rating_summary


def ratings_count(session):
    return session.scalar(select(func.count()).select_from(Rating))


def test_the_customer_rates_a_closed_case_once(session, account, make_case):
    case = make_case(account)
    customer = Actor.customer(case.customer_email)
    # when
    rating = rate_case(session, account=account, actor=customer, case=case, score=4, comment="  Rychlé, díky.\r\n")
    # then
    assert (rating.score, rating.comment, rating.language, rating.case_id) == (4, "Rychlé, díky.", "cs", case.id)
    assert rating_of_case(session, account_id=account.id, case_id=case.id) is rating
    assert [
        (entry.kind, entry.actor_label, entry.data) for entry in case.history if entry.kind == "rating_received"
    ] == [("rating_received", case.customer_email, {"rating_id": rating.id, "score": 4})]
    with pytest.raises(RatingError) as second:
        rate_case(session, account=account, actor=customer, case=case, score=5)
    assert (second.value.code, second.value.kind) == (RatingErrorCode.already_rated, ErrorKind.conflict)
    assert ratings_count(session) == 1


def test_an_open_case_cannot_be_rated(session, account, make_case):
    case = make_case(account, closed=False)
    with pytest.raises(RatingError) as refused:
        rate_case(session, account=account, actor=Actor.customer(case.customer_email), case=case, score=5)
    assert (refused.value.code, refused.value.kind) == (RatingErrorCode.case_not_closed, ErrorKind.conflict)
    assert refused.value.message == "You can rate the case once it is closed."
    assert ratings_count(session) == 0


@pytest.mark.parametrize("score", [0, 6, -1, "5", 4.5, None, True, "", "abc"])
def test_a_score_outside_1_to_5_is_refused(session, account, make_case, score):
    case = make_case(account)
    with pytest.raises(RatingError) as refused:
        rate_case(session, account=account, actor=Actor.customer(case.customer_email), case=case, score=score)
    assert refused.value.code is RatingErrorCode.invalid_input
    assert refused.value.field_errors == {"score": ["Choose a rating from 1 to 5."]}
    assert ratings_count(session) == 0


def test_a_comment_over_2000_characters_is_refused(session, account, make_case):
    case = make_case(account)
    actor = Actor.customer(case.customer_email)
    with pytest.raises(RatingError) as refused:
        rate_case(session, account=account, actor=actor, case=case, score=5, comment="x" * 2001)
    assert refused.value.field_errors == {"comment": ["The comment can have at most 2,000 characters."]}
    rating = rate_case(session, account=account, actor=actor, case=case, score=5, comment="x" * 2000)
    assert len(rating.comment) == 2000


def test_a_member_cannot_rate_for_the_customer(session, account, make_case, make_member):
    case = make_case(account)
    _, owner = make_member(account, Role.owner)
    with pytest.raises(RatingError) as refused:
        rate_case(session, account=account, actor=owner, case=case, score=5)
    assert refused.value.kind is ErrorKind.forbidden
    assert ratings_count(session) == 0


def test_another_accounts_case_is_not_found(session, account, make_account, make_case):
    other = make_account(name="Cizí")
    case = make_case(other)
    with pytest.raises(CaseError) as refused:
        rate_case(session, account=account, actor=Actor.customer(case.customer_email), case=case, score=5)
    assert refused.value.kind is ErrorKind.not_found


def test_a_deactivated_account_takes_no_rating(session, account, make_case, make_member):
    case = make_case(account)
    _, owner = make_member(account, Role.owner)
    deactivate_account(session, account=account, actor=owner)
    with pytest.raises(AccountError) as refused:
        rate_case(session, account=account, actor=Actor.customer(case.customer_email), case=case, score=5)
    assert refused.value.kind is ErrorKind.forbidden
    assert ratings_count(session) == 0


def test_rating_summary_counts_average_and_satisfied(session, account, add_ratings, make_account):
    add_ratings(account, [5, 4, 3, 1])
    add_ratings(make_account(name="Jiný"), [1])
    summary = rating_summary(session, account_id=account.id)
    assert (summary.count, str(summary.average), summary.satisfied) == (4, "3.25", 2)
    empty = rating_summary(session, account_id=account.id, ends_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert (empty.count, empty.average, empty.satisfied) == (0, None, 0)
