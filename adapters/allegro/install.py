"""Connecting an Allegro seller: OAuth 2 (authorization code with PKCE, device flow) and token refresh.

One Allegro application (``settings.allegro_client_id``/``allegro_client_secret``) serves every
seller; each seller authorises it once and we keep their tokens in the channel's encrypted
credentials as ``{access_token, refresh_token, expires_at}`` (``expires_at`` ISO 8601 in UTC).

- **Hosts** follow ``settings.allegro_environment`` (:func:`hosts_for`): ``allegro.pl`` and
  ``api.allegro.pl`` in production, the ``.allegrosandbox.pl`` twins in the sandbox.
- **Authorization code**: the admin redirects the seller to :meth:`AllegroOAuth.authorize_url`
  with a signed ``state`` (:func:`sign_state`: account, user and a nonce, valid 10 minutes) and a
  PKCE S256 challenge. The verifier is never stored: it is an HMAC of the nonce under our secret
  key (:func:`code_verifier_for`), so the callback derives it again from the state it verified.
- **Device flow** (self-hosted installs without a public callback): :meth:`AllegroOAuth.start_device_flow`,
  then :meth:`AllegroOAuth.poll_device` once per check, honouring ``interval`` and ``slow_down``.
- **Refresh**: access tokens live 12 hours. :func:`refreshing_token_provider` hands the adapter a
  token from the shared token cache and, when the stored one expires within
  :data:`REFRESH_MARGIN_SECONDS`, refreshes it under the channel's row lock in a transaction of
  its own (:meth:`CredentialStore.update`): Allegro replaces the refresh token on every refresh,
  so two workers refreshing at once must not both spend the old one.

Token requests go to the auth host with HTTP Basic ``client_id:client_secret`` as form bodies,
through the core HTTP client (timeouts, masked logs); they are never retried blindly, since an
authorization code is single-use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from itsdangerous import BadData, URLSafeTimedSerializer

from adapters.allegro.client import (
    PLATFORM,
    PRODUCTION_API_URL,
    SANDBOX_API_URL,
    TokenProvider,
    build_client,
)
from adapters.allegro.errors import PayloadError
from retino_core import clock
from retino_core.platforms import payload
from retino_core.platforms.http import AuthExpired, Invalid, PlatformHttp, PlatformHttpClient
from retino_core.platforms.tokens import cached_token

if TYPE_CHECKING:
    import requests

    from retino_core.config import Settings
    from retino_core.platforms.tokens import CredentialStore, TokenCache

PRODUCTION_AUTH_URL = "https://allegro.pl"
SANDBOX_AUTH_URL = "https://allegro.pl.allegrosandbox.pl"
AUTHORIZE_PATH = "/auth/oauth/authorize"
TOKEN_PATH = "/auth/oauth/token"  # noqa: S105 - a URL path, not a secret
DEVICE_PATH = "/auth/oauth/device"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
#: Where Allegro sends the seller back after the authorization; registered with our application.
CALLBACK_PATH = "/connect/allegro/callback"
#: A stored access token expiring sooner than this is refreshed before use (they live 12 hours).
REFRESH_MARGIN_SECONDS = 30 * 60
#: How long a signed ``state`` is accepted: the seller has this long to log in and consent.
STATE_MAX_AGE_SECONDS = 10 * 60
#: RFC 8628 §3.5: ``slow_down`` adds five seconds to the polling interval.
SLOW_DOWN_STEP_SECONDS = 5
DEFAULT_DEVICE_INTERVAL_SECONDS = 5
_STATE_SALT = "retino-allegro-connect"
_PKCE_LABEL = b"retino-allegro-pkce:"


@dataclass(frozen=True)
class AllegroHosts:
    """The OAuth host (``/auth/oauth/...``) and the REST API host of one Allegro environment."""

    auth_url: str
    api_url: str


def hosts_for(environment: str) -> AllegroHosts:
    """``production`` or ``sandbox`` (``settings.allegro_environment``); ValueError otherwise."""
    if environment == "production":
        return AllegroHosts(PRODUCTION_AUTH_URL, PRODUCTION_API_URL)
    if environment == "sandbox":
        return AllegroHosts(SANDBOX_AUTH_URL, SANDBOX_API_URL)
    raise ValueError(f"allegro_environment must be production or sandbox, got {environment!r}")


def is_configured(settings: Settings) -> bool:
    """Connecting Allegro needs our application's client id and secret in the settings."""
    return bool(settings.allegro_client_id and settings.allegro_client_secret)


