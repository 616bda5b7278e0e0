from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from retino_core.money import Money
from retino_core.orders.actions import upsert_order
from retino_core.orders.errors import OrderError, OrderErrorCode
from retino_core.orders.models import Order, OrderItem
from retino_core.orders.queries import find_order_for_shopper, search_orders
from retino_core.platforms.interface import AddressSnapshot, OrderLineSnapshot, OrderSnapshot


def _snapshot(**overrides):
    values = {
        "external_id": "2019000057",
        "code": "2019000057",
        "customer_name": "Tomáš Černý",
        "customer_email": "Tomas.Cerny@Example.test",
        "currency": "CZK",
        "total": Money(Decimal("1297.00"), "CZK"),
        "ordered_at": datetime(2026, 11, 1, 10, 0, tzinfo=UTC),
        "lines": (
            OrderLineSnapshot("1", "Mikina", Decimal("1"), Money(Decimal("799.00"), "CZK"), Decimal("21")),
            OrderLineSnapshot("2", "Ponožky", Decimal("2"), Money(Decimal("249.00"), "CZK"), Decimal("21")),
        ),
        "shipping_address": AddressSnapshot(full_name="Tomáš Černý", city="Brno", country_code="CZ"),
    }
    values.update(overrides)
    return OrderSnapshot(**values)


def test_same_snapshot_twice_gives_one_order(session, make_account, make_channel):
    account = make_account()
    channel = make_channel(account)
    first = upsert_order(session, account=account, channel=channel, snapshot=_snapshot())
    second = upsert_order(session, account=account, channel=channel, snapshot=_snapshot())
    assert first.id == second.id
    assert session.scalar(select(func.count()).select_from(Order)) == 1
    assert session.scalar(select(func.count()).select_from(OrderItem)) == 2
    assert first.customer_email == "tomas.cerny@example.test"
    assert first.total == Money(Decimal("1297.00"), "CZK")
    assert first.shipping_address["city"] == "Brno"


def test_update_changes_fields_and_drops_unclaimed_lines(session, make_account, make_channel):
    account = make_account()
    channel = make_channel(account)
    upsert_order(session, account=account, channel=channel, snapshot=_snapshot())
    changed = _snapshot(
        total=Money(Decimal("799.00"), "CZK"),
        lines=(OrderLineSnapshot("1", "Mikina", Decimal("1"), Money(Decimal("799.00"), "CZK"), Decimal("21")),),
        delivered_at=datetime(2026, 11, 3, tzinfo=UTC),
    )
    order = upsert_order(session, account=account, channel=channel, snapshot=changed)
    assert order.total_amount == Decimal("799.00")
    assert order.delivered_at == datetime(2026, 11, 3, tzinfo=UTC)
    assert [item.name for item in order.items] == ["Mikina"]


def test_same_external_id_in_two_channels_is_two_orders(session, make_account, make_channel):
    account = make_account()
    upsert_order(session, account=account, channel=make_channel(account), snapshot=_snapshot())
    upsert_order(session, account=account, channel=make_channel(account), snapshot=_snapshot())
    assert session.scalar(select(func.count()).select_from(Order)) == 2


def test_currency_mismatch_is_refused(session, make_account, make_channel):
    account = make_account()
    with pytest.raises(OrderError) as raised:
        upsert_order(
            session,
            account=account,
            channel=make_channel(account),
            snapshot=_snapshot(total=Money(Decimal("1"), "EUR")),
        )
    assert raised.value.code is OrderErrorCode.currency_mismatch


def test_foreign_channel_is_refused(session, make_account, make_channel):
    account = make_account()
    with pytest.raises(OrderError) as raised:
        upsert_order(session, account=account, channel=make_channel(make_account()), snapshot=_snapshot())
    assert raised.value.code is OrderErrorCode.channel_not_found


def test_search_ignores_accents_and_stays_in_the_account(session, make_account, make_channel):
    account, other = make_account(), make_account()
    order = upsert_order(session, account=account, channel=make_channel(account), snapshot=_snapshot())
    upsert_order(session, account=other, channel=make_channel(other), snapshot=_snapshot())
    assert search_orders(session, account_id=account.id, text="cerny") == [order]
    assert search_orders(session, account_id=account.id, text="00005") == [order]
    assert (
        find_order_for_shopper(session, account_id=account.id, code="2019000057", email="TOMAS.cerny@example.test")
        == order
    )
    assert find_order_for_shopper(session, account_id=account.id, code="2019000057", email="x@example.test") is None
    with pytest.raises(OrderError):
        search_orders(session, account_id=account.id, text="ce")
