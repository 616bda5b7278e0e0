"""Connecting a WooCommerce store: from the admin form or the WordPress plugin, through the store's
authorisation, the keys WooCommerce posts to our callback, and back; and the channel's refund choice.

Jobs are dispatched after commit as usual, but the in-process dispatcher only records them here:
the first sync would call the store, so it is checked to be enqueued and dispatched once, not run.
"""

import json
import logging
from types import SimpleNamespace
from urllib.parse import parse_qsl, quote, urlsplit

import itsdangerous.timed
import pytest
from sqlalchemy import select

from adapters.woocommerce_bridge.client import WooCommerceCredentials
from adapters.woocommerce_bridge.install import read_connect_token, sign_connect_token
from marketplace_app import create_app
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import ChannelStatus, Platform, SalesChannel
from retino_core.accounts.permissions import Role
from retino_core.channels.connections import start_woocommerce_connection
from retino_core.jobs import OutboxJob
from tests.adapters.examples import example_json
from tests.admin.conftest import sign_in

STORE = "https://shop.example.com"
CK = "ck_" + "0123456789abcdef0123456789abcdef01234567"
CS = "cs_" + "89abcdef0123456789abcdef0123456789abcdef"
SYNC_JOB = "retino_core.channels.sync.sync_channel"
CONNECT_FORM = "/admin/settings/channels/woocommerce/connect"
PLUGIN_PAGE = "https://shop.example.com/wp-admin/admin.php?page=retino&_wpnonce=4f2a"


def _in_english(session, shop):
    for member in shop.members.values():
        member.language = "en"
    session.commit()


@pytest.fixture(autouse=True)
def english_shop(session, shop):
    """The shop's members read the admin in English (the pages are checked for their English text)."""
    _in_english(session, shop)


@pytest.fixture(autouse=True)
def dispatched(app, monkeypatch):
    """The outbox ids the app dispatched after its commits (recorded, not run)."""
    ids = []
    monkeypatch.setattr(app.extensions["retino_runtime"].dispatcher, "_run", ids.append)
    return ids


def _production_app(settings, public_base_url):
    app = create_app(settings.with_overrides(environment="production", public_base_url=public_base_url))
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    return app


def _authorize_params(response, store=STORE):
    """The query of the redirect to the store's authorisation page, checked to go there."""
    assert response.status_code == 303, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{store}/wc-auth/v1/authorize"
    params = dict(parse_qsl(location.query))
    assert sorted(params) == ["app_name", "callback_url", "return_url", "scope", "user_id"]
    return params


def _callback_body(user_id, **overrides):
    """The callback in the shape of WooCommerce's example, with keys as WooCommerce makes them."""
    body = example_json("woocommerce", "wc-auth-callback.body.json")
    body.update(user_id=user_id, consumer_key=CK, consumer_secret=CS)
    body.update(overrides)
    return json.dumps(body)


def _post_callback(app, body):
    return app.test_client().post(
        "/connect/woocommerce/callback", data=body, headers={"Content-Type": "application/json;charset=UTF-8"}
    )


def _woo_channels(session):
    session.rollback()
    channels = session.scalars(
        select(SalesChannel).where(SalesChannel.platform == Platform.woocommerce).order_by(SalesChannel.id)
    ).all()
    session.rollback()
    return channels


def _jobs(session):
    session.rollback()
    jobs = [
        (job.id, job.job_name, job.args, job.account_id)
        for job in session.scalars(select(OutboxJob).order_by(OutboxJob.id))
    ]
    session.rollback()
    return jobs


def _credentials(settings, channel):
    return CredentialCipher(settings.secret_key).decrypt(channel.credentials_encrypted)


def _start(client, store_url=STORE):
    return client.post(CONNECT_FORM, data={"store_url": store_url})


def _connected_channel(app, client):
    """Run the flow from the admin form to the stored keys; the channel and its token."""
    params = _authorize_params(_start(client))
    assert _post_callback(app, _callback_body(params["user_id"])).status_code == 200
    return params


# The whole flow


