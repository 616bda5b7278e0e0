"""HTTP to the Shoptet API for one installation (one e-shop × our add-on).

Every call carries two headers the spec requires: ``Shoptet-Access-Token`` (a 30-minute API
access token) and ``Content-Type: application/json`` (declared on every operation, GET included;
without it Shoptet's validation refuses the call).

The API access token comes from an **access-token provider**: a callable taking no arguments
that returns a token valid for at least the next request. It is asked again before every
attempt (retries included), so it may hand out a fresh one; it owns caching and the e-shop's
limit of five valid tokens per OAuth token. The provider that exchanges the permanent OAuth
access token at the e-shop's OAuth server (``/action/ApiOAuthServer/getAccessToken``) belongs
to the install flow; tests pass ``lambda: "a-fixed-token"``.

Methods return the ``data`` member of Shoptet's ``{"data", "errors", "metadata"}`` envelope and
raise the errors of :mod:`retino_core.platforms.http` (``NotFound`` for an unknown order, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote

import requests

from adapters.shoptet.errors import PayloadError
from retino_core.platforms import payload
from retino_core.platforms.http import PlatformHttp, PlatformHttpClient, RateLimit

PLATFORM = "shoptet"
#: The API host; a test points the client at a mock of it instead.
API_BASE_URL = "https://api.myshoptet.com"
ACCESS_TOKEN_HEADER = "Shoptet-Access-Token"  # noqa: S105 - a header name, not a secret

#: Shoptet's leaky bucket holds 200 "drops" per (add-on × e-shop) and leaks 10 per second; a request
#: costs at least one drop (more for large answers), so we send at most 5 a second after a burst of 20.
RATE_LIMIT = RateLimit(per_second=5, burst=20)

#: Where an add-on may put HTML in the shop's pages (``POST /api/template-include``).
TEMPLATE_LOCATIONS = ("common-header", "common-footer", "order-confirmed")
#: The spec's ``maxLength`` of one snippet's ``html``.
TEMPLATE_HTML_MAX_LENGTH = 8192

#: The order events we register: ``order:cancel`` is left out because Shoptet refuses it next to
#: ``order:update`` (409); a cancellation arrives as an update whose status we read.
ORDER_EVENTS = ("order:create", "order:update")

#: The most list items Shoptet returns per page (``itemsPerPage``); also guards page loops.
ITEMS_PER_PAGE = 50
MAX_PAGES = 100
#: ``GET /api/orders/changes`` takes up to 1,000 per page.
CHANGES_PER_PAGE = 1000

AccessTokenProvider = Callable[[], str]


class ShoptetTokenAuth(requests.auth.AuthBase):
    """Sets ``Shoptet-Access-Token`` from the provider on every attempt (see the module docstring)."""

    def __init__(self, provider: AccessTokenProvider) -> None:
        self._provider = provider

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers[ACCESS_TOKEN_HEADER] = self._provider()
        return request


class ShoptetClient:
    """The Shoptet API operations the adapter and the install jobs use, over one :class:`PlatformHttpClient`.

    ``eshop_id`` keys the per-installation rate limit (``shoptet:<eshopId>``). ``session`` lets a
    test watch the exchanges. Not shared between threads; build one per job.
    """

    def __init__(
        self,
        http: PlatformHttp,
        *,
        eshop_id: str,
        access_token: AccessTokenProvider,
        base_url: str = API_BASE_URL,
        session: requests.Session | None = None,
    ) -> None:
        self.eshop_id = str(eshop_id)
        self.http: PlatformHttpClient = http.client(
            base_url,
            platform=PLATFORM,
            installation_key=f"{PLATFORM}:{self.eshop_id}",
            headers={"Content-Type": "application/json"},
            auth=ShoptetTokenAuth(access_token),
            rate_limit=RATE_LIMIT,
            session=session,
        )

    def close(self) -> None:
        self.http.close()

    # --- e-shop

    def eshop_url(self, ident: str) -> str:
        """The URL named ``ident`` in ``data.urls[]`` of ``GET /api/eshop`` (``oauth``: its OAuth server), or ""."""
        data = self._data("GET", "/api/eshop")
        urls = data.get("urls")
        for item in urls if isinstance(urls, list) else []:
            if isinstance(item, Mapping) and item.get("ident") == ident and isinstance(item.get("url"), str):
                return str(item["url"])
        return ""

    # --- orders

    def get_order(self, code: str) -> Mapping[str, Any]:
        """``data.order`` of ``GET /api/orders/{code}``; ``NotFound`` when the e-shop has no such order."""
        data = self._data("GET", f"/api/orders/{_segment(code)}")
        return payload.as_mapping(payload.required(data, "order", "data"), "data.order")

    def order_codes_page(self, *, changed_from: str, page: int) -> tuple[list[str], int]:
        """One page of ``GET /api/orders?changeTimeFrom=`` (oldest first): the codes and the page count."""
        data = self._data(
            "GET",
            "/api/orders",
            params={"changeTimeFrom": changed_from, "page": page, "itemsPerPage": ITEMS_PER_PAGE},
        )
        orders = payload.required(data, "orders", "data")
        if not isinstance(orders, list):
            raise PayloadError("data.orders must be a list")
        codes = [
            payload.required_text(payload.as_mapping(item, "data.orders[]"), "code", "data.orders[]") for item in orders
        ]
        return codes, _page_count(data)

    def order_changes_page(self, *, changed_from: str, page: int) -> tuple[list[Mapping[str, Any]], int]:
        """One page of ``GET /api/orders/changes?from=`` (kept 30 days): ``{code, changeTime, changeType}`` items."""
        data = self._data(
            "GET",
            "/api/orders/changes",
            params={"from": changed_from, "page": page, "itemsPerPage": CHANGES_PER_PAGE},
        )
        changes = payload.required(data, "changes", "data")
        if not isinstance(changes, list):
            raise PayloadError("data.changes must be a list")
        return [payload.as_mapping(item, "data.changes[]") for item in changes], _page_count(data)

    def add_order_history(self, code: str, text: str, *, record_type: str = "system") -> None:
        """Add a record to the order's history (``POST /api/orders/{code}/history``), seen only in the admin.

        Sent once, never retried (a retry could add the record twice). Shoptet keeps at most 100
        records per order and refuses more with 403 (``Forbidden``).
        """
        self.http.request(
            "POST", f"/api/orders/{_segment(code)}/history", json={"data": {"text": text, "type": record_type}}
        )

    # --- invoices and credit notes

    def list_invoices(self, order_code: str) -> list[Mapping[str, Any]]:
        """The invoices of an order (``GET /api/invoices?orderCode=``), all pages."""
        return self._all_pages("/api/invoices", "invoices", {"orderCode": order_code})

    def get_invoice(self, code: str) -> Mapping[str, Any]:
        data = self._data("GET", f"/api/invoices/{_segment(code)}")
        return payload.as_mapping(payload.required(data, "invoice", "data"), "data.invoice")

    def list_credit_notes(self, invoice_code: str) -> list[Mapping[str, Any]]:
        """The credit notes issued against an invoice (``GET /api/credit-notes?invoiceCode=``), all pages."""
        return self._all_pages("/api/credit-notes", "creditNotes", {"invoiceCode": invoice_code})

    def create_credit_note(self, invoice_code: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        """``data.creditNote`` of ``POST /api/invoices/{code}/credit-note`` with ``{"data": body}``.

        Sent once, never retried: Shoptet does not dedupe it, so the caller looks for an earlier
        note first (see the adapter).
        """
        data = self._data("POST", f"/api/invoices/{_segment(invoice_code)}/credit-note", json={"data": dict(body)})
        return payload.as_mapping(payload.required(data, "creditNote", "data"), "data.creditNote")

    # --- storefront

    def put_template_snippets(self, snippets: Iterable[tuple[str, str]]) -> None:
        """Set our snippets (``POST /api/template-include``): ``(location, html)`` pairs, 1 to 3.

        Each replaces our earlier snippet at its location (an add-on sees only its own), so
        sending the same snippet again changes nothing; the call is therefore retried.
        """
        body = {"data": {"snippets": [{"location": location, "html": html} for location, html in snippets]}}
        self.http.request("POST", "/api/template-include", json=body, idempotent=True)

    def delete_template_snippet(self, location: str) -> None:
        """Remove our snippet at ``location`` (``DELETE /api/template-include/{location}``)."""
        self.http.request("DELETE", f"/api/template-include/{_segment(location)}")

    # --- webhooks

    def list_webhooks(self) -> list[Mapping[str, Any]]:
        """This installation's webhook registrations (``GET /api/webhooks``), all pages."""
        return self._all_pages("/api/webhooks", "webhooks", {})

    def create_webhooks(self, registrations: Iterable[tuple[str, str]]) -> None:
        """Register ``(event, url)`` pairs (``POST /api/webhooks``); a second URL for an event is refused (422)."""
        body = {"data": [{"event": event, "url": url} for event, url in registrations]}
        self.http.request("POST", "/api/webhooks", json=body)

    def delete_webhook(self, webhook_id: int) -> None:
        self.http.request("DELETE", f"/api/webhooks/{int(webhook_id)}")

    def register_order_webhooks(self, url: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Make ``order:create`` and ``order:update`` deliver to ``url``; ``(events registered, events moved)``.

        For the install job and the periodic sync, and safe to run again: events already delivered
        to ``url`` are kept; a registration of ours pointing elsewhere (an old callback URL) is
        deleted first, since Shoptet allows one URL per event per installation.
        """
        existing = [payload.as_mapping(item, "data.webhooks[]") for item in self.list_webhooks()]
        missing = []
        moved = []
        for event in ORDER_EVENTS:
            registered = [item for item in existing if item.get("event") == event]
            if any(item.get("url") == url for item in registered):
                continue
            for item in registered:
                self.delete_webhook(_webhook_id(item))
                moved.append(event)
            missing.append(event)
        if missing:
            self.create_webhooks((event, url) for event in missing)
        return tuple(missing), tuple(dict.fromkeys(moved))

    def renew_signature_key(self) -> str:
        """A new webhook ``signatureKey`` (``POST /api/webhooks/renew-signature-key``); the old one stops working.

        Every call rotates the key, so the install job stores the answer before anything else.
        """
        data = self._data("POST", "/api/webhooks/renew-signature-key")
        return payload.required_text(data, "signatureKey", "data")

    # --- internals

    def _data(self, method: str, path: str, **options: Any) -> Mapping[str, Any]:
        body = self.http.request_json(method, path, **options)
        if body is None:
            raise PayloadError(f"{method} {path} answered with an empty body")
        return payload.as_mapping(payload.required(payload.as_mapping(body, "response"), "data", "response"), "data")

    def _all_pages(self, path: str, key: str, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        items: list[Mapping[str, Any]] = []
        page = 1
        while True:
            data = self._data("GET", path, params={**params, "page": page, "itemsPerPage": ITEMS_PER_PAGE})
            found = payload.required(data, key, "data")
            if not isinstance(found, list):
                raise PayloadError(f"data.{key} must be a list")
            items.extend(payload.as_mapping(item, f"data.{key}[]") for item in found)
            paginator = payload.optional_mapping(data.get("paginator"), "data.paginator")
            page_count = paginator.get("pageCount")
            if not isinstance(page_count, int) or page >= min(page_count, MAX_PAGES):
                return items
            page += 1


def _segment(value: str) -> str:
    """``value`` as one path segment (order codes may contain letters, never a ``/`` that changes the path)."""
    text = str(value)
    if not text:
        raise ValueError("a path segment cannot be empty")
    return quote(text, safe="")


def _page_count(data: Mapping[str, Any]) -> int:
    paginator = payload.optional_mapping(data.get("paginator"), "data.paginator")
    count = paginator.get("pageCount")
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1


def _webhook_id(item: Mapping[str, Any]) -> int:
    webhook_id = item.get("id")
    if isinstance(webhook_id, bool) or not isinstance(webhook_id, int):
        raise PayloadError("data.webhooks[].id is missing or not an integer")
    return webhook_id


__all__ = [
    "ACCESS_TOKEN_HEADER",
    "API_BASE_URL",
    "ORDER_EVENTS",
    "TEMPLATE_HTML_MAX_LENGTH",
    "TEMPLATE_LOCATIONS",
    "AccessTokenProvider",
    "ShoptetClient",
]
