"""Connecting a WooCommerce store through WooCommerce's app authorisation (``/wc-auth/v1/authorize``).

The flow, and what this module holds for each step (the web edge wires them, the core stores):

1. We send the merchant to :func:`authorize_url`: ``{store}/wc-auth/v1/authorize`` with our app
   name, ``scope=read_write``, a ``user_id`` and our ``return_url`` and ``callback_url``. The
   ``user_id`` is ours to choose and comes back unchanged in steps 2 and 3, so it is a signed,
   expiring token (:func:`sign_connect_token`) naming the channel, the store URL, a random nonce and
   the WordPress plugin's own return address when the flow started there.
2. After the merchant approves, WooCommerce creates REST keys and POSTs them as JSON to our
   callback from the store's server: ``{key_id, user_id, consumer_key, consumer_secret,
   key_permissions}``. :func:`parse_callback` checks the body; :func:`read_connect_token` checks
   the ``user_id``; :func:`credentials_after_connect` builds what the channel stores. WooCommerce
   deletes the keys again unless the answer is exactly 200.
3. WooCommerce redirects the browser to ``return_url?success=1|0&user_id=<token>``
   (``success=0`` when the merchant declined). :func:`plugin_return_url` builds the address the
   plugin's flow ends on.

WooCommerce itself insists on an ``https://`` ``callback_url`` and, being a server-side POST from
the store, the callback must be reachable from the internet.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from adapters.woocommerce_bridge.client import APP_NAME, WooCommerceCredentials

#: The access we ask for: reading orders and webhooks, writing refunds, notes and webhooks.
SCOPE = "read_write"
#: Seconds a connect token stays valid: a WordPress sign-in plus the approval screen fit easily.
CONNECT_TOKEN_MAX_AGE = 3600
#: The query parameter :func:`plugin_return_url` adds: the channel the plugin was connected to.
PLUGIN_CHANNEL_PARAMETER = "retino_channel"
_TOKEN_SALT = "retino.woocommerce-connect"  # noqa: S105 - a namespace for signatures, not a secret
#: WooCommerce makes keys as ``ck_``/``cs_`` + ``wc_rand_hash()`` (40 hex digits); allow other lengths of hex.
_CONSUMER_KEY = re.compile(r"ck_[0-9a-f]{32,64}")
_CONSUMER_SECRET = re.compile(r"cs_[0-9a-f]{32,64}")
_MAX_USER_ID_LENGTH = 2000
_MAX_KEY_ID = 2**63 - 1


class ConnectRefused(Exception):
    """A connect step that must not go on; ``reason`` says why in a short English sentence, safe to log and answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ConnectToken:
    """What a connect token names: the channel (public id) and its store URL, a nonce, the plugin's return URL."""

    channel_public_id: str
    store_url: str
    nonce: str
    #: Where the WordPress plugin wants the browser back, already checked to be on the store's host; or "".
    return_url: str = ""


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_TOKEN_SALT)


def sign_connect_token(secret_key: str, *, channel_public_id: str, store_url: str, return_url: str = "") -> str:
    """The ``user_id`` for one authorisation: signed with ``secret_key``, valid :data:`CONNECT_TOKEN_MAX_AGE` seconds.

    URL-safe (letters, digits, ``-_.``), so it survives WooCommerce's ``wc_clean`` on the way back.
    """
    nonce = secrets.token_urlsafe(12)
    return _serializer(secret_key).dumps({"c": channel_public_id, "s": store_url, "n": nonce, "r": return_url})


def read_connect_token(secret_key: str, token: Any, *, max_age: int = CONNECT_TOKEN_MAX_AGE) -> ConnectToken:
    """The token's contents; :class:`ConnectRefused` when it is not one we signed, was altered or is too old."""
    if not isinstance(token, str) or not token or len(token) > _MAX_USER_ID_LENGTH:
        raise ConnectRefused("user_id is not a connect token")
    try:
        data = _serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ConnectRefused("the connect token has expired") from None
    except BadData:
        raise ConnectRefused("the connect token is not valid") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(key), str) for key in ("c", "s", "n", "r")):
        raise ConnectRefused("the connect token is not valid")
    if not data["c"] or not data["s"] or not data["n"]:
        raise ConnectRefused("the connect token is not valid")
    return ConnectToken(channel_public_id=data["c"], store_url=data["s"], nonce=data["n"], return_url=data["r"])


def authorize_url(store_url: str, *, user_id: str, return_url: str, callback_url: str) -> str:
    """``{store_url}/wc-auth/v1/authorize?app_name=Retino&scope=read_write&user_id=…&return_url=…&callback_url=…``."""
    query = urlencode(
        {
            "app_name": APP_NAME,
            "scope": SCOPE,
            "user_id": user_id,
            "return_url": return_url,
            "callback_url": callback_url,
        }
    )
    return f"{store_url.rstrip('/')}/wc-auth/v1/authorize?{query}"


def callback_url_allowed(callback_url: str, *, production: bool) -> bool:
    """Whether WooCommerce may be given ``callback_url``: ``https://`` in production (WooCommerce refuses
    anything else), ``http://`` too in development and testing, where the store is a local mock."""
    scheme = urlsplit(callback_url).scheme.lower()
    return scheme == "https" or (scheme == "http" and not production)


