"""The pieces of WooCommerce's app authorisation: the signed user_id, the authorise URL, the callback
body (in the shape of WooCommerce's example), the stored credentials and the plugin's return address."""

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from adapters.woocommerce_bridge.client import WooCommerceCredentials
from adapters.woocommerce_bridge.install import (
    ConnectRefused,
    GrantedKeys,
    accepted_return_url,
    authorize_url,
    callback_url_allowed,
    credentials_after_connect,
    parse_callback,
    plugin_return_url,
    read_connect_token,
    sign_connect_token,
)
from tests.adapters.examples import example_bytes

SECRET = "a-test-secret-key-long-enough-for-anything"
STORE = "https://shop.example.com"
CK = "ck_" + "0123456789abcdef" * 2 + "01234567"
CS = "cs_" + "89abcdef01234567" * 2 + "89abcdef"


def _body(**changes):
    """WooCommerce's example callback with keys as WooCommerce makes them (the example's are placeholders)."""
    body = json.loads(example_bytes("woocommerce", "wc-auth-callback.body.json"))
    body.update(consumer_key=CK, consumer_secret=CS, user_id="token")
    body.update(changes)
    return json.dumps(body).encode()


def _keys(key_id=1, consumer_key=CK):
    return GrantedKeys(key_id=key_id, user_id="token", consumer_key=consumer_key, consumer_secret=CS)


def test_a_token_names_the_channel_store_and_plugin_page_and_each_one_is_new():
    first = sign_connect_token(SECRET, channel_public_id="Ab3dE", store_url=STORE, return_url=f"{STORE}/wp-admin/")
    second = sign_connect_token(SECRET, channel_public_id="Ab3dE", store_url=STORE)

    read = read_connect_token(SECRET, first)
    assert (read.channel_public_id, read.store_url, read.return_url) == ("Ab3dE", STORE, f"{STORE}/wp-admin/")
    assert read.nonce != read_connect_token(SECRET, second).nonce
    assert set(first) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_a_token_signed_elsewhere_altered_or_too_old_is_refused():
    token = sign_connect_token(SECRET, channel_public_id="Ab3dE", store_url=STORE)

    for bad, reason in [
        (token, "the connect token is not valid"),
        (token.replace(".", ".x", 1), "the connect token is not valid"),
        ("", "user_id is not a connect token"),
        (123, "user_id is not a connect token"),
        ("x" * 2001, "user_id is not a connect token"),
    ]:
        secret = "another-secret-key-of-another-installation" if bad == token else SECRET
        with pytest.raises(ConnectRefused) as refused:
            read_connect_token(secret, bad)
        assert refused.value.reason == reason
    with pytest.raises(ConnectRefused, match="has expired"):
        read_connect_token(SECRET, token, max_age=-1)


def test_authorize_url_carries_every_parameter_encoded():
    url = authorize_url(
        f"{STORE}/",
        user_id="eyJj.abc-_",
        return_url="https://retino.example/connect/woocommerce/return",
        callback_url="https://retino.example/connect/woocommerce/callback",
    )

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "shop.example.com", "/wc-auth/v1/authorize")
    assert parse_qsl(parts.query) == [
        ("app_name", "Retino"),
        ("scope", "read_write"),
        ("user_id", "eyJj.abc-_"),
        ("return_url", "https://retino.example/connect/woocommerce/return"),
        ("callback_url", "https://retino.example/connect/woocommerce/callback"),
    ]


def test_the_callback_must_be_https_in_production():
    assert callback_url_allowed("https://retino.example/cb", production=True) is True
    assert callback_url_allowed("http://retino.example/cb", production=True) is False
    assert callback_url_allowed("http://127.0.0.1:5000/cb", production=False) is True
    assert callback_url_allowed("ftp://retino.example/cb", production=False) is False


def test_the_plugin_return_url_must_be_on_the_stores_host():
    page = "https://shop.example.com/wp-admin/admin.php?page=retino&_wpnonce=4f2a"

    assert accepted_return_url(f"  {page} ", STORE) == page
    assert (
        accepted_return_url("https://SHOP.example.com:8443/wp-admin/", STORE)
        == "https://SHOP.example.com:8443/wp-admin/"
    )
    for foreign in (
        "https://evil.example/wp-admin/",
        "https://shop.example.com.evil.example/",
        "https://shop.example.com@evil.example/",
        "https://user@shop.example.com/",
        "javascript://shop.example.com/%0aalert(1)",
        "//shop.example.com/wp-admin/",
        "/wp-admin/",
        "https://[::1/",
        "",
    ):
        assert accepted_return_url(foreign, STORE) == "", foreign