def test_admin_form_to_connected_channel_and_back_to_its_settings(
    app, settings, session, shop, client_for, caplog, dispatched
):
    caplog.set_level(logging.INFO, logger="marketplace_app.connect_woocommerce")
    client = client_for(Role.owner)
    assert client.get(CONNECT_FORM).status_code == 200

    params = _authorize_params(_start(client, "  https://Shop.Example.COM/wp-admin/?page=x#top "))

    assert {key: value for key, value in params.items() if key != "user_id"} == {
        "app_name": "Retino",
        "scope": "read_write",
        "return_url": "http://shop.example.test/connect/woocommerce/return",
        "callback_url": "http://shop.example.test/connect/woocommerce/callback",
    }
    [channel] = _woo_channels(session)
    assert (
        channel.account_id,
        channel.status,
        channel.name,
        channel.external_shop_id,
        channel.shop_url,
        (channel.country, channel.currency, channel.default_language),
        channel.credentials_encrypted,
    ) == (shop.account_id, ChannelStatus.waiting, "shop.example.com", STORE, STORE, ("CZ", "CZK", "cs"), None)
    token = read_connect_token(settings.secret_key, params["user_id"])
    assert (token.channel_public_id, token.store_url, token.return_url) == (channel.public_id, STORE, "")

    response = _post_callback(app, _callback_body(params["user_id"]))

    assert (response.status_code, response.get_json()) == (200, {"status": "connected"})
    [channel] = _woo_channels(session)
    assert (channel.status, channel.status_message) == (ChannelStatus.connected, "")
    stored = _credentials(settings, channel)
    assert stored == {
        "consumer_key": CK,
        "consumer_secret": CS,
        "webhook_secret": stored["webhook_secret"],
        "api_refund": False,
        "import_days": settings.platform_import_days,
        "key_id": 1,
        "connect_nonce": token.nonce,
    }
    assert len(stored["webhook_secret"]) >= 40
    assert WooCommerceCredentials.from_mapping(stored) == WooCommerceCredentials(
        CK, CS, stored["webhook_secret"], False, settings.platform_import_days
    )
    [job] = _jobs(session)
    assert job[1:] == (SYNC_JOB, [channel.id], shop.account_id)
    assert dispatched == [job[0]]
    assert "keys 1 stored, sync enqueued" in caplog.text
    assert CS not in caplog.text

    # WooCommerce then sends the browser back.
    back = client.get(f"/connect/woocommerce/return?success=1&user_id={params['user_id']}")

    assert back.status_code == 303
    assert back.headers["Location"] == f"/admin/settings/channels/{channel.id}"
    page = client.get(back.headers["Location"]).get_data(as_text=True)
    assert "Your WooCommerce store shop.example.com is connected. Its orders are being imported." in page
    assert "How refunds are paid" in page


def test_a_replayed_callback_changes_nothing_and_enqueues_nothing(app, settings, session, shop, client_for, dispatched):
    params = _connected_channel(app, client_for(Role.owner))
    [before] = _woo_channels(session)

    response = _post_callback(app, _callback_body(params["user_id"]))

    assert (response.status_code, response.get_json()) == (200, {"status": "unchanged"})
    [after] = _woo_channels(session)
    assert (after.credentials_encrypted, after.updated_at) == (before.credentials_encrypted, before.updated_at)
    assert len(_jobs(session)) == 1
    assert len(dispatched) == 1


def test_connecting_again_replaces_the_keys_and_keeps_the_webhook_secret_and_refund_choice(
    app, settings, session, shop, client_for
):
    client = client_for(Role.owner)
    _connected_channel(app, client)
    [channel] = _woo_channels(session)
    first = _credentials(settings, channel)
    assert client.post(f"/admin/settings/channels/{channel.id}/woocommerce/refunds", data={"api_refund": "true"})
    params = _authorize_params(_start(client))
    new_key = "ck_" + "f" * 40

    response = _post_callback(app, _callback_body(params["user_id"], key_id=2, consumer_key=new_key))

    assert response.get_json() == {"status": "connected"}
    [channel] = _woo_channels(session)
    second = _credentials(settings, channel)
    assert (second["consumer_key"], second["key_id"], second["webhook_secret"], second["api_refund"]) == (
        new_key,
        2,
        first["webhook_secret"],
        True,
    )
    # The token of that authorisation cannot bring other keys after it stored its own.
    refused = _post_callback(app, _callback_body(params["user_id"], key_id=3))
    assert (refused.status_code, refused.get_json()) == (400, {"error": "this authorisation has already been used"})


