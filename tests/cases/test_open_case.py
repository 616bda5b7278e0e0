from decimal import Decimal

import pytest
from sqlalchemy import func, select

from retino_core.accounts.actor import Actor
from retino_core.accounts.errors import AccountError
from retino_core.accounts.permissions import Role
from retino_core.cases.actions import open_case
from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.cases.models import Case, CaseHistory, CaseItem, CaseOrigin, DecisionState, ReceptionState
from retino_core.errors import ErrorKind


def _payload(order, quantity="1", **overrides):
    payload = {
        "case_type": "complaint",
        "order_id": order.id,
        "items": [{"order_item_id": order.items[0].id, "quantity": quantity, "reason": "defect"}],
        "notify_customer": False,
    }
    payload.update(overrides)
    return payload


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_open_case_from_an_order_fills_everything_from_the_order(session, shop):
    # given
    account, owner, actor, channel, order = shop
    # when
    case = open_case(session, account=account, actor=actor, payload=_payload(order, "2"), origin=CaseOrigin.agent)
    # then
    assert case.number == "R00001"
    assert case.status.code == "new"
    assert case.customer_name == "Petr Dvořák"
    assert case.customer_email == "petr.dvorak@example.test"
    assert case.channel_id == channel.id
    assert case.currency == "CZK"
    assert case.country == "CZ"
    assert case.language == "cs"
    assert len(case.access_token) >= 32
    [item] = case.items
    assert item.name == "Tričko s potiskem"
    assert item.quantity == Decimal("2")
    assert item.unit_price_amount == Decimal("499.00")
    assert item.reception_state is ReceptionState.expected
    assert item.decision_state is DecisionState.pending
    [entry] = case.history
    assert entry.kind == "case_opened"
    assert entry.actor_user_id == owner.id
    assert entry.data == {"number": "R00001", "origin": "agent", "items": 1}


def test_numbers_are_per_prefix_and_per_account(session, shop, make_account, make_member, make_channel, make_order):
    account, _, actor, _, order = shop
    first = open_case(session, account=account, actor=actor, payload=_payload(order), origin=CaseOrigin.agent)
    second = open_case(
        session,
        account=account,
        actor=actor,
        payload=_payload(
            order,
            case_type="return",
            items=[{"order_item_id": order.items[0].id, "quantity": "1", "reason": "wrong_size"}],
        ),
        origin=CaseOrigin.storefront,
    )
    other_account = make_account()
    _, other_actor = make_member(other_account)
    other_order = make_order(make_channel(other_account))
    other = open_case(
        session, account=other_account, actor=other_actor, payload=_payload(other_order), origin=CaseOrigin.agent
    )
    assert [first.number, second.number, other.number] == ["R00001", "V00001", "R00001"]


def test_new_case_is_assigned_to_the_channel_consultant(session, shop, make_member):
    account, _, actor, channel, order = shop
    consultant, _ = make_member(account, Role.agent, full_name="Karel Konzultant")
    channel.default_consultant_id = consultant.id
    case = open_case(session, account=account, actor=actor, payload=_payload(order), origin=CaseOrigin.storefront)
    assert case.owner_id == consultant.id


def test_claiming_more_than_ordered_is_refused_and_nothing_is_stored(session, shop):
    # given
    account, _, actor, _, order = shop
    # when
    with pytest.raises(CaseError) as raised:
        open_case(session, account=account, actor=actor, payload=_payload(order, "3"), origin=CaseOrigin.agent)
    # then
    assert raised.value.code is CaseErrorCode.quantity_exceeds_order
    assert raised.value.render() == "You can claim at most 2 of Tričko s potiskem."
    session.rollback()
    assert _count(session, Case) == 0
    assert _count(session, CaseItem) == 0
    assert _count(session, CaseHistory) == 0


def test_claims_of_earlier_cases_reduce_what_is_left(session, shop):
    account, _, actor, _, order = shop
    open_case(session, account=account, actor=actor, payload=_payload(order, "1.5"), origin=CaseOrigin.agent)
    with pytest.raises(CaseError) as raised:
        open_case(session, account=account, actor=actor, payload=_payload(order, "1"), origin=CaseOrigin.agent)
    assert raised.value.render() == "You can claim at most 0.5 of Tričko s potiskem."


def test_a_cancelled_case_gives_its_quantity_back(session, shop):
    from retino_core.cases.actions import transition_case

    account, _, actor, _, order = shop
    first = open_case(session, account=account, actor=actor, payload=_payload(order, "2"), origin=CaseOrigin.agent)
    transition_case(session, account=account, actor=actor, case=first, to_status="cancelled")
    second = open_case(session, account=account, actor=actor, payload=_payload(order, "2"), origin=CaseOrigin.agent)
    assert second.items[0].quantity == Decimal("2")


