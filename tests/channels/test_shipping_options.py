"""Shipping options of a channel: priced in its currency, ordered, retired rather than deleted."""

from decimal import Decimal

import pytest

from retino_core.accounts.permissions import Role
from retino_core.channels.actions import (
    add_shipping_option,
    reorder_shipping_options,
    retire_shipping_option,
    update_shipping_option,
)
from retino_core.channels.errors import ChannelErrorCode
from retino_core.channels.models import (
    Carrier,
    ShippingKind,
    ShippingOption,
)
from retino_core.channels.queries import (
    shipping_options,
    widget_config,
)
from retino_core.errors import ErrorKind
from retino_core.money import Money
from tests.channels.conftest import BRANCH, DROP_OFF, _refused, snapshot

# --- shipping options ---------------------------------------------------------------------------


def test_adding_options_appends_them_priced_in_the_channels_currency(session, shop, make_channel):
    account, owner, _ = shop
    channel = make_channel(account, currency="EUR", default_language="sk")
    first = add_shipping_option(
        session,
        account=account,
        actor=owner,
        channel_id=channel.id,
        payload={"kind": "own_dropoff", "names": {"sk": "Na predajni"}, "instructions": {"sk": "Prineste tovar."}},
    )
    second = add_shipping_option(
        session,
        account=account,
        actor=owner,
        channel_id=channel.id,
        payload={
            "kind": "courier_pickup",
            "carrier": "gls",
            "names": {"sk": " Kuriér GLS ", "de": "", "en": "GLS courier"},
            "instructions": {"sk": "Kuriér príde na vašu adresu."},
            "price": "3,50",
        },
    )
    assert (first.kind, first.carrier, first.price_amount, first.price, first.position) == (
        ShippingKind.own_dropoff,
        None,
        None,
        None,
        0,
    )
    assert (second.kind, second.carrier, second.position) == (ShippingKind.courier_pickup, Carrier.gls, 1)
    assert second.names == {"sk": "Kuriér GLS", "en": "GLS courier"}
    session.commit()
    session.expire_all()
    stored = session.get(ShippingOption, second.id)
    assert isinstance(stored.price_amount, Decimal)
    assert stored.price_amount == Decimal("3.50")
    assert stored.price == Money(Decimal("3.50"), "EUR")
    assert (stored.account_id, stored.channel_id, stored.currency, stored.is_active) == (
        account.id,
        channel.id,
        "EUR",
        True,
    )


@pytest.mark.parametrize(
    ("price", "stored"),
    [
        ("49.90", Decimal("49.90")),
        ("49,9", Decimal("49.90")),
        ("1 290", Decimal("1290.00")),
        (" 59 ", Decimal("59.00")),
        ("49.900", Decimal("49.90")),
        (120, Decimal("120.00")),
        (Decimal("0.5"), Decimal("0.50")),
        ("999999999999.99", Decimal("999999999999.99")),
        ("", None),
        ("0", None),
        ("0.00", None),
        (None, None),
    ],
)
def test_prices_are_decimals_and_blank_or_zero_is_free(session, shop, price, stored):
    account, owner, channel = shop
    option = add_shipping_option(
        session, account=account, actor=owner, channel_id=channel.id, payload={**BRANCH, "price": price}
    )
    assert option.price_amount == stored
    assert option.price == (None if stored is None else Money(stored, "CZK"))


@pytest.mark.parametrize(
    ("price", "message"),
    [
        (49.9, "Give the price as a number, such as 49 or 49.90."),
        (True, "Give the price as a number, such as 49 or 49.90."),
        ("abc", "Give the price as a number, such as 49 or 49.90."),
        ("NaN", "Give the price as a number, such as 49 or 49.90."),
        ("Infinity", "Give the price as a number, such as 49 or 49.90."),
        ("1.2.3", "Give the price as a number, such as 49 or 49.90."),
        (["49"], "Give the price as a number, such as 49 or 49.90."),
        ("-1", "The price cannot be negative."),
        ("49.999", "Use at most two decimal places."),
        ("0.001", "Use at most two decimal places."),
        ("1000000000000", "This price is too large."),
        ("1e400", "This price is too large."),
    ],
)
def test_a_bad_price_is_refused_and_nothing_stored(session, shop, price, message):
    account, owner, channel = shop
    before = snapshot(session, account)
    error = _refused(
        session,
        lambda: add_shipping_option(
            session, account=account, actor=owner, channel_id=channel.id, payload={**BRANCH, "price": price}
        ),
        ChannelErrorCode.invalid_input,
    )
    assert error.field_errors == {"price": [message]}
    assert snapshot(session, account) == before