def callback_url(settings: Settings) -> str:
    """The ``redirect_uri`` we register and send: ``{public_base_url}/connect/allegro/callback``."""
    return settings.public_base_url.rstrip("/") + CALLBACK_PATH


# --- tokens -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenSet:
    """What a token answer gives: the access token, the refresh token that replaces the old one, the expiry."""

    access_token: str
    refresh_token: str
    expires_at: datetime

    def as_credentials(self) -> dict[str, str]:
        """The channel's credentials: ``expires_at`` as ISO 8601 in UTC."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.astimezone(UTC).isoformat(),
        }

    @classmethod
    def from_answer(cls, answer: Any, *, now: datetime) -> TokenSet:
        body = payload.as_mapping(answer, "token")
        lifetime = body.get("expires_in")
        if isinstance(lifetime, bool) or not isinstance(lifetime, int | str) or not str(lifetime).isdigit():
            raise PayloadError("token.expires_in must be a whole number of seconds")
        return cls(
            access_token=payload.required_text(body, "access_token", "token"),
            refresh_token=payload.required_text(body, "refresh_token", "token"),
            expires_at=now + timedelta(seconds=int(lifetime)),
        )


def stored_expiry(credentials: Mapping[str, Any]) -> datetime | None:
    """``expires_at`` of stored credentials as an aware UTC datetime; None when absent or unreadable."""
    value = credentials.get("expires_at")
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


# --- device flow ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceAuthorization:
    """A started device flow: show ``user_code`` and ``verification_uri``; keep ``device_code`` secret."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    interval: int
    expires_at: datetime


class DevicePollStatus(Enum):
    #: The seller has not confirmed yet; ask again after ``interval`` seconds.
    pending = "pending"
    #: We asked too often; ``interval`` is now five seconds longer.
    slow_down = "slow_down"
    #: The seller refused the application.
    denied = "denied"
    #: The device code expired (or Allegro no longer knows it); start again.
    expired = "expired"
    #: Confirmed: ``tokens`` are the seller's.
    granted = "granted"


@dataclass(frozen=True)
class DevicePoll:
    status: DevicePollStatus
    #: Seconds to wait before the next poll (the interval, grown by ``slow_down``).
    interval: int
    tokens: TokenSet | None = None


# --- the OAuth client -------------------------------------------------------------------------