def test_items_listed_twice_are_summed_against_the_order(session, shop):
    account, _, actor, _, order = shop
    line = order.items[0].id
    payload = _payload(
        order, items=[{"order_item_id": line, "quantity": "1"}, {"order_item_id": line, "quantity": "2"}]
    )
    with pytest.raises(CaseError) as raised:
        open_case(session, account=account, actor=actor, payload=payload, origin=CaseOrigin.agent)
    assert raised.value.code is CaseErrorCode.quantity_exceeds_order


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"items": []}, "items"),
        ({"case_type": ""}, "case_type"),
        ({"items": [{"quantity": "0", "name": "X"}]}, "items"),
        ({"items": [{"quantity": "1"}]}, "items"),
        ({"order_id": None, "customer_email": None}, "customer_email"),
        ({"customer_email": "not-an-email"}, "customer_email"),
        ({"language": "xx"}, "language"),
    ],
)
def test_invalid_input_names_the_field(session, shop, overrides, field):
    account, _, actor, _, order = shop
    with pytest.raises(CaseError) as raised:
        open_case(session, account=account, actor=actor, payload=_payload(order, **overrides), origin=CaseOrigin.agent)
    assert raised.value.code is CaseErrorCode.invalid_input
    assert raised.value.kind is ErrorKind.invalid
    assert list(raised.value.field_errors) == [field]


def test_unknown_case_type_is_not_found(session, shop):
    account, _, actor, _, order = shop
    with pytest.raises(CaseError) as raised:
        open_case(
            session, account=account, actor=actor, payload=_payload(order, case_type="nope"), origin=CaseOrigin.agent
        )
    assert raised.value.code is CaseErrorCode.case_type_not_found
    assert raised.value.kind is ErrorKind.not_found


def test_another_accounts_order_is_not_found(session, shop, make_account, make_channel, make_order):
    account, _, actor, _, _ = shop
    foreign_order = make_order(make_channel(make_account()))
    with pytest.raises(CaseError) as raised:
        open_case(session, account=account, actor=actor, payload=_payload(foreign_order), origin=CaseOrigin.agent)
    assert raised.value.code is CaseErrorCode.order_not_found
    assert raised.value.kind is ErrorKind.not_found


def test_an_item_of_another_order_is_not_found(session, shop, make_order):
    account, _, actor, channel, order = shop
    other_order = make_order(channel)
    payload = _payload(order, items=[{"order_item_id": other_order.items[0].id, "quantity": "1"}])
    with pytest.raises(CaseError) as raised:
        open_case(session, account=account, actor=actor, payload=payload, origin=CaseOrigin.agent)
    assert raised.value.code is CaseErrorCode.order_item_not_found


def test_owner_must_be_a_member(session, shop, make_account, make_member):
    account, _, actor, _, order = shop
    stranger, _ = make_member(make_account())
    with pytest.raises(CaseError) as raised:
        open_case(
            session,
            account=account,
            actor=actor,
            payload=_payload(order, owner_id=stranger.id),
            origin=CaseOrigin.agent,
        )
    assert raised.value.code is CaseErrorCode.owner_not_member


def test_viewer_cannot_open_a_case(session, shop, make_member):
    account, _, _, _, order = shop
    _, viewer = make_member(account, Role.viewer)
    with pytest.raises(AccountError) as raised:
        open_case(session, account=account, actor=viewer, payload=_payload(order), origin=CaseOrigin.agent)
    assert raised.value.kind is ErrorKind.forbidden
    session.rollback()
    assert _count(session, Case) == 0


def test_customer_may_open_a_case_without_an_order(session, shop):
    account, _, _, _, _ = shop
    payload = {
        "case_type": "return",
        "customer_name": "Zuzana Řeháková",
        "customer_email": "Zuzana@Example.test",
        "items": [{"name": "Šála", "quantity": "1", "unit_price": "250.00"}],
        "notify_customer": False,
    }
    case = open_case(
        session,
        account=account,
        actor=Actor.customer("zuzana@example.test"),
        payload=payload,
        origin=CaseOrigin.storefront,
    )
    assert case.customer_email == "zuzana@example.test"
    assert case.items[0].unit_price_amount == Decimal("250.00")
    assert case.channel_id is None
    assert case.history[0].actor_kind == "customer"