def test_the_plugin_flow_signs_in_confirms_and_returns_to_the_plugin_page(app, settings, session, shop):
    client = app.test_client()
    start = f"/connect/woocommerce/start?store_url={quote('shop.example.com')}&return_url={quote(PLUGIN_PAGE)}"

    to_login = client.get(start)

    assert to_login.status_code == 302
    login = urlsplit(to_login.headers["Location"])
    assert (login.path, parse_qsl(login.query)) == ("/admin/login", [("next", start)])
    signed_in = client.post(
        to_login.headers["Location"],
        data={"email": shop.members[Role.manager].email, "password": "correct horse battery"},
    )
    assert signed_in.headers["Location"] == start
    confirm = client.get(start)
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert f"Connect {STORE} to the account {shop.account.name}?" in page
    assert _woo_channels(session) == []  # a link alone changes nothing

    params = _authorize_params(
        client.post("/connect/woocommerce/start", data={"store_url": STORE, "return_url": PLUGIN_PAGE})
    )
    assert _post_callback(app, _callback_body(params["user_id"])).status_code == 200
    back = client.get(f"/connect/woocommerce/return?success=1&user_id={params['user_id']}")

    [channel] = _woo_channels(session)
    assert back.status_code == 303
    assert back.headers["Location"] == f"{PLUGIN_PAGE}&retino_channel={channel.public_id}"


def test_a_plugin_return_url_on_another_host_is_ignored(app, settings, session, shop, client_for):
    client = client_for(Role.owner)
    foreign = "https://attacker.example.net/collect?from=shop.example.com"

    confirm = client.get(f"/connect/woocommerce/start?store_url={quote(STORE)}&return_url={quote(foreign)}")

    assert confirm.status_code == 200
    assert "attacker.example.net" not in confirm.get_data(as_text=True)
    # Even posted directly, the foreign address does not make it into the token.
    params = _authorize_params(
        client.post("/connect/woocommerce/start", data={"store_url": STORE, "return_url": foreign})
    )
    assert read_connect_token(settings.secret_key, params["user_id"]).return_url == ""
    _post_callback(app, _callback_body(params["user_id"]))
    back = client.get(f"/connect/woocommerce/return?success=1&user_id={params['user_id']}")
    [channel] = _woo_channels(session)
    assert back.headers["Location"] == f"/admin/settings/channels/{channel.id}"


def test_declining_in_the_store_shows_a_page_and_leaves_the_channel_waiting(app, session, shop, client_for):
    client = client_for(Role.owner)
    params = _authorize_params(_start(client))

    response = client.get(f"/connect/woocommerce/return?success=0&user_id={params['user_id']}")

    assert response.status_code == 200
    assert "You declined the access in https://shop.example.com" in response.get_data(as_text=True)
    [channel] = _woo_channels(session)
    assert (channel.status, channel.credentials_encrypted) == (ChannelStatus.waiting, None)
    assert _jobs(session) == []


def test_approval_without_keys_or_with_a_bad_token_on_return_is_not_success(app, session, shop, client_for):
    client = client_for(Role.owner)
    params = _authorize_params(_start(client))

    no_keys = client.get(f"/connect/woocommerce/return?success=1&user_id={params['user_id']}")
    forged = client.get(f"/connect/woocommerce/return?success=1&user_id={params['user_id']}x")

    assert no_keys.status_code == 409
    assert "its keys did not reach us" in no_keys.get_data(as_text=True)
    assert forged.status_code == 400


# The callback refuses anything it cannot trust, and stores nothing


