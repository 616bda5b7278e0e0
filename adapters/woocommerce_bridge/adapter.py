"""The WooCommerce adapter: orders in (webhooks, polling), refunds and order notes out, over wc/v3.

Capabilities: ``webhooks`` (signed ``order.*`` deliveries), ``polling`` (``GET /orders`` by
modification time, the safety net for webhooks WooCommerce disabled or never retried), ``refund``
(``POST /orders/{id}/refunds``) and ``order_note`` (``POST /orders/{id}/notes``). The storefront
lives in the companion WordPress plugin, not in this API, so there is no storefront injection.

The webhook endpoint calls :func:`is_ping` first: WooCommerce's creation ping is an unsigned form
body that must be answered 200 and otherwise ignored; every other delivery goes through
:meth:`WooCommerceAdapter.verify_webhook`.

:meth:`WooCommerceAdapter.ensure_webhooks` registers our ``order.created``/``order.updated``
webhooks and switches them back on after WooCommerce disabled them (it does so after five failed
deliveries and never retries them).

The pure helpers (:func:`refund_body`, :func:`find_earlier_refund`, :func:`order_change_page`,
:func:`plan_webhooks`, :func:`case_status_note`) hold the decisions and are tested on the stored examples; the adapter's
methods only fetch, call them and post.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from adapters.woocommerce_bridge import mapping
from adapters.woocommerce_bridge.client import (
    APP_NAME,
    MAX_PAGE_SIZE,
    PLATFORM,
    WooCommerceClient,
    WooCommerceCredentials,
    api_root,
)
from adapters.woocommerce_bridge.webhooks import SIGNATURE_HEADER, is_ping, verify_signature
from retino_core import clock
from retino_core.money import quantize_amount
from retino_core.platforms import payload
from retino_core.platforms.http import Invalid, NotFound, PlatformHttp
from retino_core.platforms.interface import (
    Capability,
    CaseStatusUpdate,
    OrderChangePage,
    OrderSnapshot,
    RefundRequest,
    RefundResult,
    WebhookDelivery,
    WebhookSetup,
    WebhookVerification,
)
from retino_core.platforms.protocol import PlatformAdapter
from retino_core.platforms.signatures import single_header

if TYPE_CHECKING:
    from collections.abc import Callable

    from retino_core.accounts.credentials import CredentialCipher
    from retino_core.accounts.models import SalesChannel
    from retino_core.config import Settings
    from retino_core.platforms.tokens import CredentialStore, TokenCache

__all__ = [
    "WEBHOOK_TOPICS",
    "RefundRefused",
    "WebhookPlan",
    "WooCommerceAdapter",
    "case_status_note",
    "create_adapter",
    "find_earlier_refund",
    "is_ping",
    "order_change_page",
    "plan_webhooks",
    "reason_with_key",
    "refund_body",
    "webhook_name",
]

DELIVERY_ID_HEADER = "X-WC-Webhook-Delivery-ID"
#: The refund meta key that carries our idempotency key (no leading underscore: WordPress hides those).
IDEMPOTENCY_META_KEY = "retino_idempotency_key"
#: Pages of refunds read at most while looking for an earlier one (100 refunds a page).
_MAX_REFUND_PAGES = 20
#: How a cursor (and ``modified_after``) is written: WooCommerce's own ``*_gmt`` format, UTC.
_CURSOR_FORMAT = "%Y-%m-%dT%H:%M:%S"
#: The order events we take: the webhook body is the whole order, and ``order.updated`` also fires on refunds.
WEBHOOK_TOPICS = ("order.created", "order.updated")
#: Pages of webhooks read at most (100 a page); a store with more has bigger problems than ours.
_MAX_WEBHOOK_PAGES = 20


class RefundRefused(Exception):
    """The refund cannot be asked for as requested (an unknown line, more than the line's total); ``str`` says why."""


@dataclass(frozen=True)
class _RefundLine:
    line_id: str
    amount: Decimal


def reason_with_key(reason: str, idempotency_key: str) -> str:
    """The refund's ``reason`` carrying our key, so the guard finds it even where meta data is dropped."""
    marker = f"(ref {idempotency_key})"
    return f"{reason.strip()} {marker}" if reason.strip() else marker


def find_earlier_refund(refunds: list[Any], idempotency_key: str) -> str | None:
    """The id of a refund in ``refunds`` (a ``GET /orders/{id}/refunds`` page) made with ``idempotency_key``.

    A refund matches when its meta data has :data:`IDEMPOTENCY_META_KEY` = the key, or its reason
    ends with the marker :func:`reason_with_key` adds. None when no refund matches.
    """
    marker = reason_with_key("", idempotency_key)
    for index, refund in enumerate(refunds):
        path = f"refunds[{index}]"
        refund = payload.as_mapping(refund, path)
        meta = refund.get("meta_data") or []
        has_key = isinstance(meta, list) and any(
            isinstance(item, Mapping)
            and item.get("key") == IDEMPOTENCY_META_KEY
            and item.get("value") == idempotency_key
            for item in meta
        )
        reason = refund.get("reason")
        if has_key or (isinstance(reason, str) and reason.strip().endswith(marker)):
            return payload.required_text(refund, "id", path)
    return None


def refund_body(request: RefundRequest, order: Mapping[str, Any] | None, *, api_refund: bool) -> dict[str, Any]:
    """The ``POST /orders/{id}/refunds`` body for ``request``.

    - ``amount`` is the request's amount; ``reason`` and ``meta_data`` carry the idempotency key.
    - ``api_refund`` is the merchant's choice (gateway or manual); ``api_restock`` is False: whether
      returned goods go back on sale is the merchant's decision in WooCommerce, not ours.
    - Each of ``request.line_amounts`` (a gross amount per order line) becomes a ``line_items``
      entry in the format WooCommerce reads: ``refund_total`` without tax and ``refund_tax`` per tax
      rate id, split in the proportions of the line's own totals, to the cent, summing exactly to
      the gross amount. ``quantity`` is sent when the amount is a whole number of units' worth
      (rounded to cents), else left out. ``order`` (the wc/v3 order) is needed only for lines.

    Raises :class:`RefundRefused` for a line the order does not have, a non-positive amount, more
    than the line's total, or a currency other than the order's.
    """
    amount = quantize_amount(request.amount.amount)
    if amount <= 0:
        raise RefundRefused(f"the refund amount must be positive, got {amount}")
    body: dict[str, Any] = {
        "amount": amount,
        "reason": reason_with_key(request.reason, request.idempotency_key),
        "api_refund": api_refund,
        "api_restock": False,
        "meta_data": [{"key": IDEMPOTENCY_META_KEY, "value": request.idempotency_key}],
    }
    if not request.line_amounts:
        return body
    if order is None:
        raise ValueError("refund lines need the order")
    currency = payload.currency(order, "currency", "order")
    items = payload.required(order, "line_items", "order")
    if not isinstance(items, list):
        raise payload.PayloadError("order.line_items must be a list")
    by_id = {
        payload.required_text(payload.as_mapping(item, f"order.line_items[{index}]"), "id", "order.line_items"): item
        for index, item in enumerate(items)
    }
    lines = []
    for line_id, money in request.line_amounts:
        if money.currency != currency:
            raise RefundRefused(f"the refund is in {money.currency} but the order is in {currency}")
        item = by_id.get(line_id)
        if item is None:
            raise RefundRefused(f"the order has no line {line_id}")
        lines.append(_refund_line(item, _RefundLine(line_id, quantize_amount(money.amount)), f"line {line_id}"))
    body["line_items"] = lines
    return body


def _refund_line(item: Mapping[str, Any], line: _RefundLine, path: str) -> dict[str, Any]:
    if line.amount <= 0:
        raise RefundRefused(f"the refund of {path} must be positive, got {line.amount}")
    net = payload.decimal(item, "total", path)
    tax = payload.decimal(item, "total_tax", path)
    gross = net + tax
    if line.amount > gross:
        raise RefundRefused(f"the refund of {path} ({line.amount}) is more than its total ({gross})")
    tax_share = quantize_amount(line.amount * tax / gross) if gross else Decimal("0.00")
    entry: dict[str, Any] = {"id": int(line.line_id), "refund_total": line.amount - tax_share}
    quantity = payload.decimal(item, "quantity", path)
    units = [count for count in range(1, int(quantity) + 1) if quantize_amount(gross * count / quantity) == line.amount]
    if quantity == int(quantity) and units:
        entry["quantity"] = units[0]
    taxes = [
        (payload.required_text(tax_item, "id", path), payload.decimal(tax_item, "total", path))
        for tax_item in (payload.as_mapping(value, f"{path}.taxes") for value in item.get("taxes") or [])
        if tax_item.get("total") not in (None, "")
    ]
    taxes = [(rate_id, total) for rate_id, total in taxes if total]
    if taxes and tax_share:
        refund_tax = []
        remaining = tax_share
        for position, (rate_id, total) in enumerate(taxes):
            share = remaining if position == len(taxes) - 1 else quantize_amount(tax_share * total / tax)
            remaining -= share
            refund_tax.append({"id": int(rate_id), "refund_total": share})
        entry["refund_tax"] = refund_tax
    elif tax_share:
        entry["refund_total"] = line.amount
    return entry


def order_change_page(orders: list[Any], cursor: str, *, per_page: int) -> OrderChangePage:
    """The page for one ``GET /orders?modified_after=<cursor>&orderby=modified&order=asc`` answer.

    The next cursor is the newest ``date_modified_gmt`` seen. ``modified_after`` is strict, so on a
    full page (more may follow) the cursor stops at the newest time *before* the page's last
    moment: orders sharing that last second, some possibly on the next page, are read again rather
    than skipped. Only when a whole page shares one second does the cursor move past it (more than
    ``per_page`` orders changed within one second; the rest of that second is then not re-read).
    """
    moments: list[datetime] = []
    ids: list[str] = []
    for index, order in enumerate(orders):
        path = f"orders[{index}]"
        order = payload.as_mapping(order, path)
        ids.append(payload.required_text(order, "id", path))
        moments.append(payload.aware_datetime(order, "date_modified_gmt", path, naive_is_utc=True))
    unique_ids = tuple(dict.fromkeys(ids))
    if not moments:
        return OrderChangePage(order_external_ids=(), cursor=cursor, has_more=False)
    newest = max(moments)
    if len(orders) < per_page:
        return OrderChangePage(order_external_ids=unique_ids, cursor=_format_cursor(newest), has_more=False)
    earlier = [moment for moment in moments if moment < newest]
    next_cursor = max(earlier) if earlier else newest
    if cursor:
        next_cursor = max(next_cursor, _parse_cursor(cursor))
    return OrderChangePage(order_external_ids=unique_ids, cursor=_format_cursor(next_cursor), has_more=True)


def webhook_name(topic: str) -> str:
    """The name we give the webhook of ``topic``; it starts with :data:`APP_NAME`, which marks it as ours."""
    return f"{APP_NAME} - {topic}"


@dataclass(frozen=True)
class _Webhook:
    id: int
    name: str
    topic: str
    status: str
    delivery_url: str


@dataclass(frozen=True)
class WebhookPlan:
    """What :func:`plan_webhooks` decided: ``(id, topic)`` pairs to delete and to switch on, topics to create."""

    delete: tuple[tuple[int, str], ...] = ()
    activate: tuple[tuple[int, str], ...] = ()
    create: tuple[str, ...] = ()


def _read_webhook(value: Any, path: str) -> _Webhook:
    webhook = payload.as_mapping(value, path)
    webhook_id = payload.required_text(webhook, "id", path)
    if not webhook_id.isascii() or not webhook_id.isdigit():
        raise payload.PayloadError(f"{path}.id must be a whole number")
    return _Webhook(
        id=int(webhook_id),
        name=payload.text(webhook, "name", path),
        topic=payload.text(webhook, "topic", path),
        status=payload.text(webhook, "status", path),
        delivery_url=payload.text(webhook, "delivery_url", path),
    )


def plan_webhooks(webhooks: list[Any], callback_url: str) -> WebhookPlan:
    """What to change so that each of :data:`WEBHOOK_TOPICS` is delivered to ``callback_url`` exactly once.

    ``webhooks`` is every webhook of the store (``GET /webhooks``, all pages, all statuses). Per topic:

    - a webhook delivering that topic to ``callback_url`` that is ``active`` is kept;
    - when none is active, the first one there (``disabled`` after five failed deliveries, which
      WooCommerce never retries, or ``paused``) is switched back on;
    - when there is none, one is created; any further ones there are duplicates and deleted (each
      would deliver every order once more).

    A webhook of ours (its name starts with :data:`APP_NAME`) delivering to *another* URL with the
    same path (this channel, before our public address changed) is deleted. Ours with another path
    belong to another channel on the same store (a second account, a staging installation) and
    are left alone, so two installations never delete each other's webhooks. Webhooks of others are
    never touched.
    """
    found = [_read_webhook(value, f"webhooks[{index}]") for index, value in enumerate(webhooks)]
    ours_path = urlsplit(callback_url).path
    delete: list[tuple[int, str]] = [
        (webhook.id, webhook.topic)
        for webhook in found
        if webhook.name.startswith(APP_NAME)
        and webhook.delivery_url != callback_url
        and urlsplit(webhook.delivery_url).path == ours_path
    ]
    activate: list[tuple[int, str]] = []
    create: list[str] = []
    for topic in WEBHOOK_TOPICS:
        here = [webhook for webhook in found if webhook.topic == topic and webhook.delivery_url == callback_url]
        if not here:
            create.append(topic)
            continue
        kept = next((webhook for webhook in here if webhook.status == "active"), here[0])
        if kept.status != "active":
            activate.append((kept.id, topic))
        delete.extend((webhook.id, topic) for webhook in here if webhook is not kept)
    return WebhookPlan(delete=tuple(delete), activate=tuple(activate), create=tuple(create))


def case_status_note(update: CaseStatusUpdate) -> str:
    """The private order note for ``update``; ``status_name`` comes already in the merchant's language."""
    if update.is_closed:
        return f"Case {update.case_number} closed: {update.status_name}"
    return f"Case {update.case_number}: {update.status_name}"


class WooCommerceAdapter(PlatformAdapter):
    """One WooCommerce channel: its REST client, webhook secret and refund choice.

    Built by :func:`create_adapter`; tests build it directly with a client pointed at the mock.
    """

    platform = PLATFORM
    capabilities = frozenset({Capability.webhooks, Capability.polling, Capability.refund, Capability.order_note})

    def __init__(
        self,
        *,
        client: WooCommerceClient,
        webhook_secret: str,
        api_refund: bool = False,
        import_days: int = 90,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self.client = client
        self.api_refund = api_refund
        self.import_days = import_days
        self._webhook_secret = webhook_secret
        self._now = now

    def fetch_order(self, external_id: str) -> OrderSnapshot:
        """``GET /orders/{id}`` mapped by :func:`mapping.map_order`; NotFound for an id that is not a number."""
        return mapping.map_order(self.client.get_order(_order_id(external_id)))

    def verify_webhook(self, delivery: WebhookDelivery) -> WebhookVerification:
        """Valid when ``X-WC-Webhook-Signature`` matches the raw body under the channel's secret.

        The dedupe key is ``X-WC-Webhook-Delivery-ID`` (unique per delivery). The creation ping is
        refused here (it is unsigned): the endpoint answers it through :func:`is_ping` first.
        """
        if is_ping(delivery):
            return WebhookVerification.invalid("the webhook creation ping is unsigned; answer it via is_ping")
        if not self._webhook_secret:
            return WebhookVerification.invalid("the channel has no webhook secret")
        if single_header(delivery.headers, SIGNATURE_HEADER) is None:
            return WebhookVerification.invalid(f"{SIGNATURE_HEADER} is missing")
        if not verify_signature(delivery, self._webhook_secret):
            return WebhookVerification.invalid(f"{SIGNATURE_HEADER} does not match the body")
        delivery_id = (single_header(delivery.headers, DELIVERY_ID_HEADER) or "").strip()
        if not delivery_id:
            return WebhookVerification.invalid(f"{DELIVERY_ID_HEADER} is missing")
        return WebhookVerification.valid(delivery_id)

    def issue_refund(self, request: RefundRequest) -> RefundResult:
        """Refund once per ``request.idempotency_key``: look for an earlier refund with it, else post one.

        The earlier refunds are listed first (``GET /orders/{id}/refunds``), so a job that runs
        again after a timeout or crash finds the refund it already made and reports it instead of
        paying twice. The POST itself is never retried by the client. WooCommerce's refusal (an
        amount above what is left, a gateway that cannot refund) is an unsuccessful result with
        its message; so is a request the order cannot satisfy (:class:`RefundRefused`).
        """
        key = request.idempotency_key.strip()
        if not key:
            raise ValueError("a WooCommerce refund needs an idempotency key")
        order_id = _order_id(request.order_external_id)
        earlier = self._earlier_refund(order_id, key)
        if earlier is not None:
            return RefundResult(is_success=True, external_id=earlier)
        order = self.client.get_order(order_id) if request.line_amounts else None
        try:
            body = refund_body(request, order, api_refund=self.api_refund)
        except RefundRefused as refusal:
            return RefundResult(is_success=False, message=str(refusal))
        try:
            refund = self.client.create_refund(order_id, body)
        except Invalid as error:
            return RefundResult(is_success=False, message=error.message)
        return RefundResult(is_success=True, external_id=payload.required_text(refund, "id", "refund"))

    def push_case_status(self, update: CaseStatusUpdate) -> None:
        """A private note (``customer_note: false``, so no e-mail to the shopper) in the order's history."""
        self.client.create_order_note(_order_id(update.order_external_id), case_status_note(update))

    def fetch_order_changes(self, cursor: str) -> OrderChangePage:
        """Orders modified after ``cursor`` (a UTC ``date_modified_gmt``), oldest first, one page.

        An empty cursor starts ``import_days`` before now. See :func:`order_change_page` for how
        the next cursor is chosen.
        """
        since = _parse_cursor(cursor) if cursor else self._now() - timedelta(days=self.import_days)
        orders = self.client.list_orders_modified_after(_format_cursor(since), per_page=MAX_PAGE_SIZE)
        return order_change_page(orders, cursor or _format_cursor(since), per_page=MAX_PAGE_SIZE)

    def ensure_webhooks(self, callback_url: str) -> WebhookSetup:
        """Make the store deliver ``order.created`` and ``order.updated`` to ``callback_url`` (:func:`plan_webhooks`).

        Reads every page of ``GET /webhooks``, then deletes (``DELETE ?force=true``), switches on
        (``PUT {status: active}``) and creates (``POST {name, topic, delivery_url, secret, status}``,
        signed with the channel's webhook secret) what the plan says, in that order. Safe to repeat:
        with everything in place it only reads. A create whose answer was lost is found by the next
        run's listing and kept, so it is not created twice. ValueError, before any request, when the
        channel has no webhook secret (deliveries could not be verified).
        """
        url = callback_url.strip()
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"a webhook delivery URL must be http(s), got {callback_url!r}")
        if not self._webhook_secret:
            raise ValueError("the channel has no webhook secret; connect the store again")
        plan = plan_webhooks(self._all_webhooks(), url)
        for webhook_id, _topic in plan.delete:
            self.client.delete_webhook(webhook_id)
        for webhook_id, _topic in plan.activate:
            self.client.update_webhook(webhook_id, {"status": "active"})
        for topic in plan.create:
            self.client.create_webhook(
                {
                    "name": webhook_name(topic),
                    "topic": topic,
                    "delivery_url": url,
                    "secret": self._webhook_secret,
                    "status": "active",
                }
            )
        return WebhookSetup(
            created=plan.create,
            reactivated=tuple(topic for _id, topic in plan.activate),
            removed=tuple(topic for _id, topic in plan.delete),
        )

    def _all_webhooks(self) -> list[Any]:
        webhooks: list[Any] = []
        for page in range(1, _MAX_WEBHOOK_PAGES + 1):
            found = self.client.list_webhooks(page=page, per_page=MAX_PAGE_SIZE)
            webhooks.extend(found)
            if len(found) < MAX_PAGE_SIZE:
                break
        return webhooks

    def _earlier_refund(self, order_id: int, key: str) -> str | None:
        for page in range(1, _MAX_REFUND_PAGES + 1):
            refunds = self.client.list_refunds(order_id, page=page, per_page=MAX_PAGE_SIZE)
            found = find_earlier_refund(refunds, key)
            if found is not None or len(refunds) < MAX_PAGE_SIZE:
                return found
        return None


def create_adapter(
    *,
    channel: SalesChannel,
    settings: Settings,
    cipher: CredentialCipher,
    http: PlatformHttp,
    tokens: TokenCache | None = None,
    credentials: CredentialStore | None = None,
) -> WooCommerceAdapter:
    """The registry's factory: decrypt the channel's keys and build the client for ``<shop_url>/wp-json/wc/v3``.

    No I/O. ValueError when the channel is not connected yet (no credentials) or its URL is not https.
    WooCommerce keys do not expire, so ``tokens`` and ``credentials`` (the runtime's token cache and
    credential store) are not used.
    """
    keys = WooCommerceCredentials.from_channel(channel, cipher)
    client = WooCommerceClient.build(
        http,
        root=api_root(channel.shop_url),
        credentials=keys,
        installation_key=f"{PLATFORM}:{channel.id}",
    )
    return WooCommerceAdapter(
        client=client,
        webhook_secret=keys.webhook_secret,
        api_refund=keys.api_refund,
        import_days=keys.import_days,
    )


def _order_id(external_id: str) -> int:
    """WooCommerce order ids are positive integers; anything else names no order (NotFound, no request sent)."""
    text = external_id.strip()
    if not text.isascii() or not text.isdigit() or int(text) <= 0:
        raise NotFound(
            f"no WooCommerce order has the id {external_id!r}", platform=PLATFORM, method="GET", url="orders/{id}"
        )
    return int(text)


def _parse_cursor(cursor: str) -> datetime:
    """A cursor this adapter wrote (UTC, no offset); ValueError for anything else."""
    try:
        moment = datetime.fromisoformat(cursor)
    except ValueError:
        raise ValueError(f"not a WooCommerce order cursor: {cursor!r}") from None
    return clock.as_utc(moment)


def _format_cursor(moment: datetime) -> str:
    return clock.as_utc(moment).strftime(_CURSOR_FORMAT)
