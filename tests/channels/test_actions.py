"""Channel settings actions: widget settings and their defaults, shipping options, the consultant.

Every change happens whole or not at all, only for the owner's account and only for members
allowed to manage channels.
"""

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.models import AccountStatus
from retino_core.accounts.permissions import Role
from retino_core.case_types.models import CaseKind
from retino_core.channels.actions import (
    add_shipping_option,
    reorder_shipping_options,
    retire_shipping_option,
    set_channel_consultant,
    update_shipping_option,
    update_widget_settings,
)
from retino_core.channels.errors import ChannelErrorCode
from retino_core.channels.models import (
    BadgeSide,
    Carrier,
    ChannelOfferedCaseType,
    ChannelWidgetSettings,
    ShippingKind,
)
from retino_core.channels.queries import (
    channel_by_public_id,
    list_channels,
    offered_case_types,
    shipping_options,
    widget_config,
    widget_settings,
)
from retino_core.errors import ErrorKind
from retino_core.money import Money
from tests.channels.conftest import BRANCH, DROP_OFF, _refused, _types, snapshot

# --- public id ----------------------------------------------------------------------------------


def test_every_channel_gets_its_own_random_url_safe_public_id(session, shop, make_channel):
    account, _, channel = shop
    second = make_channel(account)
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", channel.public_id)
    assert channel.public_id != second.public_id
    assert str(channel.id) not in (channel.public_id, second.public_id)
    assert channel_by_public_id(session, channel.public_id) is channel
    assert channel_by_public_id(session, "no-such-channel") is None
    assert channel_by_public_id(session, "x" * 200) is None
    assert channel_by_public_id(session, "") is None


# --- widget settings: defaults ------------------------------------------------------------------


def test_without_stored_settings_the_defaults_apply(session, shop):
    account, _, channel = shop
    types = _types(session, account)
    settings = widget_settings(session, channel=channel)
    assert settings.badge_side is BadgeSide.right
    assert settings.allow_intake_without_order is False
    assert settings.shop_domains == ("https://shop.example.test",)
    assert settings.offered_case_type_ids == tuple(
        types[code].id for code in ("return", "complaint", "withdrawal", "missing_item")
    )
    assert (settings.is_stored, settings.offers_chosen_types) == (False, False)
    assert session.scalar(select(ChannelWidgetSettings.id)) is None


@pytest.mark.parametrize(
    ("shop_url", "domains"),
    [
        ("https://allegro.pl/uzytkownik/koszulkarnia", ("https://allegro.pl",)),
        ("https://WWW.Tricharna.example:443/", ("https://www.tricharna.example",)),
        ("http://localhost:8080/shop", ("http://localhost:8080",)),
        ("http://shop.example.cz", ()),
        ("", ()),
        ("not a url", ()),
    ],
)
def test_the_default_shop_domain_is_the_origin_of_the_shop_url(session, shop, make_channel, shop_url, domains):
    account, _, _ = shop
    channel = make_channel(account, shop_url=shop_url)
    assert widget_settings(session, channel=channel).shop_domains == domains


def test_a_type_made_public_later_is_offered_by_default_but_not_once_a_choice_is_stored(session, shop):
    account, owner, channel = shop
    types = _types(session, account)
    types["missing_item"].is_public = False
    session.flush()
    assert [t.code for t in offered_case_types(session, channel=channel)] == ["return", "complaint", "withdrawal"]
    update_widget_settings(
        session,
        account=account,
        actor=owner,
        channel_id=channel.id,
        payload={"offered_case_type_ids": [types["complaint"].id]},
    )
    types["missing_item"].is_public = True
    session.flush()
    assert [t.code for t in offered_case_types(session, channel=channel)] == ["complaint"]
    # a chosen type switched off drops out of the offer, and the offer may become empty
    types["complaint"].is_active = False
    session.flush()
    assert offered_case_types(session, channel=channel) == []
    assert widget_settings(session, channel=channel).offered_case_type_ids == ()


# --- widget settings: updates -------------------------------------------------------------------


