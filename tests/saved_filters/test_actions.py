"""Saved filters belong to one member in one account; only known filter keys are kept."""

import pytest
from sqlalchemy import func, select

from retino_core.accounts.actor import Actor
from retino_core.accounts.permissions import Role
from retino_core.errors import ErrorKind
from retino_core.saved_filters.actions import (
    MAX_FILTERS_PER_MEMBER,
    delete_filter,
    get_saved_filter,
    normalise_query,
    save_filter,
)
from retino_core.saved_filters.errors import SavedFilterError, SavedFilterErrorCode
from retino_core.saved_filters.models import SavedFilter
from retino_core.saved_filters.queries import filters_of


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(SavedFilter))


def test_normalise_keeps_known_keys_in_a_fixed_order_without_the_cursor():
    query = normalise_query(
        [("before", "x|1"), ("tag", "VIP"), ("q", " šála "), ("evil", "1"), ("type", ""), ("q", "2")]
    )
    assert query == "q=%C5%A1%C3%A1la&tag=VIP"


def test_save_and_list_only_the_members_own_filters(session, make_account, make_member):
    account = make_account()
    alice, alice_actor = make_member(account, Role.agent, email="alice@example.test")
    _, bob_actor = make_member(account, Role.viewer, email="bob@example.test")
    saved = save_filter(
        session, account=account, actor=alice_actor, name="Overdue PL", query="country=PL&deadline=overdue"
    )
    save_filter(session, account=account, actor=bob_actor, name="Mine", query="owner=1")
    session.commit()
    assert saved.query == "country=PL&deadline=overdue"
    assert [f.name for f in filters_of(session, account_id=account.id, user_id=alice.id)] == ["Overdue PL"]


def test_the_same_name_replaces_the_query(session, make_account, make_member):
    account = make_account()
    _, actor = make_member(account, Role.agent)
    first = save_filter(session, account=account, actor=actor, name="Mine", query="owner=1")
    second = save_filter(session, account=account, actor=actor, name="Mine", query="owner=2&open=1")
    assert second.id == first.id
    assert second.query == "owner=2&open=1"
    assert _count(session) == 1


@pytest.mark.parametrize(
    ("name", "query", "code"),
    [
        ("", "owner=1", SavedFilterErrorCode.invalid_input),
        ("x" * 81, "owner=1", SavedFilterErrorCode.invalid_input),
        ("Nothing", "", SavedFilterErrorCode.empty_filter),
        ("Only cursor", "before=2026-01-01|4&evil=1", SavedFilterErrorCode.empty_filter),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(session, make_account, make_member, name, query, code):
    account = make_account()
    _, actor = make_member(account, Role.agent)
    with pytest.raises(SavedFilterError) as refused:
        save_filter(session, account=account, actor=actor, name=name, query=query)
    assert refused.value.code is code
    assert refused.value.kind is ErrorKind.invalid
    assert _count(session) == 0


def test_a_member_may_keep_a_bounded_number(session, make_account, make_member):
    account = make_account()
    _, actor = make_member(account, Role.agent)
    for number in range(MAX_FILTERS_PER_MEMBER):
        save_filter(session, account=account, actor=actor, name=f"F{number}", query=f"q=abc{number}")
    with pytest.raises(SavedFilterError) as refused:
        save_filter(session, account=account, actor=actor, name="One more", query="q=abcd")
    assert refused.value.kind is ErrorKind.conflict
    assert _count(session) == MAX_FILTERS_PER_MEMBER


def test_another_members_or_accounts_filter_is_not_found(session, make_account, make_member):
    account, other = make_account(), make_account()
    _, alice = make_member(account, Role.agent, email="alice@example.test")
    _, bob = make_member(account, Role.owner, email="bob@example.test")
    _, stranger = make_member(other, Role.owner, email="stranger@example.test")
    saved = save_filter(session, account=account, actor=alice, name="Mine", query="owner=1")
    for actor, acting_account in ((bob, account), (stranger, other)):
        with pytest.raises(SavedFilterError) as refused:
            delete_filter(session, account=acting_account, actor=actor, filter_id=saved.id)
        assert refused.value.kind is ErrorKind.not_found
    assert get_saved_filter(session, account=account, actor=alice, filter_id=saved.id) is saved
    delete_filter(session, account=account, actor=alice, filter_id=saved.id)
    assert _count(session) == 0


def test_the_system_actor_has_no_filters(session, make_account):
    account = make_account()
    with pytest.raises(SavedFilterError) as refused:
        save_filter(session, account=account, actor=Actor.system(), name="X", query="owner=1")
    assert refused.value.kind is ErrorKind.forbidden