def _expired_token(monkeypatch, settings, channel):
    with monkeypatch.context() as patch:
        patch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: 1_700_000_000))
        return sign_connect_token(settings.secret_key, channel_public_id=channel.public_id, store_url=STORE)


def test_callbacks_that_cannot_be_trusted_are_refused_with_a_reason_and_store_nothing(
    app, settings, session, shop, client_for, monkeypatch, caplog
):
    params = _authorize_params(_start(client_for(Role.owner)))
    [channel] = _woo_channels(session)
    token = params["user_id"]
    cases = [
        (_callback_body(token[:-2] + ("AA" if not token.endswith("AA") else "BB")), "the connect token is not valid"),
        (_callback_body(_expired_token(monkeypatch, settings, channel)), "the connect token has expired"),
        (
            _callback_body(
                sign_connect_token(
                    "another-installations-secret-key-0123456789", channel_public_id=channel.public_id, store_url=STORE
                )
            ),
            "the connect token is not valid",
        ),
        (_callback_body(123), "user_id is not a connect token"),
        (_callback_body(None), "user_id is not a connect token"),
        (
            _callback_body(sign_connect_token(settings.secret_key, channel_public_id="NoSuchChannel", store_url=STORE)),
            "Channel not found.",
        ),
        (
            _callback_body(
                sign_connect_token(
                    settings.secret_key, channel_public_id=channel.public_id, store_url="https://other.example.com"
                )
            ),
            "Channel not found.",
        ),
        (_callback_body(token, key_permissions="read"), "key_permissions must be read_write, got 'read'"),
        (_callback_body(token, consumer_key="ck_xxxxxxxxxxxxxxxx"), "consumer_key is not a WooCommerce consumer key"),
        (_callback_body(token, consumer_secret=CK), "consumer_secret is not a WooCommerce consumer secret"),
        (_callback_body(token, key_id=0), "key_id must be a positive whole number"),
        ("webhook_id=142", "the body is not JSON"),
        ("[]", "the body is not a JSON object"),
    ]

    responses = [_post_callback(app, body) for body, _ in cases]
    answers = [(response.status_code, response.get_json()) for response in responses]

    assert answers == [(400, {"error": reason}) for _, reason in cases]
    [after] = _woo_channels(session)
    assert (after.status, after.credentials_encrypted) == (ChannelStatus.waiting, None)
    assert _jobs(session) == []
    assert caplog.text.count("woocommerce connect callback refused") == len(cases)


def test_a_disabled_channel_takes_no_keys(app, session, shop, client_for):
    params = _authorize_params(_start(client_for(Role.owner)))
    [channel] = _woo_channels(session)
    session.get(SalesChannel, channel.id).status = ChannelStatus.disabled
    session.commit()

    response = _post_callback(app, _callback_body(params["user_id"]))

    assert (response.status_code, response.get_json()) == (400, {"error": "This channel cannot be connected now."})
    assert _woo_channels(session)[0].credentials_encrypted is None


# Another account


def test_a_store_another_account_has_connected_is_refused_there(app, session, shop, other_shop, client_for):
    _in_english(session, other_shop)
    _connected_channel(app, client_for(Role.owner))
    other = client_for(Role.owner, of=other_shop)

    refused = _start(other)

    assert refused.status_code == 409
    assert "already connected to another Retino account" in refused.get_data(as_text=True)
    assert [channel.account_id for channel in _woo_channels(session)] == [shop.account_id]


def test_keys_for_a_store_another_account_holds_are_refused(app, settings, session, shop, other_shop, client_for):
    # The other account started first (a waiting channel proves nothing and blocks no one) ...
    waiting = _authorize_params(_start(client_for(Role.owner, of=other_shop)))
    _connected_channel(app, client_for(Role.owner))

    # ... and its authorisation cannot take the store over afterwards.
    response = _post_callback(app, _callback_body(waiting["user_id"], key_id=9))

    assert response.status_code == 400
    assert [(channel.account_id, channel.status) for channel in _woo_channels(session)] == [
        (other_shop.account_id, ChannelStatus.waiting),
        (shop.account_id, ChannelStatus.connected),
    ]