def test_the_first_save_stores_the_given_keys_and_the_defaults_for_the_rest(session, shop):
    account, owner, channel = shop
    settings = update_widget_settings(
        session, account=account, actor=owner, channel_id=channel.id, payload={"badge_side": "left"}
    )
    assert (settings.badge_side, settings.allow_intake_without_order) == (BadgeSide.left, False)
    assert settings.shop_domains == ("https://shop.example.test",)
    assert (settings.is_stored, settings.offers_chosen_types) == (True, False)
    stored = session.scalar(select(ChannelWidgetSettings))
    assert (stored.account_id, stored.channel_id, stored.shop_domains) == (
        account.id,
        channel.id,
        ["https://shop.example.test"],
    )


def test_every_widget_setting_is_saved_and_normalised(session, shop):
    account, owner, channel = shop
    types = _types(session, account)
    settings = update_widget_settings(
        session,
        account=account,
        actor=owner,
        channel_id=channel.id,
        payload={
            "badge_side": "left",
            "allow_intake_without_order": "true",
            "shop_domains": [
                " https://Shop.Example.CZ/ ",
                "https://*.example.cz",
                "https://tričkárna.cz:443",
                "http://localhost:8000",
                "https://shop.example.cz",
            ],
            "offered_case_type_ids": [str(types["withdrawal"].id), types["return"].id, types["return"].id],
        },
    )
    assert settings.badge_side is BadgeSide.left
    assert settings.allow_intake_without_order is True
    assert settings.shop_domains == (
        "https://shop.example.cz",
        "https://*.example.cz",
        "https://xn--trikrna-kwa80b.cz",
        "http://localhost:8000",
    )
    assert settings.offered_case_type_ids == (types["return"].id, types["withdrawal"].id)
    # a second save changes only what it names and replaces the chosen types
    settings = update_widget_settings(
        session,
        account=account,
        actor=owner,
        channel_id=channel.id,
        payload={"offered_case_type_ids": [types["complaint"].id]},
    )
    assert settings.badge_side is BadgeSide.left
    assert settings.offered_case_type_ids == (types["complaint"].id,)
    assert session.scalars(select(ChannelOfferedCaseType.case_type_id)).all() == [types["complaint"].id]
    assert session.scalars(select(ChannelWidgetSettings.id)).all() == [session.scalar(select(ChannelWidgetSettings.id))]


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("http://shop.example.cz", "Use https:// (plain http:// only for localhost)."),
        ("ftp://shop.example.cz", "Use https:// (plain http:// only for localhost)."),
        ("https://shop.example.cz/returns", "Give only the address of the shop, without a path."),
        ("https://shop.example.cz?x=1", "Give only the address of the shop, without a path."),
        ("https://shop.example.cz#top", "Give only the address of the shop, without a path."),
        ("shop.example.cz", "Give an address such as https://shop.example.cz."),
        ("https://user@shop.example.cz", "Give an address such as https://shop.example.cz."),
        ("https://shop.example.cz:70000", "Give an address such as https://shop.example.cz."),
        ("", "Give an address such as https://shop.example.cz."),
        ("https://*", "Use a wildcard only as a leading *. before the shop's domain, e.g. https://*.example.cz."),
        ("https://*.cz", "Use a wildcard only as a leading *. before the shop's domain, e.g. https://*.example.cz."),
        (
            "https://shop.*.cz",
            "Use a wildcard only as a leading *. before the shop's domain, e.g. https://*.example.cz.",
        ),
        (
            "https://*shop.cz",
            "Use a wildcard only as a leading *. before the shop's domain, e.g. https://*.example.cz.",
        ),
        (
            "https://*.localhost",
            "Use a wildcard only as a leading *. before the shop's domain, e.g. https://*.example.cz.",
        ),
        ("https://shop", "This is not a valid domain."),
        ("https://192.168.1.10", "This is not a valid domain."),
        ("https://-shop.example.cz", "This is not a valid domain."),
        ("https://shop..cz", "This is not a valid domain."),
        ("https://[::1]", "Give an address such as https://shop.example.cz."),
    ],
)
def test_a_bad_shop_domain_is_refused_with_its_line_and_nothing_stored(session, shop, domain, message):
    account, owner, channel = shop
    before = snapshot(session, account)
    error = _refused(
        session,
        lambda: update_widget_settings(
            session,
            account=account,
            actor=owner,
            channel_id=channel.id,
            payload={"badge_side": "left", "shop_domains": ["https://good.example.cz", domain]},
        ),
        ChannelErrorCode.invalid_input,
    )
    assert error.field_errors == {"shop_domains": {1: [message]}}
    assert snapshot(session, account) == before