INVALID = ChannelErrorCode.invalid_input
LANGUAGE = ChannelErrorCode.channel_language_missing


@pytest.mark.parametrize(
    ("change", "code", "field_errors"),
    [
        ({"kind": "carrier_branch", "carrier": None}, INVALID, {"carrier": ["Choose the carrier."]}),
        ({"kind": "courier_pickup", "carrier": ""}, INVALID, {"carrier": ["Choose the carrier."]}),
        ({"kind": "own_dropoff", "carrier": "ppl"}, INVALID, {"carrier": ["Your own drop-off has no carrier."]}),
        ({"carrier": "dhl"}, INVALID, {"carrier": ["Must be one of: ppl, zasilkovna, gls."]}),
        (
            {"kind": "drone"},
            INVALID,
            {"kind": ["Must be one of: own_dropoff, carrier_branch, courier_pickup."]},
        ),
        ({"kind": None}, INVALID, {"kind": ["Field may not be null."]}),
        (
            {"names": {"xx": "Něco"}},
            INVALID,
            {"names": {"xx": {"key": ["Must be one of: cs, sk, pl, en, de, hu."]}}},
        ),
        ({"names": {"cs": "x" * 201}}, INVALID, {"names": {"cs": {"value": ["Longer than maximum length 200."]}}}),
        (
            {"instructions": {"cs": "x" * 2001}},
            INVALID,
            {"instructions": {"cs": {"value": ["Longer than maximum length 2000."]}}},
        ),
        ({"names": "Zásilkovna"}, INVALID, {"names": ["Not a valid mapping type."]}),
        ({"position": 3}, INVALID, {"position": ["Unknown field."]}),
        ({"names": {"en": "Packeta branch"}}, LANGUAGE, {"names": ["Required in the channel's language."]}),
        ({"instructions": {"cs": "  "}}, LANGUAGE, {"instructions": ["Required in the channel's language."]}),
        (
            {"names": {}, "instructions": {}},
            LANGUAGE,
            {"names": ["Required in the channel's language."], "instructions": ["Required in the channel's language."]},
        ),
    ],
)
def test_bad_shipping_options_are_refused_and_nothing_stored(session, shop, change, code, field_errors):
    account, owner, channel = shop
    existing = add_shipping_option(session, account=account, actor=owner, channel_id=channel.id, payload=DROP_OFF)
    session.commit()
    before = snapshot(session, account)
    payload = {**BRANCH, **change}
    for call in (
        lambda: add_shipping_option(session, account=account, actor=owner, channel_id=channel.id, payload=payload),
        lambda: update_shipping_option(
            session, account=account, actor=owner, channel_id=channel.id, option_id=existing.id, payload=payload
        ),
    ):
        error = _refused(session, call, code)
        assert error.field_errors == field_errors
    assert snapshot(session, account) == before


def test_updating_an_option_replaces_its_kind_carrier_texts_and_price(session, shop):
    account, owner, channel = shop
    option = add_shipping_option(session, account=account, actor=owner, channel_id=channel.id, payload=BRANCH)
    updated = update_shipping_option(
        session,
        account=account,
        actor=owner,
        channel_id=channel.id,
        option_id=option.id,
        payload={**DROP_OFF, "price": ""},
    )
    assert updated is option
    assert (option.kind, option.carrier, option.price_amount, option.position) == (
        ShippingKind.own_dropoff,
        None,
        None,
        0,
    )
    assert option.names == DROP_OFF["names"]
    assert option.instructions == DROP_OFF["instructions"]