def test_another_accounts_member_following_the_return_link_finds_no_channel(app, shop, other_shop, client_for):
    params = _connected_channel(app, client_for(Role.owner))
    other = client_for(Role.owner, of=other_shop)

    back = other.get(f"/connect/woocommerce/return?success=1&user_id={params['user_id']}")

    assert other.get(back.headers["Location"]).status_code == 404


# The store address


def test_store_addresses_are_normalised_and_reused(app, session, shop, client_for):
    client = client_for(Role.owner)
    for typed in (
        "shop.example.com",
        "HTTPS://shop.example.com:443/?lang=cs",
        "https://shop.example.com/wp-admin/admin.php?page=wc",
        "https://shop.example.com.",
    ):
        _authorize_params(_start(client, typed))

    assert [channel.external_shop_id for channel in _woo_channels(session)] == [STORE]


def test_bad_store_addresses_are_refused_on_the_form_and_store_nothing(app, session, shop, client_for):
    client = client_for(Role.owner)
    for typed in (
        "",
        "ftp://shop.example.com",
        "https://user:pw@shop.example.com",
        "https://10.0.0.7",
        "https://shop",
        "http://shop.example.com",
    ):
        response = _start(client, typed)
        assert response.status_code == 422, typed
    assert "The store must be reachable over https://." in response.get_data(as_text=True)
    assert _woo_channels(session) == []


def test_plain_http_is_allowed_for_a_local_store_outside_production(app, session, shop, client_for):
    params = _authorize_params(_start(client_for(Role.owner), "http://LOCALHOST:8080/"), store="http://localhost:8080")

    assert params["callback_url"] == "http://shop.example.test/connect/woocommerce/callback"
    assert [channel.shop_url for channel in _woo_channels(session)] == ["http://localhost:8080"]


def test_production_refuses_http_stores_and_gives_the_store_an_https_callback(settings, engine, session, shop):
    app = _production_app(settings, "https://returns.example.test")
    client = app.test_client()
    try:
        client.post(
            "/admin/login",
            data={"email": shop.members[Role.owner].email, "password": "correct horse battery"},
            base_url="https://returns.example.test",
        )

        refused = client.post(
            CONNECT_FORM, data={"store_url": "http://localhost:8080"}, base_url="https://returns.example.test"
        )
        accepted = client.post(CONNECT_FORM, data={"store_url": STORE}, base_url="https://returns.example.test")
    finally:
        app.extensions["retino_runtime"].close()

    assert refused.status_code == 422
    assert "The store must be reachable over https://." in refused.get_data(as_text=True)
    assert _authorize_params(accepted)["callback_url"] == "https://returns.example.test/connect/woocommerce/callback"


def test_production_without_https_cannot_connect_a_store(settings, engine, session, shop):
    app = _production_app(settings, "http://returns.example.test")
    client = app.test_client()
    try:
        sign_in(client, shop.members[Role.owner].email)
        response = _start(client)
    finally:
        app.extensions["retino_runtime"].close()

    assert response.status_code == 503
    assert "needs this installation to be reachable over https" in response.get_data(as_text=True)
    assert _woo_channels(session) == []


def test_with_csrf_on_the_store_posts_its_keys_but_a_forged_confirmation_is_refused(
    csrf_app, settings, session, shop, monkeypatch
):
    dispatched = []
    monkeypatch.setattr(csrf_app.extensions["retino_runtime"].dispatcher, "_run", dispatched.append)
    channel = start_woocommerce_connection(
        session,
        account=shop.account,
        actor=shop.actors[Role.owner],
        payload={"store_url": STORE},
        allow_plain_http=False,
    )
    session.commit()
    token = sign_connect_token(settings.secret_key, channel_public_id=channel.public_id, store_url=STORE)
    client = csrf_app.test_client()

    forged = client.post("/connect/woocommerce/start", data={"store_url": "https://attacker.example.net"})
    keys = client.post("/connect/woocommerce/callback", data=_callback_body(token))

    assert forged.status_code == 400
    assert (keys.status_code, keys.get_json()) == (200, {"status": "connected"})
    assert [(channel.external_shop_id, channel.status) for channel in _woo_channels(session)] == [
        (STORE, ChannelStatus.connected)
    ]
    assert len(dispatched) == 1


