"""Installing our Shoptet add-on in an e-shop: the OAuth handshake, the API access tokens and the factory.

1. Shoptet calls our install URL with a one-time ``code`` and gives us five seconds to answer 200.
   :func:`exchange_code` trades it at our add-on's OAuth server (``<oauth url>/token``, the URL the
   partner admin shows) for the permanent OAuth access token of this e-shop × add-on, together
   with ``eshopId``, ``eshopUrl`` and ``contactEmail``; nothing else happens in that request.
2. The rest — a webhook signature key, the order webhooks, the storefront snippets, the first
   order import — runs in the install job (:mod:`adapters.shoptet.tasks`).
3. API calls carry a 30-minute API access token from ``<oauth url>/getAccessToken``. At most five
   may be valid at once per OAuth token, so :func:`api_token_provider` shares one per e-shop
   across every process through the runtime's :class:`~retino_core.platforms.tokens.TokenCache`
   and fetches a new one only when it is about to expire.

Stored credentials (encrypted on the channel): ``oauth_access_token`` and, once the install job
ran, ``signature_key``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from adapters.shoptet.adapter import ShoptetAdapter
from adapters.shoptet.client import API_BASE_URL, PLATFORM, AccessTokenProvider, ShoptetClient
from retino_core.accounts.models import Platform
from retino_core.channels.installs import Installation
from retino_core.platforms.http import AuthExpired, Invalid, PlatformHttp, Unavailable
from retino_core.platforms.tokens import TokenCache, cached_token

if TYPE_CHECKING:
    from retino_core.accounts.credentials import CredentialCipher
    from retino_core.accounts.models import SalesChannel
    from retino_core.config import Settings
    from retino_core.platforms.tokens import CredentialStore

#: Shoptet allows five seconds for the whole install call; the exchange must fit well inside.
EXCHANGE_TIMEOUT = (1.5, 3.0)
TOKEN_TIMEOUT = (3.05, 10.0)

#: E-shop top-level domains and what a new account there starts with (country, currency, language).
SHOP_LOCALES: Mapping[str, tuple[str, str, str]] = {
    "cz": ("CZ", "CZK", "cs"),
    "sk": ("SK", "EUR", "sk"),
    "pl": ("PL", "PLN", "pl"),
    "hu": ("HU", "HUF", "hu"),
    "de": ("DE", "EUR", "de"),
}
DEFAULT_LOCALE = SHOP_LOCALES["cz"]


class InstallRefused(Exception):
    """The code could not be exchanged; the message is for the log (and a short one for Shoptet)."""


@dataclass(frozen=True)
class OAuthServer:
    """Our add-on's OAuth server at Shoptet and our client there (settings ``RETINO_SHOPTET_*``)."""

    url: str
    client_id: str
    client_secret: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> OAuthServer | None:
        """None when the installation has no Shoptet add-on configured."""
        if not settings.shoptet_oauth_url or not settings.shoptet_client_id:
            return None
        return cls(settings.shoptet_oauth_url.rstrip("/"), settings.shoptet_client_id, settings.shoptet_client_secret)