@pytest.mark.parametrize(
    ("payload", "field_errors"),
    [
        ({"shop_domains": []}, {"shop_domains": ["Give at least one shop address."]}),
        (
            {"shop_domains": [f"https://shop{n}.example.cz" for n in range(11)]},
            {"shop_domains": ["Give at most 10 shop addresses."]},
        ),
        ({"shop_domains": "https://shop.example.cz"}, {"shop_domains": ["Not a valid list."]}),
        ({"badge_side": "top"}, {"badge_side": ["Must be one of: left, right."]}),
        ({"allow_intake_without_order": "maybe"}, {"allow_intake_without_order": ["Not a valid boolean."]}),
        ({"offered_case_type_ids": []}, {"offered_case_type_ids": ["Offer at least one case type."]}),
        ({"offered_case_type_ids": ["abc"]}, {"offered_case_type_ids": {0: ["Not a valid integer."]}}),
        ({"colour": "red"}, {"colour": ["Unknown field."]}),
    ],
)
def test_bad_widget_settings_are_refused_and_nothing_stored(session, shop, payload, field_errors):
    account, owner, channel = shop
    before = snapshot(session, account)
    error = _refused(
        session,
        lambda: update_widget_settings(session, account=account, actor=owner, channel_id=channel.id, payload=payload),
        ChannelErrorCode.invalid_input,
    )
    assert error.field_errors == field_errors
    assert snapshot(session, account) == before


def test_ten_shop_domains_are_allowed_and_repeats_count_once(session, shop):
    account, owner, channel = shop
    domains = [f"https://shop{n}.example.cz" for n in range(10)]
    settings = update_widget_settings(
        session,
        account=account,
        actor=owner,
        channel_id=channel.id,
        payload={"shop_domains": [*domains, domains[0]]},
    )
    assert settings.shop_domains == tuple(domains)


@pytest.mark.parametrize("change", ["is_active", "is_public"])
def test_a_type_switched_off_or_admin_only_cannot_be_offered(session, shop, change):
    account, owner, channel = shop
    types = _types(session, account)
    setattr(types["withdrawal"], change, False)
    session.commit()
    before = snapshot(session, account)
    error = _refused(
        session,
        lambda: update_widget_settings(
            session,
            account=account,
            actor=owner,
            channel_id=channel.id,
            payload={"badge_side": "left", "offered_case_type_ids": [types["return"].id, types["withdrawal"].id]},
        ),
        ChannelErrorCode.case_type_not_offerable,
    )
    assert error.field_errors == {"offered_case_type_ids": ["Only active case types shown to shoppers can be offered."]}
    assert snapshot(session, account) == before


def test_another_accounts_case_type_or_an_unknown_id_is_not_found(session, shop, make_account):
    account, owner, channel = shop
    theirs = _types(session, make_account())["return"]
    session.commit()
    before = snapshot(session, account)
    for ids in ([theirs.id], [_types(session, account)["return"].id, 2**63 - 1], [2**70], [0], [-5]):
        _refused(
            session,
            lambda ids=ids: update_widget_settings(
                session,
                account=account,
                actor=owner,
                channel_id=channel.id,
                payload={"badge_side": "left", "offered_case_type_ids": ids},
            ),
            ChannelErrorCode.case_type_not_found,
            ErrorKind.not_found,
        )
    assert snapshot(session, account) == before


# --- consultant ---------------------------------------------------------------------------------


def test_the_consultant_is_an_active_member_or_nobody(session, shop, make_member):
    account, owner, channel = shop
    agent, _ = make_member(account, Role.agent)
    set_channel_consultant(
        session, account=account, actor=owner, channel_id=channel.id, payload={"default_consultant_id": str(agent.id)}
    )
    assert channel.default_consultant_id == agent.id
    set_channel_consultant(
        session, account=account, actor=owner, channel_id=channel.id, payload={"default_consultant_id": ""}
    )
    assert channel.default_consultant_id is None


