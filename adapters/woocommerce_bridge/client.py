"""HTTP to one WooCommerce store's REST API (``/wp-json/wc/v3``), with the channel's REST keys.

A thin layer over :class:`~retino_core.platforms.http.PlatformHttpClient`: it knows the paths and
query parameters of the calls the adapter makes and returns the decoded JSON (amounts as
``Decimal``). Errors are the shared ones (``AuthExpired``, ``NotFound``, ``Invalid``, ...).

Authentication is HTTP Basic with the consumer key and secret the store handed us on connect.
WooCommerce accepts Basic only over HTTPS (plain HTTP needs OAuth 1.0a), so :func:`api_root`
refuses a store URL that is not ``https://``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from retino_core.platforms.http import PlatformHttp, PlatformHttpClient, RateLimit
from retino_core.platforms.payload import PayloadError

if TYPE_CHECKING:
    from retino_core.accounts.credentials import CredentialCipher
    from retino_core.accounts.models import SalesChannel

PLATFORM = "woocommerce"
API_PATH = "/wp-json/wc/v3"
#: wc/v3 documents no rate limit (it depends on the host); stay gentle with a shared WordPress host.
RATE_LIMIT = RateLimit(per_second=4, burst=8)
#: The largest page WooCommerce serves (``per_page`` ≤ 100).
MAX_PAGE_SIZE = 100
#: Our application's name: shown to the merchant on WooCommerce's "authorize" screen, and the start of
#: the name of every webhook we create (how :meth:`WooCommerceAdapter.ensure_webhooks` knows ours).
APP_NAME = "Retino"


def api_root(store_url: str) -> str:
    """``https://<store>/wp-json/wc/v3`` for the store's URL; ValueError for anything but an https URL."""
    url = store_url.strip().rstrip("/")
    if not url.startswith("https://") or len(url) <= len("https://"):
        raise ValueError(f"a WooCommerce store URL must start with https://, got {store_url!r}")
    return f"{url}{API_PATH}"


@dataclass(frozen=True)
class WooCommerceCredentials:
    """What a WooCommerce channel keeps in ``SalesChannel.credentials_encrypted`` (a JSON object).

    ``consumer_key``/``consumer_secret`` come from the ``/wc-auth/v1/authorize`` callback;
    ``webhook_secret`` is the per-channel secret we set on the webhooks we create. ``api_refund``
    is the merchant's choice: True sends refunds through the payment gateway, False (the default)
    only records a manual refund in WooCommerce and the merchant pays the money back himself.
    ``import_days`` is how far back the first order sync reaches. The connect flow also stores
    ``key_id`` and ``connect_nonce`` (which WooCommerce key, granted under which authorisation:
    :func:`~adapters.woocommerce_bridge.install.credentials_after_connect`); reading ignores them.
    """

    consumer_key: str
    consumer_secret: str
    webhook_secret: str = ""
    api_refund: bool = False
    import_days: int = 90

    def __repr__(self) -> str:
        return f"WooCommerceCredentials(consumer_key='***', api_refund={self.api_refund!r})"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> WooCommerceCredentials:
        """Read the decrypted JSON object; ValueError (never KeyError) when the keys are missing or mistyped."""
        key, secret = data.get("consumer_key"), data.get("consumer_secret")
        if not isinstance(key, str) or not key or not isinstance(secret, str) or not secret:
            raise ValueError("WooCommerce credentials need consumer_key and consumer_secret")
        webhook_secret = data.get("webhook_secret", "")
        api_refund = data.get("api_refund", False)
        import_days = data.get("import_days", 90)
        if not isinstance(webhook_secret, str):
            raise ValueError("WooCommerce webhook_secret must be text")
        if not isinstance(api_refund, bool):
            raise ValueError("WooCommerce api_refund must be true or false")
        if isinstance(import_days, bool) or not isinstance(import_days, int) or import_days <= 0:
            raise ValueError("WooCommerce import_days must be a positive whole number")
        return cls(key, secret, webhook_secret, api_refund, import_days)

    @classmethod
    def from_channel(cls, channel: SalesChannel, cipher: CredentialCipher) -> WooCommerceCredentials:
        """Decrypt the channel's credentials; ValueError when the channel has none yet (not connected)."""
        if not channel.credentials_encrypted:
            raise ValueError(f"sales channel {channel.id} has no WooCommerce credentials yet")
        return cls.from_mapping(cipher.decrypt(channel.credentials_encrypted))