class AllegroOAuth:
    """Our application's calls to Allegro's OAuth server (``/auth/oauth/*``), HTTP Basic with the client."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        auth_url: str,
        http: PlatformHttp,
        session: requests.Session | None = None,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        if not client_id or not client_secret:
            raise ValueError("connecting Allegro needs allegro_client_id and allegro_client_secret")
        self.client_id = client_id
        self.auth_url = auth_url.rstrip("/")
        self._now = now
        self._http: PlatformHttpClient = http.client(
            self.auth_url,
            platform=PLATFORM,
            installation_key=f"{PLATFORM}:oauth",
            auth=(client_id, client_secret),
            session=session,
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, http: PlatformHttp, **options: Any) -> AllegroOAuth:
        """The client for ``settings``' application and environment; ValueError when it is not configured."""
        return cls(
            client_id=settings.allegro_client_id,
            client_secret=settings.allegro_client_secret,
            auth_url=hosts_for(settings.allegro_environment).auth_url,
            http=http,
            **options,
        )

    def close(self) -> None:
        self._http.close()

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str) -> str:
        """Where to send the seller's browser: the consent page, coming back to ``redirect_uri``."""
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "state": state,
                "code_challenge_method": "S256",
                "code_challenge": code_challenge,
            }
        )
        return f"{self.auth_url}{AUTHORIZE_PATH}?{query}"

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        """Trade the callback's ``code`` for tokens; ``Invalid`` when Allegro refuses it (used, expired)."""
        return self._tokens(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            }
        )

    def refresh(self, refresh_token: str) -> TokenSet:
        """New tokens for ``refresh_token``; a refused refresh token raises ``AuthExpired`` (reconnect)."""
        try:
            return self._tokens({"grant_type": "refresh_token", "refresh_token": refresh_token})
        except Invalid as error:
            if "invalid_grant" in error.codes:
                raise AuthExpired(
                    "Allegro refused to refresh the access token "
                    f"({error.message}); the seller must connect the channel again",
                    platform=PLATFORM,
                    method=error.method,
                    url=error.url,
                    status=error.status,
                    codes=error.codes,
                ) from error
            raise

    def start_device_flow(self) -> DeviceAuthorization:
        """``POST /auth/oauth/device``: a user code for the seller to confirm at the verification URI."""
        answer = payload.as_mapping(
            self._http.request_json("POST", DEVICE_PATH, data={"client_id": self.client_id}, idempotent=False),
            "device",
        )
        interval = _seconds(answer.get("interval"), DEFAULT_DEVICE_INTERVAL_SECONDS)
        verification_uri = payload.required_text(answer, "verification_uri", "device")
        return DeviceAuthorization(
            device_code=payload.required_text(answer, "device_code", "device"),
            user_code=payload.required_text(answer, "user_code", "device"),
            verification_uri=verification_uri,
            verification_uri_complete=payload.text(answer, "verification_uri_complete", "device") or verification_uri,
            interval=interval,
            expires_at=self._now() + timedelta(seconds=_seconds(answer.get("expires_in"), 0)),
        )

    def poll_device(self, device_code: str, *, interval: int = DEFAULT_DEVICE_INTERVAL_SECONDS) -> DevicePoll:
        """Ask the token endpoint once whether the seller confirmed ``device_code``.

        ``authorization_pending`` and ``slow_down`` (interval + 5 s) say to ask again later;
        ``access_denied`` and ``expired_token`` (or ``invalid_grant``: Allegro no longer knows
        the code) end the flow. Any other refusal raises ``Invalid``.
        """
        try:
            tokens = self._tokens({"grant_type": DEVICE_CODE_GRANT, "device_code": device_code})
        except Invalid as error:
            if "authorization_pending" in error.codes:
                return DevicePoll(DevicePollStatus.pending, interval)
            if "slow_down" in error.codes:
                return DevicePoll(DevicePollStatus.slow_down, interval + SLOW_DOWN_STEP_SECONDS)
            if "access_denied" in error.codes:
                return DevicePoll(DevicePollStatus.denied, interval)
            if "expired_token" in error.codes or "invalid_grant" in error.codes:
                return DevicePoll(DevicePollStatus.expired, interval)
            raise
        return DevicePoll(DevicePollStatus.granted, interval, tokens)

    def _tokens(self, form: Mapping[str, str]) -> TokenSet:
        answer = self._http.request_json("POST", TOKEN_PATH, data=dict(form), idempotent=False)
        return TokenSet.from_answer(answer, now=self._now())


def _seconds(value: Any, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    return default


# --- state and PKCE ---------------------------------------------------------------------------


class InvalidState(ValueError):
    """The callback's ``state`` is missing, tampered with or older than :data:`STATE_MAX_AGE_SECONDS`."""


@dataclass(frozen=True)
class ConnectState:
    """Who started the connection (the account and the signed-in user) and the nonce naming its PKCE verifier."""

    account_id: int
    user_id: int
    nonce: str


def sign_state(secret_key: str, *, account_id: int, user_id: int) -> tuple[str, ConnectState]:
    """A new ``state`` for the authorize URL and what it carries (a fresh random nonce)."""
    started = ConnectState(account_id=account_id, user_id=user_id, nonce=secrets.token_urlsafe(16))
    token = URLSafeTimedSerializer(secret_key, salt=_STATE_SALT).dumps(
        {"a": started.account_id, "u": started.user_id, "n": started.nonce}
    )
    return token, started


def read_state(secret_key: str, token: str, *, max_age: int = STATE_MAX_AGE_SECONDS) -> ConnectState:
    """The :class:`ConnectState` signed in ``token``; :class:`InvalidState` when it is bad or expired."""
    if not token:
        raise InvalidState("the answer carries no state")
    try:
        data = URLSafeTimedSerializer(secret_key, salt=_STATE_SALT).loads(token, max_age=max_age)
    except BadData as error:
        raise InvalidState(f"the state is invalid or expired ({type(error).__name__})") from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("a"), int)
        or not isinstance(data.get("u"), int)
        or not isinstance(data.get("n"), str)
    ):
        raise InvalidState("the state does not say who started the connection")
    return ConnectState(account_id=data["a"], user_id=data["u"], nonce=data["n"])