def accepted_return_url(return_url: str, store_url: str) -> str:
    """``return_url`` when it is an http(s) address on the store's own host (the plugin's page), else ``""``.

    Anything else would make our redirect an open redirect to a third site, so it is ignored.
    """
    candidate = return_url.strip()
    if not candidate or len(candidate) > _MAX_USER_ID_LENGTH // 2:
        return ""
    try:
        parts, store = urlsplit(candidate), urlsplit(store_url)
        hosts = (parts.hostname, store.hostname)
    except ValueError:
        return ""
    if parts.scheme.lower() not in {"http", "https"} or parts.username or parts.password or None in hosts:
        return ""
    return candidate if hosts[0] == hosts[1] else ""


def plugin_return_url(return_url: str, channel_public_id: str) -> str:
    """``return_url`` with ``retino_channel=<public id>`` added, its own query (the plugin's nonce) kept."""
    parts = urlsplit(return_url)
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)]
    query = [(name, value) for name, value in query if name != PLUGIN_CHANNEL_PARAMETER]
    query.append((PLUGIN_CHANNEL_PARAMETER, channel_public_id))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


@dataclass(frozen=True)
class GrantedKeys:
    """The callback's content once checked. ``repr`` hides the keys (they end up in logs otherwise)."""

    key_id: int
    user_id: str
    consumer_key: str
    consumer_secret: str

    def __repr__(self) -> str:
        return f"GrantedKeys(key_id={self.key_id!r}, consumer_key='***')"


def parse_callback(raw_body: bytes) -> GrantedKeys:
    """Check the JSON WooCommerce POSTs to our callback; :class:`ConnectRefused` with the first problem found.

    ``key_permissions`` must be ``read_write`` (what we asked for: read-only keys cannot refund or
    manage webhooks), ``key_id`` a positive whole number, the keys ``ck_``/``cs_`` + hex digits.
    ``user_id`` is only required to be text here; :func:`read_connect_token` checks it.
    """
    try:
        body = json.loads(raw_body)
    except (UnicodeDecodeError, ValueError):
        raise ConnectRefused("the body is not JSON") from None
    if not isinstance(body, dict):
        raise ConnectRefused("the body is not a JSON object")
    permissions = body.get("key_permissions")
    if permissions != SCOPE:
        raise ConnectRefused(f"key_permissions must be {SCOPE}, got {repr(permissions)[:40]}")
    key_id = body.get("key_id")
    if isinstance(key_id, str) and key_id.isascii() and key_id.isdigit():
        key_id = int(key_id)
    if isinstance(key_id, bool) or not isinstance(key_id, int) or not 0 < key_id <= _MAX_KEY_ID:
        raise ConnectRefused("key_id must be a positive whole number")
    user_id = body.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        raise ConnectRefused("user_id is not a connect token")
    consumer_key, consumer_secret = body.get("consumer_key"), body.get("consumer_secret")
    if not isinstance(consumer_key, str) or _CONSUMER_KEY.fullmatch(consumer_key) is None:
        raise ConnectRefused("consumer_key is not a WooCommerce consumer key")
    if not isinstance(consumer_secret, str) or _CONSUMER_SECRET.fullmatch(consumer_secret) is None:
        raise ConnectRefused("consumer_secret is not a WooCommerce consumer secret")
    return GrantedKeys(key_id=key_id, user_id=user_id, consumer_key=consumer_key, consumer_secret=consumer_secret)


def credentials_after_connect(
    current: Mapping[str, Any], keys: GrantedKeys, *, nonce: str, import_days: int
) -> dict[str, Any] | None:
    """The channel's credentials once ``keys`` are accepted; None when they hold these keys already (a replay).

    ``current`` is what the channel stores now (``{}`` on a first connect). The result is the
    :class:`~adapters.woocommerce_bridge.client.WooCommerceCredentials` shape plus ``key_id`` and
    ``connect_nonce`` (which authorisation stored them):

    - a first connect gets a fresh random ``webhook_secret``, ``api_refund`` false (manual refunds
      until the merchant chooses the gateway) and ``import_days``;
    - a reconnect (new keys for a channel that has some) keeps the webhook secret, the refund
      choice and the import window, so the webhooks already on the store keep verifying;
    - the same ``key_id`` again is a replayed callback: nothing changes;
    - other keys under the authorisation (nonce) that already stored keys are refused: a token
      connects once, so a copied token cannot swap the keys for another store's.
    """
    if current.get("key_id") == keys.key_id:
        return None
    if current.get("connect_nonce") == nonce:
        raise ConnectRefused("this authorisation has already been used")
    api_refund = current.get("api_refund")
    days = current.get("import_days")
    stored = {
        "consumer_key": keys.consumer_key,
        "consumer_secret": keys.consumer_secret,
        "webhook_secret": current.get("webhook_secret") or secrets.token_urlsafe(32),
        "api_refund": api_refund if isinstance(api_refund, bool) else False,
        "import_days": days if isinstance(days, int) and not isinstance(days, bool) and days > 0 else import_days,
        "key_id": keys.key_id,
        "connect_nonce": nonce,
    }
    WooCommerceCredentials.from_mapping(stored)  # the adapter must be able to read what is stored
    return stored
