"""Connecting a platform account to a merchant's Retino account from the admin (Allegro's OAuth consent).

Unlike an app-store install (:mod:`retino_core.channels.installs`), a signed-in member starts this
connection, so the account is known: :func:`connect_platform_channel` creates the account's
channel for the platform's shop or seller, or reconnects the one it has (new credentials, status
``connected``, sync cursors kept). One platform shop belongs to one Retino account: connecting a
shop that another account has connected (and not disabled) is refused, and nothing is stored.

WooCommerce (the ``*_woocommerce_*`` functions) hands its REST keys over in two steps:
:func:`start_woocommerce_connection` creates (or reuses) the channel in ``waiting`` before the
merchant is sent to the store, and :func:`complete_woocommerce_connection` stores the keys the
store then posts to us. :func:`set_woocommerce_refund_mode` keeps the merchant's refund choice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from marshmallow import Schema, fields
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retino_core.accounts import actions as account_actions
from retino_core.accounts.actor import Actor
from retino_core.accounts.credentials import CredentialCipher, CredentialsUnreadable
from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.models import Account, ChannelStatus, Platform, SalesChannel
from retino_core.accounts.permissions import Permission
from retino_core.accounts.schemas import COUNTRIES, CURRENCIES
from retino_core.errors import DomainError, ErrorKind
from retino_core.i18n import N_, SUPPORTED_LANGUAGES
from retino_core.validation import load_or_raise


@dataclass(frozen=True)
class PlatformConnection:
    """What the platform told us about the shop the member connected, and the credentials it granted."""

    platform: Platform
    external_shop_id: str
    name: str
    country: str
    currency: str
    language: str
    credentials: Mapping[str, Any]
    shop_url: str = ""


def connect_platform_channel(
    session: Session, *, account: Account, actor: Actor, cipher: CredentialCipher, connection: PlatformConnection
) -> tuple[SalesChannel, bool]:
    """The account's channel for ``connection``'s shop, connected with its credentials; and whether it is new.

    Needs ``channels.manage`` on an active account. Every channel row of the shop is locked first
    (``FOR UPDATE``), so two members connecting the same shop at once are serialised. A shop
    connected in another account (in any state but ``disabled``) is refused with a conflict. A
    reconnect replaces the credentials and name, clears the error and keeps the sync cursors;
    a first connection is created through :func:`~retino_core.accounts.actions.connect_channel`
    (validated by its schema). The caller's edge commits.
    """
    actor.require(Permission.channels_manage)
    if not account.is_active:
        raise AccountError(
            AccountErrorCode.account_deactivated, N_("This account is deactivated."), kind=ErrorKind.forbidden
        )
    existing = list(
        session.scalars(
            select(SalesChannel)
            .where(
                SalesChannel.platform == connection.platform,
                SalesChannel.external_shop_id == connection.external_shop_id,
            )
            .order_by(SalesChannel.id)
            .with_for_update()
        )
    )
    if any(channel.account_id != account.id and channel.status is not ChannelStatus.disabled for channel in existing):
        raise AccountError(
            AccountErrorCode.channel_exists,
            N_("This shop is already connected to another Retino account. Disconnect it there first."),
            kind=ErrorKind.conflict,
        )
    own = next((channel for channel in existing if channel.account_id == account.id), None)
    if own is not None:
        own.name = connection.name[:200] or own.name
        own.credentials_encrypted = cipher.encrypt(dict(connection.credentials))
        own.status = ChannelStatus.connected
        own.status_message = ""
        own.last_error_at = None
        session.flush()
        return own, False
    channel = account_actions.connect_channel(
        session,
        account=account,
        actor=actor,
        cipher=cipher,
        payload={
            "platform": connection.platform.value,
            "name": connection.name[:200] or connection.external_shop_id,
            "external_shop_id": connection.external_shop_id,
            "country": connection.country,
            "currency": connection.currency,
            "default_language": connection.language,
            "credentials": dict(connection.credentials),
            **({"shop_url": connection.shop_url} if connection.shop_url else {}),
        },
    )
    return channel, True


# --- WooCommerce: a store connected through WooCommerce's app authorisation -------------------


class WooCommerceConnectionErrorCode(Enum):
    #: The store address is not an http(s) URL of a host, or plain http where https is required.
    store_url_invalid = "store_url_invalid"
    #: Another account has this store connected.
    store_taken = "store_taken"
    #: No WooCommerce channel has this public id, or it is for another store.
    channel_not_found = "channel_not_found"
    #: The channel is disabled or its account deactivated: keys are not accepted for it.
    channel_not_connectable = "channel_not_connectable"
    #: The setting exists only on WooCommerce channels.
    not_woocommerce = "not_woocommerce"
    #: The store has not handed us its keys yet.
    not_connected = "not_connected"
    #: The payload breaks the schema.
    invalid_input = "invalid_input"


class WooCommerceConnectionError(DomainError):
    pass


#: Hosts a store may be reached on over plain http outside production (a local WordPress).
WOOCOMMERCE_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
#: A channel's country, currency and language when the account's own are not among the choices.
WOOCOMMERCE_DEFAULTS = ("CZ", "CZK", "cs")
#: Statuses in which a channel holds the store's keys; another account cannot connect the store then.
_WOOCOMMERCE_HOLDING_KEYS = (ChannelStatus.connected, ChannelStatus.error)
_WOOCOMMERCE_HOST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


class _WooCommerceRefundModeSchema(Schema):
    api_refund = fields.Boolean(required=True)


def _woocommerce_store_url_error(message: str) -> WooCommerceConnectionError:
    return WooCommerceConnectionError(
        WooCommerceConnectionErrorCode.store_url_invalid,
        message,
        kind=ErrorKind.invalid,
        field_errors={"store_url": [message]},
    )


#: A WordPress folder in a store's address: plain path segments only.
_WOOCOMMERCE_PATH = re.compile(r"(/[A-Za-z0-9._~-]+)+")
#: Where a pasted address of a WordPress page (the admin, the API, the login) starts: cut there.
_WORDPRESS_ENTRY_POINTS = frozenset({"wp-admin", "wp-json", "wp-login.php", "wc-auth"})


def normalise_woocommerce_store_url(raw: str, *, allow_plain_http: bool) -> str:
    """The store's address as a channel keeps it: ``https://host[:port][/path]``, host lower-cased, no query.

    The path stays (without its trailing slash): WordPress may live in a folder
    (``https://example.com/shop``), and the REST API and the authorisation page are under it. A
    pasted admin or API address is cut where WordPress's own part starts (``/wp-admin/...``).

    A bare host (``shop.example.com``) is taken as https. Plain ``http://`` is accepted only when
    ``allow_plain_http`` (development and testing) and only for ``localhost``/``127.0.0.1``;
    WooCommerce hands keys to an app only over https otherwise. A user name or password in the
    URL, an IP address other than 127.0.0.1 or a malformed host is refused, with the message on
    the ``store_url`` field.
    """
    enter = N_("Enter your store's address, for example https://shop.example.com.")
    text = (raw or "").strip()
    if not text or len(text) > 500:
        raise _woocommerce_store_url_error(enter)
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        raise _woocommerce_store_url_error(enter) from None
    scheme = parts.scheme.lower()
    if scheme not in {"https", "http"} or not host or parts.username is not None or parts.password is not None:
        raise _woocommerce_store_url_error(enter)
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise _woocommerce_store_url_error(enter) from None
    labels = host.split(".")
    if host != "127.0.0.1" and (
        not all(_WOOCOMMERCE_HOST_LABEL.fullmatch(label) for label in labels)
        or (len(labels) < 2 and host != "localhost")
        or labels[-1].isdigit()
    ):
        raise _woocommerce_store_url_error(enter)
    if scheme == "http" and not (allow_plain_http and host in WOOCOMMERCE_LOCAL_HOSTS):
        raise _woocommerce_store_url_error(N_("The store must be reachable over https://."))
    segments = [segment for segment in parts.path.split("/") if segment]
    cut = next((i for i, segment in enumerate(segments) if segment in _WORDPRESS_ENTRY_POINTS), len(segments))
    path = "".join(f"/{segment}" for segment in segments[:cut])
    if path and (not _WOOCOMMERCE_PATH.fullmatch(path) or any(segment in {".", ".."} for segment in segments)):
        raise _woocommerce_store_url_error(enter)
    default_port = 443 if scheme == "https" else 80
    url = f"{scheme}://{host}" + (f":{port}" if port is not None and port != default_port else "") + path
    if len(url) > 200:
        raise _woocommerce_store_url_error(enter)
    return url


def _woocommerce_store_taken(session: Session, store_url: str, account_id: int) -> bool:
    """Whether another account holds keys of this store (locks the store's channel rows until commit)."""
    others = session.scalars(
        select(SalesChannel)
        .where(SalesChannel.platform == Platform.woocommerce, SalesChannel.external_shop_id == store_url)
        .order_by(SalesChannel.id)
        .with_for_update()
    )
    return any(channel.account_id != account_id and channel.status in _WOOCOMMERCE_HOLDING_KEYS for channel in others)


def _woocommerce_taken_error() -> WooCommerceConnectionError:
    return WooCommerceConnectionError(
        WooCommerceConnectionErrorCode.store_taken,
        N_("This shop is already connected to another Retino account. Disconnect it there first."),
        kind=ErrorKind.conflict,
    )


def start_woocommerce_connection(
    session: Session, *, account: Account, actor: Actor, payload: Mapping[str, Any], allow_plain_http: bool
) -> SalesChannel:
    """The account's WooCommerce channel for ``payload["store_url"]``, ready for the store's authorisation.

    Needs ``channels.manage`` on an active account. The URL is normalised
    (:func:`normalise_woocommerce_store_url`); the account's channel for that URL is reused (a
    disabled one goes back to ``waiting``; a connected one stays connected until new keys arrive),
    otherwise a channel is created in ``waiting``: named after the host, with the account's
    country, currency and language (:data:`WOOCOMMERCE_DEFAULTS` where the account's are not among
    a channel's choices), which the merchant may change later. A store another account holds keys
    of is refused (a waiting channel elsewhere proves nothing and blocks no one). The caller commits.
    """
    actor.require(Permission.channels_manage)
    if not account.is_active:
        raise AccountError(
            AccountErrorCode.account_deactivated, N_("This account is deactivated."), kind=ErrorKind.forbidden
        )
    store_url = normalise_woocommerce_store_url(str(payload.get("store_url") or ""), allow_plain_http=allow_plain_http)
    if _woocommerce_store_taken(session, store_url, account.id):
        raise _woocommerce_taken_error()
    lookup = SalesChannel.select_for_account(account.id).where(
        SalesChannel.platform == Platform.woocommerce, SalesChannel.external_shop_id == store_url
    )
    channel = session.scalar(lookup)
    if channel is None:
        country, currency, language = WOOCOMMERCE_DEFAULTS
        channel = SalesChannel(
            account_id=account.id,
            platform=Platform.woocommerce,
            name=urlsplit(store_url).netloc,
            external_shop_id=store_url,
            shop_url=store_url,
            country=account.country if account.country in COUNTRIES else country,
            currency=account.default_currency if account.default_currency in CURRENCIES else currency,
            default_language=account.default_language if account.default_language in SUPPORTED_LANGUAGES else language,
            status=ChannelStatus.waiting,
        )
        try:
            with session.begin_nested():
                session.add(channel)
                session.flush()
        except IntegrityError:
            # The same member submitted twice at once: the other request created it.
            channel = session.scalars(lookup).one()
    elif channel.status is ChannelStatus.disabled:
        channel.status = ChannelStatus.waiting
        channel.status_message = ""
    session.flush()
    return channel


def complete_woocommerce_connection(
    session: Session,
    *,
    channel_public_id: str,
    store_url: str,
    cipher: CredentialCipher,
    credentials: Callable[[Mapping[str, Any]], Mapping[str, Any] | None],
) -> tuple[SalesChannel, bool]:
    """Store the keys the store granted on the channel the authorisation was for; whether anything changed.

    No actor: the store's server calls us, and the caller has verified the signed token that names
    ``channel_public_id`` and ``store_url``. The channel row is locked; it must be a WooCommerce
    channel of that store, not disabled, of an active account, and no other account may hold keys
    of the store (:class:`WooCommerceConnectionError` otherwise, nothing changed).
    ``credentials(current)`` gets the decrypted credentials stored now (``{}`` when none or
    unreadable) and returns the complete new ones, or None when they are in place already (a
    replayed callback): then a connected channel is left exactly as it is. Otherwise the result is
    encrypted and stored and the channel becomes ``connected`` with no error. The caller commits
    and starts the first sync.
    """
    channel = session.scalar(select(SalesChannel).where(SalesChannel.public_id == channel_public_id).with_for_update())
    if channel is None or channel.platform is not Platform.woocommerce or channel.external_shop_id != store_url:
        raise WooCommerceConnectionError(
            WooCommerceConnectionErrorCode.channel_not_found, N_("Channel not found."), kind=ErrorKind.not_found
        )
    account = session.get(Account, channel.account_id)
    if channel.status is ChannelStatus.disabled or account is None or not account.is_active:
        raise WooCommerceConnectionError(
            WooCommerceConnectionErrorCode.channel_not_connectable,
            N_("This channel cannot be connected now."),
            kind=ErrorKind.conflict,
        )
    if _woocommerce_store_taken(session, store_url, channel.account_id):
        raise _woocommerce_taken_error()
    try:
        current = cipher.decrypt(channel.credentials_encrypted) if channel.credentials_encrypted else {}
    except CredentialsUnreadable:
        current = {}
    updated = credentials(current)
    if updated is None and channel.status is ChannelStatus.connected:
        return channel, False
    if updated is not None:
        channel.credentials_encrypted = cipher.encrypt(dict(updated))
    channel.status = ChannelStatus.connected
    channel.status_message = ""
    channel.last_error_at = None
    session.flush()
    return channel, True


def set_woocommerce_refund_mode(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    cipher: CredentialCipher,
    channel_id: int,
    payload: Mapping[str, Any],
) -> SalesChannel:
    """Choose how the channel's refunds are paid: ``api_refund`` true through the store's payment gateway,
    false recorded in WooCommerce only (the merchant pays back himself).

    Needs ``channels.manage`` on an active account; another account's channel is not found. Kept in
    the channel's encrypted credentials, where the adapter reads it; only a connected WooCommerce
    channel has them (a conflict otherwise).
    """
    actor.require(Permission.channels_manage)
    if not account.is_active:
        raise AccountError(
            AccountErrorCode.account_deactivated, N_("This account is deactivated."), kind=ErrorKind.forbidden
        )
    channel = account_actions.get_channel(session, account=account, channel_id=channel_id)
    if channel.platform is not Platform.woocommerce:
        raise WooCommerceConnectionError(
            WooCommerceConnectionErrorCode.not_woocommerce,
            N_("Only WooCommerce channels have this setting."),
            kind=ErrorKind.conflict,
        )
    data = load_or_raise(
        _WooCommerceRefundModeSchema(),
        payload,
        error_class=WooCommerceConnectionError,
        code=WooCommerceConnectionErrorCode.invalid_input,
    )
    session.refresh(channel, with_for_update=True)
    if not channel.credentials_encrypted:
        raise WooCommerceConnectionError(
            WooCommerceConnectionErrorCode.not_connected,
            N_("The store is not connected yet."),
            kind=ErrorKind.conflict,
        )
    current = cipher.decrypt(channel.credentials_encrypted)
    if current.get("api_refund") is not data["api_refund"]:
        channel.credentials_encrypted = cipher.encrypt({**current, "api_refund": data["api_refund"]})
        session.flush()
    return channel


def woocommerce_refund_mode(channel: SalesChannel, cipher: CredentialCipher) -> bool | None:
    """The channel's ``api_refund`` choice; None for a channel that is not WooCommerce or holds no readable keys."""
    if channel.platform is not Platform.woocommerce or not channel.credentials_encrypted:
        return None
    try:
        value = cipher.decrypt(channel.credentials_encrypted).get("api_refund", False)
    except CredentialsUnreadable:
        return None
    return value is True