def test_retired_options_leave_the_widget_and_come_back_last(session, shop):
    account, owner, channel = shop
    drop_off, branch, pickup = (
        add_shipping_option(session, account=account, actor=owner, channel_id=channel.id, payload=payload)
        for payload in (
            DROP_OFF,
            BRANCH,
            {**BRANCH, "kind": "courier_pickup", "carrier": "ppl", "names": {"cs": "Kurýr PPL"}},
        )
    )
    retire_shipping_option(session, account=account, actor=owner, channel_id=channel.id, option_id=drop_off.id)
    assert drop_off.is_active is False
    assert [o.id for o in shipping_options(session, channel=channel)] == [branch.id, pickup.id]
    assert [o.id for o in shipping_options(session, channel=channel, include_retired=True)] == [
        branch.id,
        pickup.id,
        drop_off.id,
    ]
    assert [o.id for o in widget_config(session, channel).shipping_options] == [branch.id, pickup.id]
    # retiring twice changes nothing; bringing it back puts it after the active ones
    retire_shipping_option(session, account=account, actor=owner, channel_id=channel.id, option_id=drop_off.id)
    retire_shipping_option(
        session, account=account, actor=owner, channel_id=channel.id, option_id=drop_off.id, retired=False
    )
    assert drop_off.is_active is True
    assert [o.id for o in shipping_options(session, channel=channel)] == [branch.id, pickup.id, drop_off.id]


def test_reordering_puts_active_options_in_the_given_order_and_retired_ones_after(session, shop):
    account, owner, channel = shop
    a, b, c = (
        add_shipping_option(session, account=account, actor=owner, channel_id=channel.id, payload=payload)
        for payload in (DROP_OFF, BRANCH, {**BRANCH, "carrier": "ppl"})
    )
    retire_shipping_option(session, account=account, actor=owner, channel_id=channel.id, option_id=a.id)
    ordered = reorder_shipping_options(
        session, account=account, actor=owner, channel_id=channel.id, payload={"option_ids": [str(c.id), b.id]}
    )
    assert ordered == [c, b]
    assert [(o.id, o.position) for o in shipping_options(session, channel=channel, include_retired=True)] == [
        (c.id, 0),
        (b.id, 1),
        (a.id, 2),
    ]


@pytest.mark.parametrize("which", ["missing", "repeated", "retired", "not_a_list"])
def test_a_reorder_that_does_not_list_each_active_option_once_is_refused(session, shop, which):
    account, owner, channel = shop
    a, b, c = (
        add_shipping_option(session, account=account, actor=owner, channel_id=channel.id, payload=payload)
        for payload in (DROP_OFF, BRANCH, {**BRANCH, "carrier": "ppl"})
    )
    retire_shipping_option(session, account=account, actor=owner, channel_id=channel.id, option_id=c.id)
    session.commit()
    before = snapshot(session, account)
    ids = {"missing": [b.id], "repeated": [b.id, a.id, b.id], "retired": [b.id, a.id, c.id], "not_a_list": "1,2"}
    expected = (
        {"option_ids": ["Not a valid list."]}
        if which == "not_a_list"
        else {"option_ids": ["List each active shipping option exactly once."]}
    )
    error = _refused(
        session,
        lambda: reorder_shipping_options(
            session, account=account, actor=owner, channel_id=channel.id, payload={"option_ids": ids[which]}
        ),
        ChannelErrorCode.invalid_input if which == "not_a_list" else ChannelErrorCode.invalid_order,
    )
    assert error.field_errors == expected
    assert snapshot(session, account) == before


def test_another_channels_or_accounts_option_is_not_found(session, shop, make_channel, make_account, make_member):
    account, owner, channel = shop
    sibling = make_channel(account)
    siblings_option = add_shipping_option(
        session, account=account, actor=owner, channel_id=sibling.id, payload=DROP_OFF
    )
    other = make_account()
    _, other_owner = make_member(other, Role.owner)
    other_channel = make_channel(other)
    theirs = add_shipping_option(
        session, account=other, actor=other_owner, channel_id=other_channel.id, payload=DROP_OFF
    )
    mine = add_shipping_option(session, account=account, actor=owner, channel_id=channel.id, payload=DROP_OFF)
    session.commit()
    before, theirs_before = snapshot(session, account), snapshot(session, other)
    for option_id in (siblings_option.id, theirs.id, 2**64, -1):
        for call in (
            lambda option_id=option_id: update_shipping_option(
                session, account=account, actor=owner, channel_id=channel.id, option_id=option_id, payload=BRANCH
            ),
            lambda option_id=option_id: retire_shipping_option(
                session, account=account, actor=owner, channel_id=channel.id, option_id=option_id
            ),
            lambda option_id=option_id: reorder_shipping_options(
                session,
                account=account,
                actor=owner,
                channel_id=channel.id,
                payload={"option_ids": [mine.id, option_id]},
            ),
        ):
            _refused(session, call, ChannelErrorCode.shipping_option_not_found, ErrorKind.not_found)
    assert snapshot(session, account) == before
    assert snapshot(session, other) == theirs_before