def exchange_code(
    server: OAuthServer, code: str, *, redirect_uri: str, session: requests.Session | None = None
) -> Installation:
    """Trade the install ``code`` for the e-shop's OAuth access token; the shop's identity comes with it.

    One POST, no retry (the code is single-use and the clock runs). InstallRefused for an answer
    without a token or e-shop id, a refusal, a timeout or a connection error.
    """
    if not code or len(code) > 1024:
        raise InstallRefused("the install code is missing or too long")
    body: dict[str, str] = {
        "client_id": server.client_id,
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri,
        "scope": "api",
    }
    if server.client_secret:
        body["client_secret"] = server.client_secret
    http = session or requests.Session()
    try:
        response = http.post(f"{server.url}/token", json=body, timeout=EXCHANGE_TIMEOUT)
    except requests.RequestException as error:
        raise InstallRefused(f"the OAuth server did not answer: {type(error).__name__}") from None
    if response.status_code != 200:
        raise InstallRefused(f"the OAuth server refused the code with HTTP {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        raise InstallRefused("the OAuth server's answer is not JSON") from None
    if not isinstance(answer, dict):
        raise InstallRefused("the OAuth server's answer is not an object")
    token = answer.get("access_token")
    eshop_id = answer.get("eshopId")
    if not isinstance(token, str) or not token or isinstance(eshop_id, bool) or not isinstance(eshop_id, int | str):
        raise InstallRefused("the OAuth server's answer has no access token or e-shop id")
    eshop_url = str(answer.get("eshopUrl") or "")
    country, currency, language = shop_locale(eshop_url)
    contact = answer.get("contactEmail")
    return Installation(
        platform=Platform.shoptet,
        external_shop_id=str(eshop_id),
        shop_url=eshop_url,
        shop_name=urlsplit(eshop_url).hostname or f"Shoptet {eshop_id}",
        contact_email=contact.strip() if isinstance(contact, str) and "@" in contact else "",
        country=country,
        currency=currency,
        language=language,
        credentials={"oauth_access_token": token},
    )


def shop_locale(eshop_url: str) -> tuple[str, str, str]:
    """(country, currency, language) a new account starts with, from the e-shop's domain; Czech by default."""
    host = urlsplit(eshop_url).hostname or ""
    return SHOP_LOCALES.get(host.rsplit(".", 1)[-1], DEFAULT_LOCALE)


def fetch_api_access_token(
    server: OAuthServer, oauth_access_token: str, *, session: requests.Session | None = None
) -> tuple[str, int]:
    """A new API access token and its lifetime in seconds (``GET <oauth url>/getAccessToken``).

    AuthExpired when the OAuth token is refused (the add-on was uninstalled); Unavailable when the
    server cannot be reached or answers 5xx, so the calling job retries later.
    """
    http = session or requests.Session()
    url = f"{server.url}/getAccessToken"
    try:
        response = http.get(url, headers={"Authorization": f"Bearer {oauth_access_token}"}, timeout=TOKEN_TIMEOUT)
    except requests.RequestException as error:
        raise Unavailable(
            f"Shoptet's OAuth server did not answer: {type(error).__name__}", platform=PLATFORM, method="GET", url=url
        ) from None
    if response.status_code in (401, 403):
        raise AuthExpired(
            "Shoptet refused the add-on's OAuth token; install the add-on again",
            platform=PLATFORM,
            method="GET",
            url=url,
            status=response.status_code,
        )
    if response.status_code >= 500:
        raise Unavailable(
            f"Shoptet's OAuth server answered {response.status_code}",
            platform=PLATFORM,
            method="GET",
            url=url,
            status=response.status_code,
        )
    try:
        answer: Any = response.json()
        token, lifetime = answer["access_token"], int(answer.get("expires_in") or 1800)
    except (ValueError, KeyError, TypeError):
        raise Invalid(
            "Shoptet's OAuth server answered without an access token",
            platform=PLATFORM,
            method="GET",
            url=url,
            status=response.status_code,
        ) from None
    if not isinstance(token, str) or not token:
        raise Invalid("Shoptet's OAuth server answered an empty token", platform=PLATFORM, method="GET", url=url)
    return token, lifetime


def api_token_provider(
    server: OAuthServer, *, eshop_id: str, oauth_access_token: str, tokens: TokenCache
) -> AccessTokenProvider:
    """The e-shop's API access token from ``tokens``, fetched once per 30 minutes for all processes."""

    def provide() -> str:
        return cached_token(
            tokens,
            f"shoptet:{eshop_id}:api",
            lambda: fetch_api_access_token(server, oauth_access_token),
        )

    return provide


def create_adapter(
    *,
    channel: SalesChannel,
    settings: Settings,
    cipher: CredentialCipher,
    http: PlatformHttp,
    tokens: TokenCache,
    credentials: CredentialStore | None = None,
) -> ShoptetAdapter:
    """The registry's factory: no I/O; ValueError when the add-on is not configured or the channel has no token."""
    server = OAuthServer.from_settings(settings)
    if server is None:
        raise ValueError("the Shoptet add-on is not configured (RETINO_SHOPTET_OAUTH_URL, RETINO_SHOPTET_CLIENT_ID)")
    stored = cipher.decrypt(channel.credentials_encrypted) if channel.credentials_encrypted else {}
    oauth_token = stored.get("oauth_access_token")
    if not isinstance(oauth_token, str) or not oauth_token:
        raise ValueError("this Shoptet channel has no OAuth token; install the add-on again")
    client = ShoptetClient(
        http,
        eshop_id=channel.external_shop_id,
        access_token=api_token_provider(
            server, eshop_id=channel.external_shop_id, oauth_access_token=oauth_token, tokens=tokens
        ),
        base_url=settings.shoptet_api_url or API_BASE_URL,
    )
    return ShoptetAdapter(
        client,
        signature_key=str(stored.get("signature_key") or ""),
        import_days=settings.platform_import_days,
    )


@dataclass(frozen=True)
class ShopAdmin:
    """An administrator of an e-shop, as the e-shop's own OAuth server vouches for them."""

    eshop_id: str
    email: str
    name: str


class VerificationRefused(Exception):
    """The e-shop's OAuth server did not vouch for the visitor; the message is for the log."""


def verify_shop_admin(
    eshop_oauth_url: str,
    *,
    client_id: str,
    code: str,
    redirect_uri: str,
    session: requests.Session | None = None,
) -> ShopAdmin:
    """Who opened our add-on settings from the e-shop's administration (Shoptet's ``#OAUTH_CODE#``).

    The code is traded at the e-shop's OAuth server (``data.urls[ident=oauth]`` of ``GET /api/eshop``)
    for a token of scope ``basic_eshop``, which reads ``resource?method=getBasicEshop``: the e-shop
    and the signed-in administrator. VerificationRefused for anything short of both.
    """
    if not code or len(code) > 1024:
        raise VerificationRefused("the verification code is missing or too long")
    base = eshop_oauth_url if eshop_oauth_url.endswith("/") else eshop_oauth_url + "/"
    http = session or requests.Session()
    try:
        token_response = http.post(
            base + "token",
            json={
                "client_id": client_id,
                "code": code,
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
                "scope": "basic_eshop",
            },
            timeout=TOKEN_TIMEOUT,
        )
        token = token_response.json().get("access_token") if token_response.status_code == 200 else None
        if not isinstance(token, str) or not token:
            raise VerificationRefused(f"the e-shop's OAuth server refused the code ({token_response.status_code})")
        resource = http.get(
            base + "resource",
            params={"method": "getBasicEshop"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=TOKEN_TIMEOUT,
        )
        answer = resource.json() if resource.status_code == 200 else {}
    except (requests.RequestException, ValueError, AttributeError) as error:
        reason = type(error).__name__
        raise VerificationRefused(f"the e-shop's OAuth server did not answer usefully: {reason}") from None
    data = answer.get("data") if isinstance(answer, dict) else None
    project = data.get("project") if isinstance(data, dict) else None
    user = data.get("user") if isinstance(data, dict) else None
    if not isinstance(project, dict) or not isinstance(user, dict):
        raise VerificationRefused("the e-shop's OAuth server did not name the e-shop and the user")
    email = user.get("email")
    if not isinstance(email, str) or "@" not in email or project.get("id") in (None, ""):
        raise VerificationRefused("the e-shop's OAuth server did not name the e-shop and the user")
    return ShopAdmin(eshop_id=str(project["id"]), email=email.strip().lower(), name=str(user.get("name") or "").strip())