def test_plugin_return_url_keeps_its_query_and_fragment_and_names_the_channel_once():
    assert (
        plugin_return_url("https://shop.example.com/wp-admin/admin.php?page=retino&_wpnonce=4f2a#done", "Ab3dE")
        == "https://shop.example.com/wp-admin/admin.php?page=retino&_wpnonce=4f2a&retino_channel=Ab3dE#done"
    )
    assert (
        plugin_return_url("https://shop.example.com/?retino_channel=old&x=", "Ab3dE")
        == "https://shop.example.com/?x=&retino_channel=Ab3dE"
    )


def test_the_callback_in_the_examples_shape_is_read():
    keys = parse_callback(_body(key_id="7"))

    assert (keys.key_id, keys.user_id, keys.consumer_key, keys.consumer_secret) == (7, "token", CK, CS)
    assert CK not in repr(keys)
    assert CS not in repr(keys)


def test_the_examples_placeholder_keys_and_other_bodies_are_refused():
    cases = [
        (example_bytes("woocommerce", "wc-auth-callback.body.json"), "user_id is not a connect token"),
        (_body(consumer_key="ck_xxxxxxxxxxxxxxxx"), "consumer_key is not a WooCommerce consumer key"),
        (_body(consumer_key=CK.upper()), "consumer_key is not a WooCommerce consumer key"),
        (_body(consumer_secret="cs_" + "0" * 31), "consumer_secret is not a WooCommerce consumer secret"),
        (_body(key_permissions="read"), "key_permissions must be read_write, got 'read'"),
        (_body(key_permissions=None), "key_permissions must be read_write, got None"),
        (_body(key_id=True), "key_id must be a positive whole number"),
        (_body(key_id=-1), "key_id must be a positive whole number"),
        (_body(key_id=1.5), "key_id must be a positive whole number"),
        (b"\xff\xfe", "the body is not JSON"),
        (b'"text"', "the body is not a JSON object"),
    ]
    for raw, reason in cases:
        with pytest.raises(ConnectRefused) as refused:
            parse_callback(raw)
        assert refused.value.reason == reason


def test_a_first_connect_stores_the_keys_a_fresh_webhook_secret_and_manual_refunds():
    stored = credentials_after_connect({}, _keys(), nonce="n1", import_days=30)

    assert stored == {
        "consumer_key": CK,
        "consumer_secret": CS,
        "webhook_secret": stored["webhook_secret"],
        "api_refund": False,
        "import_days": 30,
        "key_id": 1,
        "connect_nonce": "n1",
    }
    assert len(stored["webhook_secret"]) >= 40
    assert (
        stored["webhook_secret"] != credentials_after_connect({}, _keys(), nonce="n1", import_days=30)["webhook_secret"]
    )
    assert WooCommerceCredentials.from_mapping(stored).webhook_secret == stored["webhook_secret"]


def test_a_reconnect_keeps_the_webhook_secret_and_choices_and_a_replay_changes_nothing():
    current = {
        "consumer_key": CK,
        "consumer_secret": CS,
        "webhook_secret": "kept-secret",
        "api_refund": True,
        "import_days": 14,
        "key_id": 1,
        "connect_nonce": "n1",
    }

    assert credentials_after_connect(current, _keys(), nonce="n1", import_days=90) is None
    assert credentials_after_connect(current, _keys(), nonce="n2", import_days=90) is None
    again = credentials_after_connect(current, _keys(2, "ck_" + "f" * 40), nonce="n2", import_days=90)
    assert again == {**current, "consumer_key": "ck_" + "f" * 40, "key_id": 2, "connect_nonce": "n2"}
    with pytest.raises(ConnectRefused, match="already been used"):
        credentials_after_connect(current, _keys(3), nonce="n1", import_days=90)


def test_stored_choices_of_the_wrong_type_fall_back_to_the_defaults():
    current = {"webhook_secret": "", "api_refund": "yes", "import_days": True}

    stored = credentials_after_connect(current, _keys(), nonce="n1", import_days=90)

    assert (stored["api_refund"], stored["import_days"], bool(stored["webhook_secret"])) == (False, 90, True)
