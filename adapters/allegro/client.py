"""HTTP to the Allegro REST API for one seller, on top of the core's :class:`PlatformHttpClient`.

What Allegro asks of every call, done here once:

- ``Authorization: Bearer <access token>``. The token comes from a *token provider*, a callable
  with no arguments returning the current access token, asked again on every attempt (retries
  included); :mod:`adapters.allegro.install` provides the one that refreshes the 12-hour tokens.
- Vendor media types: ``Accept: application/vnd.allegro.public.v1+json`` on every call and the same
  ``Content-Type`` on bodies; beta resources (customer returns, post-purchase issues) use
  ``application/vnd.allegro.beta.v1+json`` instead. Allegro answers 406 to plain JSON.
- The host: production (:data:`PRODUCTION_API_URL`) or sandbox (:data:`SANDBOX_API_URL`); the
  caller chooses, the client only refuses a relative URL.
- Pacing per seller (``installation_key`` ``allegro:<seller id>``): a main bucket
  (:data:`SELLER_RATE_LIMIT`) and, for the message centre's 1 request/s per user, a second one
  (:data:`MESSAGING_RATE_LIMIT`).

Retries, backoff, ``Retry-After`` and error mapping (401 → ``AuthExpired``, 404 → ``NotFound``,
422 → ``Invalid`` ...) are the core client's. POSTs are sent once unless the caller says the
platform dedupes them (the refund's ``commandId``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import requests

from retino_core.platforms.http import NotFound, PlatformHttp, PlatformHttpClient, RateLimit

PLATFORM = "allegro"
PRODUCTION_API_URL = "https://api.allegro.pl"
SANDBOX_API_URL = "https://api.allegro.pl.allegrosandbox.pl"
PUBLIC_MEDIA_TYPE = "application/vnd.allegro.public.v1+json"
BETA_MEDIA_TYPE = "application/vnd.allegro.beta.v1+json"

#: Our share per seller of the 9,000 requests/min Allegro allows one Client ID across all sellers,
#: so one busy seller's sync cannot get every seller's calls blocked for a minute.
SELLER_RATE_LIMIT = RateLimit(per_second=10, burst=10)
#: ``POST /messaging/messages`` is limited to 1 request/s per user (the spec's description).
MESSAGING_RATE_LIMIT = RateLimit(per_second=1, name="messaging")
#: The most events ``GET /order/events`` returns in one page.
EVENTS_PAGE_LIMIT = 1000
#: Customer returns asked for per page (``GET /order/customer-returns`` allows 1 to 1,000, default 100).
RETURNS_PAGE_LIMIT = 100

#: Returns the seller's current access token; asked on every attempt, so it may refresh in between.
TokenProvider = Callable[[], str]


class BearerToken(requests.auth.AuthBase):
    """Sets ``Authorization: Bearer <token>`` from a :data:`TokenProvider` on each prepared request."""

    def __init__(self, token_provider: TokenProvider) -> None:
        self._token_provider = token_provider

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token_provider()}"
        return request


def is_checkout_form_id(value: str) -> bool:
    """True for a checkout-form id as Allegro writes them: a UUID in its hyphenated form."""
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (ValueError, AttributeError, TypeError):
        return False


class AllegroClient:
    """The Allegro operations the adapter uses, each answering the parsed JSON (amounts as ``Decimal``).

    Build it with :func:`build_client`. Like the core client it wraps, it is for one job at a time.
    """

    def __init__(self, http_client: PlatformHttpClient) -> None:
        self.http = http_client

    def close(self) -> None:
        self.http.close()

    def get_checkout_form(self, checkout_form_id: str) -> Any:
        """``GET /order/checkout-forms/{id}``; ``NotFound`` for an id that is not a UUID, without asking."""
        if not is_checkout_form_id(checkout_form_id):
            raise NotFound(
                f"{checkout_form_id!r} is not an Allegro checkout-form id (a UUID)",
                platform=PLATFORM,
                method="GET",
                url=self.http.url_for("/order/checkout-forms/{id}"),
            )
        return self._get(f"/order/checkout-forms/{checkout_form_id}")

    def get_event_stats(self) -> Any:
        """``GET /order/event-stats``: the id and time of the seller's latest order event."""
        return self._get("/order/event-stats")

    def get_order_events(self, from_event_id: str = "", *, limit: int = EVENTS_PAGE_LIMIT) -> Any:
        """``GET /order/events``: events after ``from_event_id`` (exclusive), oldest first; all kept events if empty."""
        params: dict[str, Any] = {"limit": limit}
        if from_event_id:
            params["from"] = from_event_id
        return self._get("/order/events", params=params)

    def get_me(self) -> Any:
        """``GET /me``: the seller the access token belongs to (``id``, ``login``)."""
        return self._get("/me")

    def get_customer_returns(self, params: Mapping[str, Any]) -> Any:
        """``GET /order/customer-returns`` (beta) with the given filters (``createdAt.gte``, ``limit``, ``offset``)."""
        return self._get("/order/customer-returns", params=params, media_type=BETA_MEDIA_TYPE)

    def get_customer_return(self, customer_return_id: str) -> Any:
        """``GET /order/customer-returns/{id}`` (beta)."""
        return self._get(f"/order/customer-returns/{quote(customer_return_id, safe='')}", media_type=BETA_MEDIA_TYPE)

    def reject_customer_return(self, customer_return_id: str, body: Mapping[str, Any]) -> Any:
        """``POST /order/customer-returns/{id}/rejection`` (beta), retried on 429/5xx.

        Repeating it is harmless: a return already rejected answers 422, which the adapter reads
        as success once the return shows the rejection.
        """
        return self._post(
            f"/order/customer-returns/{quote(customer_return_id, safe='')}/rejection",
            body,
            idempotent=True,
            media_type=BETA_MEDIA_TYPE,
        )

    def create_refund(self, body: Mapping[str, Any]) -> Any:
        """``POST /payments/refunds``, retried on 429/5xx: Allegro dedupes it on the body's ``commandId``."""
        return self._post("/payments/refunds", body, idempotent=True)

    def create_message(self, body: Mapping[str, Any]) -> Any:
        """``POST /messaging/messages``, sent once (Allegro does not dedupe messages) and paced at 1/s per seller."""
        return self._post("/messaging/messages", body, idempotent=False, extra_limit=MESSAGING_RATE_LIMIT)

    def _get(self, path: str, *, params: Mapping[str, Any] | None = None, media_type: str = PUBLIC_MEDIA_TYPE) -> Any:
        """GET ``path`` asking for ``media_type`` (:data:`BETA_MEDIA_TYPE` for beta resources)."""
        return self.http.request_json("GET", path, params=params, headers={"Accept": media_type})

    def _post(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        idempotent: bool,
        extra_limit: RateLimit | None = None,
        media_type: str = PUBLIC_MEDIA_TYPE,
    ) -> Any:
        """POST ``body`` as ``media_type``, asking for the same type back."""
        return self.http.request_json(
            "POST",
            path,
            json=body,
            headers={"Accept": media_type, "Content-Type": media_type},
            idempotent=idempotent,
            extra_limit=extra_limit,
        )


def build_client(
    http: PlatformHttp,
    *,
    base_url: str,
    seller_id: str,
    token_provider: TokenProvider,
    session: requests.Session | None = None,
) -> AllegroClient:
    """A client for ``base_url`` (production or sandbox) paced per seller, authenticated by ``token_provider``.

    ``session`` is for tests that watch the exchanges (a response hook); normally a new one is made.
    """
    return AllegroClient(
        http.client(
            base_url,
            platform=PLATFORM,
            installation_key=f"{PLATFORM}:{seller_id}",
            headers={"Accept": PUBLIC_MEDIA_TYPE},
            auth=BearerToken(token_provider),
            rate_limit=SELLER_RATE_LIMIT,
            session=session,
        )
    )