def test_a_consultant_from_outside_the_account_or_not_a_number_is_refused(session, shop, make_account, make_member):
    account, owner, channel = shop
    stranger, _ = make_member(make_account(), Role.agent)
    session.commit()
    before = snapshot(session, account)
    with pytest.raises(AccountError) as raised:
        set_channel_consultant(
            session,
            account=account,
            actor=owner,
            channel_id=channel.id,
            payload={"default_consultant_id": stranger.id},
        )
    session.rollback()
    assert raised.value.code is AccountErrorCode.consultant_not_member
    assert raised.value.field_errors == {"default_consultant_id": ["The consultant must be a member of this account."]}
    for payload, field_errors in (
        ({"default_consultant_id": "abc"}, {"default_consultant_id": ["Not a valid integer."]}),
        ({}, {"default_consultant_id": ["Missing data for required field."]}),
    ):
        error = _refused(
            session,
            lambda payload=payload: set_channel_consultant(
                session, account=account, actor=owner, channel_id=channel.id, payload=payload
            ),
            ChannelErrorCode.invalid_input,
        )
        assert error.field_errors == field_errors
    assert snapshot(session, account) == before


# --- who may, and for which account -------------------------------------------------------------


def _every_action(session, account, actor, channel_id, option_id, case_type_id):
    return [
        lambda: update_widget_settings(
            session,
            account=account,
            actor=actor,
            channel_id=channel_id,
            payload={"badge_side": "left", "offered_case_type_ids": [case_type_id]},
        ),
        lambda: add_shipping_option(session, account=account, actor=actor, channel_id=channel_id, payload=BRANCH),
        lambda: update_shipping_option(
            session, account=account, actor=actor, channel_id=channel_id, option_id=option_id, payload=BRANCH
        ),
        lambda: retire_shipping_option(
            session, account=account, actor=actor, channel_id=channel_id, option_id=option_id
        ),
        lambda: reorder_shipping_options(
            session, account=account, actor=actor, channel_id=channel_id, payload={"option_ids": [option_id]}
        ),
        lambda: set_channel_consultant(
            session, account=account, actor=actor, channel_id=channel_id, payload={"default_consultant_id": None}
        ),
    ]


@pytest.mark.parametrize("role", [Role.dispatcher, Role.technician, Role.agent, Role.viewer])
def test_roles_without_channels_manage_are_refused_and_change_nothing(session, shop, make_member, role):
    account, owner, channel = shop
    _, actor = make_member(account, role)
    option = add_shipping_option(session, account=account, actor=owner, channel_id=channel.id, payload=DROP_OFF)
    set_channel_consultant(
        session, account=account, actor=owner, channel_id=channel.id, payload={"default_consultant_id": owner.user_id}
    )
    session.commit()
    before = snapshot(session, account)
    for call in _every_action(session, account, actor, channel.id, option.id, _types(session, account)["return"].id):
        with pytest.raises(AccountError) as raised:
            call()
        session.rollback()
        assert raised.value.code is AccountErrorCode.permission_denied
    assert snapshot(session, account) == before


@pytest.mark.parametrize("role", [Role.owner, Role.manager])
def test_owners_and_managers_may_manage_channels(session, shop, make_member, role):
    account, _, channel = shop
    user, actor = make_member(account, role)
    common = {"session": session, "account": account, "actor": actor, "channel_id": channel.id}
    return_type = _types(session, account)["return"]
    update_widget_settings(**common, payload={"badge_side": "left", "offered_case_type_ids": [return_type.id]})
    first = add_shipping_option(**common, payload=DROP_OFF)
    second = add_shipping_option(**common, payload=BRANCH)
    update_shipping_option(**common, option_id=first.id, payload={**DROP_OFF, "price": "10"})
    reorder_shipping_options(**common, payload={"option_ids": [second.id, first.id]})
    retire_shipping_option(**common, option_id=second.id)
    set_channel_consultant(**common, payload={"default_consultant_id": user.id})
    session.commit()
    assert widget_settings(session, channel=channel).badge_side is BadgeSide.left
    assert offered_case_types(session, channel=channel) == [return_type]
    assert [(o.id, o.price_amount) for o in shipping_options(session, channel=channel)] == [
        (first.id, Decimal("10.00"))
    ]
    assert channel.default_consultant_id == user.id