def code_verifier_for(secret_key: str, nonce: str) -> str:
    """The PKCE verifier of ``nonce``: base64url HMAC-SHA256 under our secret key (43 characters, RFC 7636)."""
    digest = hmac.new(secret_key.encode("utf-8"), _PKCE_LABEL + nonce.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def code_challenge(verifier: str) -> str:
    """The S256 challenge of ``verifier``: base64url SHA-256 without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# --- the seller -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SellerIdentity:
    """``GET /me``: the seller id (our ``external_shop_id``) and the login (the channel's name)."""

    seller_id: str
    login: str


def read_seller(
    http: PlatformHttp, *, api_url: str, access_token: str, session: requests.Session | None = None
) -> SellerIdentity:
    """Who ``access_token`` belongs to, read with ``GET /me``."""
    client = build_client(
        http, base_url=api_url, seller_id="connect", token_provider=lambda: access_token, session=session
    )
    try:
        me = payload.as_mapping(client.get_me(), "me")
    finally:
        client.close()
    return SellerIdentity(
        seller_id=payload.required_text(me, "id", "me"), login=payload.required_text(me, "login", "me")
    )


# --- the adapter's token provider -------------------------------------------------------------


def access_token_cache_key(channel_id: int) -> str:
    """The token cache key of a channel's access token; invalidate it when the seller reconnects."""
    return f"{PLATFORM}:{channel_id}:access"


def refreshing_token_provider(
    *,
    channel_id: int,
    oauth: AllegroOAuth,
    tokens: TokenCache,
    credentials: CredentialStore,
    now: Callable[[], datetime] = clock.now,
) -> TokenProvider:
    """A provider answering the channel's access token, refreshed when it expires within 30 minutes.

    The token comes from ``tokens`` (shared by the installation's processes) while it has more
    than :data:`REFRESH_MARGIN_SECONDS` to live. Otherwise one caller, under the cache's lock,
    reads the stored credentials (without a lock); only when they expire soon does it take the
    channel's row lock (:meth:`CredentialStore.update`), look again (another process may have
    refreshed meanwhile), refresh with the refresh token and commit the new set at once, so a job
    that later fails keeps them. A refused refresh token raises ``AuthExpired``: the seller must
    reconnect.

    The row lock is taken in a transaction of its own: a caller whose own transaction holds the
    channel row locked waits for itself while a refresh is due.
    """

    def fetch() -> tuple[str, int]:
        stored = credentials.load(channel_id)
        if _refresh_if_due(stored, None, now()) is not None:
            stored = credentials.update(channel_id, lambda current: _refresh_if_due(current, oauth, now()))
        token = stored.get("access_token")
        if not isinstance(token, str) or not token:
            raise _not_connected()
        expires_at = stored_expiry(stored)
        if expires_at is None:
            # A token stored without its expiry (entered by hand): used, and read again in five minutes.
            return token, REFRESH_MARGIN_SECONDS + 300
        return token, int((expires_at - now()).total_seconds())

    def access_token() -> str:
        return cached_token(tokens, access_token_cache_key(channel_id), fetch, margin_seconds=REFRESH_MARGIN_SECONDS)

    return access_token


def _refresh_if_due(current: Mapping[str, Any], oauth: AllegroOAuth | None, now: datetime) -> dict[str, str] | None:
    """The refreshed credentials when the stored access token is missing or expires soon; None to keep them.

    Without ``oauth`` it only tells whether a refresh is due (an empty dict when it is).
    """
    access_token = current.get("access_token")
    expires_at = stored_expiry(current)
    has_token = isinstance(access_token, str) and bool(access_token)
    if has_token and (expires_at is None or expires_at - now > timedelta(seconds=REFRESH_MARGIN_SECONDS)):
        return None
    refresh_token = current.get("refresh_token")
    if not isinstance(refresh_token, str) or not refresh_token:
        if has_token and expires_at is not None and expires_at > now:
            return None
        raise _not_connected()
    if oauth is None:
        return {}
    return oauth.refresh(refresh_token).as_credentials()


def _not_connected() -> AuthExpired:
    return AuthExpired(
        "no usable Allegro token is stored for this channel; connect it again", platform=PLATFORM, method="", url=""
    )