def test_only_members_who_manage_channels_may_start(app, shop, session, client_for):
    viewer = client_for(Role.viewer)

    assert viewer.get(f"/connect/woocommerce/start?store_url={quote(STORE)}").status_code == 403
    assert viewer.post("/connect/woocommerce/start", data={"store_url": STORE}).status_code == 403
    assert _woo_channels(session) == []


# The refund choice


def test_the_refund_choice_is_stored_in_the_channels_credentials(app, settings, session, shop, client_for):
    client = client_for(Role.manager)
    _connected_channel(app, client)
    [channel] = _woo_channels(session)
    before = _credentials(settings, channel)

    response = client.post(f"/admin/settings/channels/{channel.id}/woocommerce/refunds", data={"api_refund": "true"})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/settings/channels/{channel.id}#woocommerce-refunds"
    assert _credentials(settings, _woo_channels(session)[0]) == {**before, "api_refund": True}
    page = client.get(f"/admin/settings/channels/{channel.id}").get_data(as_text=True)
    assert 'id="woocommerce-refund-gateway" name="api_refund" value="true" checked' in page

    invalid = client.post(f"/admin/settings/channels/{channel.id}/woocommerce/refunds", data={"api_refund": "maybe"})
    assert invalid.status_code == 422
    assert _credentials(settings, _woo_channels(session)[0])["api_refund"] is True


def test_the_refund_choice_of_another_accounts_channel_is_not_found(
    app, settings, session, shop, other_shop, client_for
):
    _connected_channel(app, client_for(Role.owner))
    [channel] = _woo_channels(session)
    before = channel.credentials_encrypted

    response = client_for(Role.owner, of=other_shop).post(
        f"/admin/settings/channels/{channel.id}/woocommerce/refunds", data={"api_refund": "true"}
    )

    assert response.status_code == 404
    assert _woo_channels(session)[0].credentials_encrypted == before


def test_the_refund_choice_needs_a_connected_woocommerce_channel(app, session, shop, client_for):
    client = client_for(Role.owner)
    _authorize_params(_start(client))
    [waiting] = _woo_channels(session)

    not_connected = client.post(
        f"/admin/settings/channels/{waiting.id}/woocommerce/refunds", data={"api_refund": "true"}
    )
    shoptet = client.post(
        f"/admin/settings/channels/{shop.channel.id}/woocommerce/refunds", data={"api_refund": "true"}
    )

    assert (not_connected.status_code, shoptet.status_code) == (409, 409)
    assert "The store is not connected yet." in client.get(f"/admin/settings/channels/{waiting.id}").get_data(
        as_text=True
    )
    assert "How refunds are paid" not in client.get(f"/admin/settings/channels/{shop.channel.id}").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Shop.Example.com", "https://shop.example.com"),
        ("https://shop.example.com/", "https://shop.example.com"),
        ("https://example.com/shop/", "https://example.com/shop"),
        ("https://example.com:8443/wp/shop?x=1#top", "https://example.com:8443/wp/shop"),
        ("https://example.com/shop/wp-admin/admin.php?page=wc", "https://example.com/shop"),
    ],
)
def test_the_store_address_keeps_a_wordpress_folder(typed, kept):
    from retino_core.channels.connections import normalise_woocommerce_store_url

    assert normalise_woocommerce_store_url(typed, allow_plain_http=False) == kept


@pytest.mark.parametrize(
    "typed", ["https://example.com/shop page", "https://example.com/a/../b", "http://shop.example.com"]
)
def test_a_store_address_with_an_odd_folder_or_plain_http_is_refused(typed):
    from retino_core.channels.connections import WooCommerceConnectionError, normalise_woocommerce_store_url

    with pytest.raises(WooCommerceConnectionError):
        normalise_woocommerce_store_url(typed, allow_plain_http=False)