class WooCommerceClient:
    """The calls the adapter makes, each returning the decoded JSON of the answer.

    Build it with :meth:`build`; ``root`` is the API root (``https://<store>/wp-json/wc/v3``;
    tests pass the mock's root). Not shared between threads, like the client it wraps.
    """

    def __init__(self, http_client: PlatformHttpClient) -> None:
        self.http = http_client

    @classmethod
    def build(
        cls,
        http: PlatformHttp,
        *,
        root: str,
        credentials: WooCommerceCredentials,
        installation_key: str,
        session: requests.Session | None = None,
    ) -> WooCommerceClient:
        """A client for the API at ``root`` paced under ``installation_key`` (``"woocommerce:<channel id>"``)."""
        return cls(
            http.client(
                root,
                platform=PLATFORM,
                installation_key=installation_key,
                headers={"Accept": "application/json"},
                auth=(credentials.consumer_key, credentials.consumer_secret),
                rate_limit=RATE_LIMIT,
                session=session,
            )
        )

    def get_order(self, order_id: int) -> Mapping[str, Any]:
        """``GET /orders/{id}``: the order as the store holds it now."""
        return _object(self.http.request_json("GET", f"orders/{order_id}"), "order")

    def list_orders_modified_after(self, modified_after_gmt: str, *, per_page: int = MAX_PAGE_SIZE) -> list[Any]:
        """``GET /orders`` changed after ``modified_after_gmt`` (ISO 8601, UTC), oldest change first.

        WooCommerce's default status filter is ``any``, so every status comes back;
        ``dates_are_gmt`` makes WooCommerce read the bound as UTC rather than the store's zone.
        """
        params = {
            "modified_after": modified_after_gmt,
            "dates_are_gmt": "true",
            "orderby": "modified",
            "order": "asc",
            "per_page": per_page,
        }
        return _list(self.http.request_json("GET", "orders", params=params), "orders")

    def list_refunds(self, order_id: int, *, page: int = 1, per_page: int = MAX_PAGE_SIZE) -> list[Any]:
        """``GET /orders/{id}/refunds``: one page of the order's refunds, newest first."""
        params = {"page": page, "per_page": per_page}
        return _list(self.http.request_json("GET", f"orders/{order_id}/refunds", params=params), "refunds")

    def create_refund(self, order_id: int, body: Mapping[str, Any]) -> Mapping[str, Any]:
        """``POST /orders/{id}/refunds``, sent exactly once: WooCommerce does not dedupe refunds itself."""
        return _object(self.http.request_json("POST", f"orders/{order_id}/refunds", json=body), "refund")

    def create_order_note(self, order_id: int, note: str, *, customer_note: bool = False) -> Mapping[str, Any]:
        """``POST /orders/{id}/notes``; ``customer_note=True`` would e-mail the customer, so it is off by default."""
        body = {"note": note, "customer_note": customer_note}
        return _object(self.http.request_json("POST", f"orders/{order_id}/notes", json=body), "order note")

    def list_webhooks(self, *, page: int = 1, per_page: int = MAX_PAGE_SIZE) -> list[Any]:
        """``GET /webhooks``: one page of the store's webhooks in every status (``disabled`` ones too), by id."""
        params = {"status": "all", "orderby": "id", "order": "asc", "page": page, "per_page": per_page}
        return _list(self.http.request_json("GET", "webhooks", params=params), "webhooks")

    def create_webhook(self, body: Mapping[str, Any]) -> Mapping[str, Any]:
        """``POST /webhooks``, sent once (WooCommerce does not dedupe); a lost answer is found by the next listing."""
        return _object(self.http.request_json("POST", "webhooks", json=body), "webhook")

    def update_webhook(self, webhook_id: int, body: Mapping[str, Any]) -> Mapping[str, Any]:
        """``PUT /webhooks/{id}`` with the fields to change (e.g. ``{"status": "active"}``)."""
        return _object(self.http.request_json("PUT", f"webhooks/{webhook_id}", json=body), "webhook")

    def delete_webhook(self, webhook_id: int) -> None:
        """``DELETE /webhooks/{id}?force=true`` (webhooks cannot be trashed, so ``force`` is required)."""
        self.http.request("DELETE", f"webhooks/{webhook_id}", params={"force": "true"})


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError(f"the {what} answer must be a JSON object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise PayloadError(f"the {what} answer must be a JSON array")
    return value