def test_a_deactivated_account_changes_nothing(session, shop):
    account, owner, channel = shop
    option = add_shipping_option(session, account=account, actor=owner, channel_id=channel.id, payload=DROP_OFF)
    account.status = AccountStatus.deactivated
    session.commit()
    before = snapshot(session, account)
    for call in _every_action(session, account, owner, channel.id, option.id, _types(session, account)["return"].id):
        with pytest.raises(AccountError) as raised:
            call()
        session.rollback()
        assert raised.value.code is AccountErrorCode.account_deactivated
        assert raised.value.kind is ErrorKind.forbidden
    assert snapshot(session, account) == before


def test_another_accounts_channel_is_not_found(session, shop, make_account, make_member, make_channel):
    account, owner, _ = shop
    other = make_account()
    _, other_owner = make_member(other, Role.owner)
    their_channel = make_channel(other)
    theirs = add_shipping_option(
        session, account=other, actor=other_owner, channel_id=their_channel.id, payload=DROP_OFF
    )
    session.commit()
    before, theirs_before = snapshot(session, account), snapshot(session, other)
    for channel_id in (their_channel.id, 2**64):
        for call in _every_action(
            session, account, owner, channel_id, theirs.id, _types(session, account)["return"].id
        ):
            with pytest.raises(AccountError) as raised:
                call()
            session.rollback()
            assert raised.value.code is AccountErrorCode.channel_not_found
            assert raised.value.kind is ErrorKind.not_found
    assert snapshot(session, account) == before
    assert snapshot(session, other) == theirs_before


# --- what the storefront reads ------------------------------------------------------------------


def test_the_widget_config_has_everything_the_storefront_needs(session, shop):
    account, owner, channel = shop
    types = _types(session, account)
    drop_off = add_shipping_option(session, account=account, actor=owner, channel_id=channel.id, payload=DROP_OFF)
    branch = add_shipping_option(session, account=account, actor=owner, channel_id=channel.id, payload=BRANCH)
    reorder_shipping_options(
        session, account=account, actor=owner, channel_id=channel.id, payload={"option_ids": [branch.id, drop_off.id]}
    )
    update_widget_settings(
        session,
        account=account,
        actor=owner,
        channel_id=channel.id,
        payload={
            "badge_side": "left",
            "allow_intake_without_order": True,
            "shop_domains": ["https://shop.example.test", "https://*.shop.example.test"],
            "offered_case_type_ids": [types["complaint"].id, types["return"].id],
        },
    )
    config = widget_config(session, channel)
    assert config.channel_public_id == channel.public_id
    assert (config.default_language, config.currency) == ("cs", "CZK")
    assert [(t.code, t.kind) for t in config.offered_case_types] == [
        ("return", CaseKind.return_),
        ("complaint", CaseKind.complaint),
    ]
    assert config.offered_case_types[1].names["cs"] == types["complaint"].names["cs"]
    assert [(o.kind, o.carrier, o.price) for o in config.shipping_options] == [
        (ShippingKind.carrier_branch, Carrier.zasilkovna, Money(Decimal("59.00"), "CZK")),
        (ShippingKind.own_dropoff, None, None),
    ]
    assert config.shipping_options[0].instructions == BRANCH["instructions"]
    assert config.badge_side is BadgeSide.left
    assert config.allow_intake_without_order is True
    assert config.shop_domains == ("https://shop.example.test", "https://*.shop.example.test")


def test_channels_are_listed_by_name_for_their_account_only(session, shop, make_channel, make_account):
    account, _, channel = shop
    other = make_account()
    make_channel(other, name="Cizí")
    alpha = make_channel(account, name="Alfa")
    assert list_channels(session, account=account) == [alpha, channel]
