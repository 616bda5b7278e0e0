"""Channel settings: that owners and managers really change what each form names, what each form
stores, and how bad input comes back as a 422 form error that stores nothing."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from retino_core.accounts.models import ChannelStatus, Platform, SalesChannel
from retino_core.accounts.permissions import Role
from retino_core.case_types.models import CaseType
from retino_core.channels.actions import add_shipping_option
from retino_core.channels.models import (
    BadgeSide,
    Carrier,
    ChannelOfferedCaseType,
    ChannelWidgetSettings,
    ShippingKind,
    ShippingOption,
)
from retino_core.channels.queries import shipping_options, widget_settings
from tests.admin.conftest import Shop, sign_in

ALLOWED_ROLES = [Role.manager, Role.owner]

DROP_OFF = {
    "kind": "own_dropoff",
    "names": {"cs": "Osobně na prodejně"},
    "instructions": {"cs": "Přineste zboží na prodejnu."},
}
BRANCH = {
    "kind": "carrier_branch",
    "carrier": "zasilkovna",
    "names": {"cs": "Výdejní místo Zásilkovny"},
    "instructions": {"cs": "Podejte balík na výdejním místě."},
    "price": "59",
}
OPTION_FORM = {
    "kind": "courier_pickup",
    "carrier": "gls",
    "names-cs": "Kurýr GLS",
    "names-en": "GLS courier",
    "instructions-cs": "Kurýr přijede k vám domů.",
    "instructions-en": "",
    "price": "89,90",
}
WIDGET_FORM = {
    "badge_side": "left",
    "allow_intake_without_order": ["false", "true"],
    "shop_domains": "https://Shop.Example.cz/\n\n  https://*.example.cz  \n",
    "offered_case_types_shown": "1",
    "offered_case_type_id": ["{type}"],
}


def _add_options(session, shop: Shop) -> None:
    for payload in (DROP_OFF, BRANCH):
        add_shipping_option(
            session, account=shop.account, actor=shop.actors[Role.owner], channel_id=shop.channel.id, payload=payload
        )
    session.commit()


@pytest.fixture
def ready_shop(session, shop) -> Shop:
    """The shop with two shipping options on its channel."""
    _add_options(session, shop)
    return shop


def ids(session, shop: Shop) -> dict[str, Any]:
    options = shipping_options(session, channel=shop.channel, include_retired=True)
    return {
        "channel": shop.channel.id,
        "option": options[0].id,
        "option2": options[1].id,
        "agent": shop.members[Role.agent].id,
        "type": session.scalar(
            select(CaseType.id).where(CaseType.account_id == shop.account_id, CaseType.code == "complaint")
        ),
    }


#: Every channel settings endpoint: (name, method, path, form data); a manager or owner succeeds with it.
ENDPOINTS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("list", "GET", "/admin/settings/channels", {}),
    ("channel", "GET", "/admin/settings/channels/{channel}", {}),
    ("consultant", "POST", "/admin/settings/channels/{channel}/consultant", {"default_consultant_id": "{agent}"}),
    ("widget", "POST", "/admin/settings/channels/{channel}/widget", WIDGET_FORM),
    ("option_add", "POST", "/admin/settings/channels/{channel}/options", OPTION_FORM),
    ("option_update", "POST", "/admin/settings/channels/{channel}/options/{option}", OPTION_FORM),
    ("option_retire", "POST", "/admin/settings/channels/{channel}/options/{option}/retire", {"retired": "true"}),
    (
        "options_reorder",
        "POST",
        "/admin/settings/channels/{channel}/options/reorder",
        {"option_id": ["{option2}", "{option}"]},
    ),
]
ENDPOINT_IDS = [endpoint[0] for endpoint in ENDPOINTS]
POSTS = [endpoint for endpoint in ENDPOINTS if endpoint[1] == "POST"]


def call(client, session, shop: Shop, method: str, path: str, data: dict[str, Any], *, ids_of: Shop | None = None):
    values = {**ids(session, shop), **(ids(session, ids_of) if ids_of else {})}
    url = path.format(**values)
    form = {
        key: [item.format(**values) for item in value] if isinstance(value, list) else value.format(**values)
        for key, value in data.items()
    }
    return client.open(url, method=method, data=form if method == "POST" else None)


def snapshot(session, shop: Shop) -> tuple:
    """Everything the channel settings can change, for one account."""
    session.expire_all()
    account_id = shop.account_id
    return (
        session.execute(
            select(
                ChannelWidgetSettings.channel_id,
                ChannelWidgetSettings.badge_side,
                ChannelWidgetSettings.allow_intake_without_order,
                ChannelWidgetSettings.shop_domains,
            ).where(ChannelWidgetSettings.account_id == account_id)
        ).all(),
        session.execute(
            select(ChannelOfferedCaseType.channel_id, ChannelOfferedCaseType.case_type_id)
            .where(ChannelOfferedCaseType.account_id == account_id)
            .order_by(ChannelOfferedCaseType.case_type_id)
        ).all(),
        session.execute(
            select(
                ShippingOption.kind,
                ShippingOption.carrier,
                ShippingOption.names,
                ShippingOption.instructions,
                ShippingOption.price_amount,
                ShippingOption.position,
                ShippingOption.is_active,
            )
            .where(ShippingOption.account_id == account_id)
            .order_by(ShippingOption.id)
        ).all(),
        session.execute(
            select(SalesChannel.id, SalesChannel.default_consultant_id)
            .where(SalesChannel.account_id == account_id)
            .order_by(SalesChannel.id)
        ).all(),
    )


# --- who may --------------------------------------------------------------------------------------
# Anonymous visitors, refused roles, other accounts and deactivated accounts are walked for every
# endpoint by tests/admin/test_access_matrix.py; here: that the permitted change is really made.


@pytest.mark.parametrize(("name", "method", "path", "data"), ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.parametrize("role", ALLOWED_ROLES, ids=lambda role: role.value)
def test_owners_and_managers_may(ready_shop, session, client_for, role, name, method, path, data):
    before = snapshot(session, ready_shop)
    response = call(client_for(role), session, ready_shop, method, path, data)
    if method == "GET":
        assert response.status_code == 200, response.get_data(as_text=True)
        return
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].startswith(f"/admin/settings/channels/{ready_shop.channel.id}#")
    assert snapshot(session, ready_shop) != before


def test_another_accounts_or_channels_option_through_our_channel_is_404(
    ready_shop, other_shop, session, client_for, make_channel
):
    _add_options(session, other_shop)
    sibling = make_channel(ready_shop.account)
    siblings = add_shipping_option(
        session, account=ready_shop.account, actor=ready_shop.actors[Role.owner], channel_id=sibling.id, payload=BRANCH
    )
    session.commit()
    ours, theirs = ids(session, ready_shop), ids(session, other_shop)
    before, theirs_before = snapshot(session, ready_shop), snapshot(session, other_shop)
    client = client_for(Role.owner)
    base = f"/admin/settings/channels/{ours['channel']}"
    for option_id in (theirs["option"], siblings.id, 2**64):
        assert client.post(f"{base}/options/{option_id}", data=OPTION_FORM).status_code == 404
        assert client.post(f"{base}/options/{option_id}/retire").status_code == 404
        reorder = {"option_id": [str(ours["option"]), str(ours["option2"]), str(option_id)]}
        assert client.post(f"{base}/options/reorder", data=reorder).status_code == 404
    widget = {**WIDGET_FORM, "offered_case_type_id": [str(theirs["type"])]}
    assert client.post(f"{base}/widget", data=widget).status_code == 404
    for path in ("/admin/settings/channels/abc", f"/admin/settings/channels/{2**64}", f"{base}/options/abc"):
        assert client.get(path).status_code == 404
        assert client.post(path, data=OPTION_FORM).status_code in (404, 405)
    assert snapshot(session, ready_shop) == before
    assert snapshot(session, other_shop) == theirs_before


def test_a_post_without_the_csrf_token_is_400_and_changes_nothing(csrf_app, ready_shop, session):
    csrf_app.config["RATELIMIT_ENABLED"] = False
    client = csrf_app.test_client()
    csrf_app.config["WTF_CSRF_ENABLED"] = False
    sign_in(client, ready_shop.members[Role.owner].email)
    csrf_app.config["WTF_CSRF_ENABLED"] = True
    before = snapshot(session, ready_shop)
    for _name, _method, path, data in POSTS:
        response = call(client, session, ready_shop, "POST", path, data)
        assert response.status_code == 400
        assert "The CSRF token is missing." in response.get_data(as_text=True)
    assert snapshot(session, ready_shop) == before


# --- what the pages show ------------------------------------------------------------------------


def test_the_list_shows_each_channel_with_its_state(ready_shop, session, client_for, make_channel):
    ready_shop.channel.name = "Tričkárna.cz"
    ready_shop.channel.default_consultant_id = ready_shop.members[Role.agent].id
    ready_shop.channel.last_synced_at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    make_channel(
        ready_shop.account,
        platform=Platform.allegro,
        name="Koszulkarnia na Allegro",
        shop_url="https://allegro.pl/uzytkownik/koszulkarnia",
        country="PL",
        currency="PLN",
        default_language="pl",
        status=ChannelStatus.error,
        status_message="The seller's authorisation expired.",
    )
    make_channel(ready_shop.account, platform=Platform.woocommerce, name="Čekárna", status=ChannelStatus.waiting)
    session.commit()
    body = client_for(Role.manager).get("/admin/settings/channels?lang=en").get_data(as_text=True)
    assert body.index("Koszulkarnia na Allegro") < body.index("Tričkárna.cz") < body.index("Čekárna")
    for text in (
        "<td>Allegro</td>",
        "<td>Shoptet</td>",
        "<td>WooCommerce</td>",
        '<a href="https://allegro.pl/uzytkownik/koszulkarnia" rel="noopener noreferrer">',
        "<td>PL · PLN · pl</td>",
        "<td>CZ · CZK · cs</td>",
        'Error<p class="error">The seller&#39;s authorisation expired.</p>',
        "<td>Connected</td>",
        "<td>Waiting for authorisation</td>",
        "<td>Never</td>",
        "3/2/26",
        f"<td>{ready_shop.members[Role.agent].full_name}</td>",
        '<span class="muted">Nobody</span>',
        'href="/admin/settings/channels" aria-current="true">Channels</a>',
        f'href="/admin/settings/channels/{ready_shop.channel.id}"',
    ):
        assert text in body, text
    assert 'href="/admin/settings/channels/woocommerce/connect"' in body
    assert 'href="/admin/settings/channels/allegro/connect"' in body


def test_the_settings_overview_links_to_the_channels(ready_shop, client_for):
    body = client_for(Role.owner).get("/admin/settings/?lang=en").get_data(as_text=True)
    assert '<a href="/admin/settings/channels" >Channels</a>' in body


def test_the_channel_page_shows_the_defaults_and_every_form(ready_shop, session, client_for):
    values = ids(session, ready_shop)
    body = client_for(Role.owner).get(f"/admin/settings/channels/{values['channel']}?lang=en").get_data(as_text=True)
    for code in ("cs", "sk", "pl", "en", "de", "hu"):
        assert f'name="names-{code}"' in body
        assert f'name="instructions-{code}"' in body
    assert '<option value="" selected>Nobody</option>' not in body
    assert '<option value="">Nobody</option>' in body
    assert f'<option value="{values["agent"]}" >' in body
    assert 'name="badge_side" value="right" checked' in body
    assert 'name="badge_side" value="left" >' in body
    assert f'name="offered_case_type_id" value="{values["type"]}" checked' in body
    assert "Nothing chosen yet: every active case type shown to shoppers is offered." in body
    assert '<textarea id="widget-domains" name="shop_domains" rows="4" >https://shop.example.test</textarea>' in body
    assert "Own drop-off" in body
    assert "Zásilkovna" in body
    assert "<td>CZK59.00</td>" in body
    assert "Free" in body
    # the first option can only move down, the last only up
    assert body.count("Move up</span>") == 1
    assert body.count("Move down</span>") == 1
    assert f'action="/admin/settings/channels/{values["channel"]}/sync"' in body


# --- what the forms store -----------------------------------------------------------------------


def test_saving_the_widget_stores_normalised_settings(ready_shop, session, client_for):
    values = ids(session, ready_shop)
    response = call(
        client_for(Role.manager),
        session,
        ready_shop,
        "POST",
        "/admin/settings/channels/{channel}/widget",
        WIDGET_FORM,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/settings/channels/{values['channel']}#widget"
    session.expire_all()
    settings = widget_settings(session, channel=ready_shop.channel)
    assert settings.badge_side is BadgeSide.left
    assert settings.allow_intake_without_order is True
    assert settings.shop_domains == ("https://shop.example.cz", "https://*.example.cz")
    assert settings.offered_case_type_ids == (values["type"],)
    body = client_for(Role.manager).get(f"/admin/settings/channels/{values['channel']}?lang=en").get_data(as_text=True)
    assert "https://shop.example.cz\nhttps://*.example.cz</textarea>" in body
    assert 'name="badge_side" value="left" checked' in body
    assert "Nothing chosen yet" not in body


def test_a_form_without_the_type_checkboxes_keeps_the_offered_types(ready_shop, session, client_for):
    values = ids(session, ready_shop)
    form = {key: value for key, value in WIDGET_FORM.items() if key != "offered_case_types_shown"}
    response = call(
        client_for(Role.owner), session, ready_shop, "POST", "/admin/settings/channels/{channel}/widget", form
    )
    assert response.status_code == 302
    assert session.scalar(select(ChannelOfferedCaseType.id)) is None
    assert widget_settings(session, channel=ready_shop.channel).offered_case_type_ids[1] == values["type"]


def test_adding_and_editing_an_option_stores_decimal_prices_and_texts(ready_shop, session, client_for):
    values = ids(session, ready_shop)
    client = client_for(Role.owner)
    response = client.post(f"/admin/settings/channels/{values['channel']}/options", data=OPTION_FORM)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/settings/channels/{values['channel']}#shipping"
    session.expire_all()
    added = shipping_options(session, channel=ready_shop.channel)[-1]
    assert (added.kind, added.carrier, added.price_amount, added.currency, added.position) == (
        ShippingKind.courier_pickup,
        Carrier.gls,
        Decimal("89.90"),
        "CZK",
        2,
    )
    assert added.names == {"cs": "Kurýr GLS", "en": "GLS courier"}
    assert added.instructions == {"cs": "Kurýr přijede k vám domů."}
    form = {**OPTION_FORM, "kind": "own_dropoff", "carrier": "", "price": ""}
    response = client.post(f"/admin/settings/channels/{values['channel']}/options/{added.id}", data=form)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/settings/channels/{values['channel']}#option-{added.id}"
    session.expire_all()
    assert (added.kind, added.carrier, added.price_amount) == (ShippingKind.own_dropoff, None, None)


def test_retiring_reordering_and_offering_again(ready_shop, session, client_for):
    values = ids(session, ready_shop)
    client = client_for(Role.owner)
    base = f"/admin/settings/channels/{values['channel']}/options"
    assert client.post(f"{base}/reorder", data={"option_id": [values["option2"], values["option"]]}).status_code == 302
    session.expire_all()
    assert [o.id for o in shipping_options(session, channel=ready_shop.channel)] == [
        values["option2"],
        values["option"],
    ]
    assert client.post(f"{base}/{values['option2']}/retire", data={"retired": "true"}).status_code == 302
    session.expire_all()
    assert [o.id for o in shipping_options(session, channel=ready_shop.channel)] == [values["option"]]
    body = client.get(f"/admin/settings/channels/{values['channel']}?lang=en").get_data(as_text=True)
    assert "Offer again" in body
    assert client.post(f"{base}/{values['option2']}/retire", data={"retired": "false"}).status_code == 302
    session.expire_all()
    assert [o.id for o in shipping_options(session, channel=ready_shop.channel)] == [
        values["option"],
        values["option2"],
    ]


def test_the_consultant_can_be_set_and_cleared(ready_shop, session, client_for):
    values = ids(session, ready_shop)
    client = client_for(Role.owner)
    path = f"/admin/settings/channels/{values['channel']}/consultant"
    assert client.post(path, data={"default_consultant_id": str(values["agent"])}).status_code == 302
    session.expire_all()
    assert ready_shop.channel.default_consultant_id == values["agent"]
    body = client.get(f"/admin/settings/channels/{values['channel']}?lang=en").get_data(as_text=True)
    assert f'<option value="{values["agent"]}" selected>' in body
    assert client.post(path, data={"default_consultant_id": ""}).status_code == 302
    session.expire_all()
    assert ready_shop.channel.default_consultant_id is None


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "data", "messages"),
    [
        (
            "/widget",
            {**WIDGET_FORM, "shop_domains": "https://good.example.cz\n\nhttp://shop.example.cz"},
            ["http://shop.example.cz: Use https:// (plain http:// only for localhost)."],
        ),
        (
            "/widget",
            {**WIDGET_FORM, "shop_domains": "https://shop.example.cz/returns"},
            ["https://shop.example.cz/returns: Give only the address of the shop, without a path."],
        ),
        ("/widget", {**WIDGET_FORM, "shop_domains": "  \n"}, ["Give at least one shop address."]),
        (
            "/widget",
            {**WIDGET_FORM, "shop_domains": "\n".join(f"https://s{n}.example.cz" for n in range(11))},
            ["Give at most 10 shop addresses."],
        ),
        ("/widget", {**WIDGET_FORM, "offered_case_type_id": []}, ["Offer at least one case type."]),
        ("/widget", {**WIDGET_FORM, "offered_case_type_id": ["x"]}, ["Not a valid integer."]),
        ("/widget", {**WIDGET_FORM, "badge_side": "top"}, ["Must be one of: left, right."]),
        ("/options", {**OPTION_FORM, "price": "12.345"}, ["Use at most two decimal places."]),
        ("/options", {**OPTION_FORM, "price": "-5"}, ["The price cannot be negative."]),
        ("/options", {**OPTION_FORM, "price": "zdarma"}, ["Give the price as a number, such as 49 or 49.90."]),
        ("/options", {**OPTION_FORM, "carrier": ""}, ["Choose the carrier."]),
        ("/options", {**OPTION_FORM, "kind": "own_dropoff"}, ["Your own drop-off has no carrier."]),
        ("/options", {**OPTION_FORM, "kind": ""}, ["Must be one of: own_dropoff, carrier_branch, courier_pickup."]),
        (
            "/options",
            {**OPTION_FORM, "names-cs": "", "instructions-cs": " "},
            ["Required in the channel&#39;s language."],
        ),
        ("/options/{option}", {**OPTION_FORM, "price": "1e20"}, ["This price is too large."]),
        ("/options/reorder", {"option_id": ["{option}"]}, ["List each active shipping option exactly once."]),
        ("/options/reorder", {"option_id": ["{option}", "x"]}, ["Some fields are not valid."]),
        ("/consultant", {"default_consultant_id": "nobody"}, ["Not a valid integer."]),
    ],
)
def test_bad_input_is_422_next_to_the_form_and_changes_nothing(ready_shop, session, client_for, path, data, messages):
    before = snapshot(session, ready_shop)
    response = call(
        client_for(Role.owner),
        session,
        ready_shop,
        "POST",
        "/admin/settings/channels/{channel}" + path + "?lang=en",
        data,
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    for message in messages:
        assert message in body
    assert snapshot(session, ready_shop) == before


def test_a_consultant_from_another_account_is_refused(ready_shop, other_shop, session, client_for):
    before = snapshot(session, ready_shop)
    response = client_for(Role.owner).post(
        f"/admin/settings/channels/{ready_shop.channel.id}/consultant?lang=en",
        data={"default_consultant_id": str(other_shop.members[Role.agent].id)},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "The consultant must be a member of this account." in body
    assert 'aria-invalid="true"' in body
    assert snapshot(session, ready_shop) == before


def test_a_refused_option_form_keeps_what_was_typed(ready_shop, session, client_for):
    response = client_for(Role.owner).post(
        f"/admin/settings/channels/{ready_shop.channel.id}/options?lang=en", data={**OPTION_FORM, "price": "abc"}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'name="price" maxlength="20" value="abc" aria-invalid="true"' in body
    assert 'value="Kurýr GLS"' in body
    assert '<option value="gls" selected>GLS</option>' in body
