"""The Allegro adapter: orders by polling the event journal, customer returns, refunds and buyer messages.

Allegro has no webhooks, so ``verify_webhook`` is not among the capabilities: orders are found by
reading ``GET /order/events`` from a stored cursor and read with ``GET /order/checkout-forms/{id}``;
customer returns (beta) are read from ``GET /order/customer-returns`` by creation time.

Build it with :func:`create_adapter`, the registry's factory. Two of its arguments exist for
tests and special wiring only:

- ``api_url``: the API host; by default the one of ``settings.allegro_environment``
  (:data:`~adapters.allegro.client.PRODUCTION_API_URL` or
  :data:`~adapters.allegro.client.SANDBOX_API_URL`); tests point it at the mock;
- ``token_provider``: a callable answering the seller's current access token. By default the
  factory passes :func:`~adapters.allegro.install.refreshing_token_provider` (refreshes the
  12-hour token through the runtime's token cache and credential store) when the runtime has a
  credential store and our Allegro application is configured, else :func:`stored_token_provider`,
  which reads ``access_token`` from the channel's encrypted credentials.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from adapters.allegro import mapping, returns
from adapters.allegro.client import (
    EVENTS_PAGE_LIMIT,
    PLATFORM,
    RETURNS_PAGE_LIMIT,
    AllegroClient,
    TokenProvider,
    build_client,
)
from adapters.allegro.errors import PayloadError
from adapters.allegro.install import AllegroOAuth, hosts_for, is_configured, refreshing_token_provider
from retino_core import clock
from retino_core.money import Money, quantize_amount
from retino_core.platforms import payload
from retino_core.platforms.http import AuthExpired, Invalid, NotFound, PlatformHttp
from retino_core.platforms.interface import (
    Capability,
    CustomerReturnPage,
    CustomerReturnRejection,
    CustomerReturnSnapshot,
    OrderChangePage,
    OrderSnapshot,
    PlatformActionResult,
    RefundRequest,
    RefundResult,
)
from retino_core.platforms.protocol import PlatformAdapter

if TYPE_CHECKING:
    from retino_core.accounts.credentials import CredentialCipher
    from retino_core.accounts.models import SalesChannel
    from retino_core.config import Settings
    from retino_core.platforms.tokens import CredentialStore, TokenCache

#: Names every ``commandId`` we derive (uuid5), so the same idempotency key always gives the same command.
COMMAND_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:retino:allegro:payment-refund")
#: The refund reasons ``POST /payments/refunds`` accepts; anything else is sent as ``REFUND`` with a comment.
REFUND_REASONS = frozenset(
    {
        "REFUND",
        "COMPLAINT",
        "PRODUCT_NOT_AVAILABLE",
        "PAID_VALUE_TOO_LOW",
        "OVERPAID",
        "CANCELLED_BY_BUYER",
        "NOT_COLLECTED",
    }
)
#: Refund states in which the money is on its way; ``CANCELED`` and ``VALIDATE_FAILED`` are refusals.
REFUND_ACCEPTED_STATUSES = frozenset({"SUCCESS", "PARTIAL", "IN_PROGRESS", "VALIDATED", "NEW"})
SELLER_COMMENT_MAX_LENGTH = 250
MESSAGE_MAX_LENGTH = 2000
#: Pages of customer returns read in one ``fetch_customer_returns`` call before answering ``has_more``.
RETURNS_PAGES_PER_CALL = 10
#: Return statuses that say the refund was already refused on Allegro.
REJECTED_RETURN_STATUSES = frozenset({"REJECTED"})


class AllegroAdapter(PlatformAdapter):
    """One Allegro seller's adapter: polling, customer returns, refunds and the message centre."""

    platform = PLATFORM
    capabilities = frozenset({Capability.polling, Capability.refund, Capability.messaging, Capability.customer_returns})

    def __init__(
        self,
        *,
        client: AllegroClient,
        seller_id: str,
        import_days: int = 90,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self.client = client
        self.seller_id = seller_id
        self.import_days = import_days
        self._now = now

    def fetch_order(self, external_id: str) -> OrderSnapshot:
        """The checkout form ``external_id`` (a UUID) as a snapshot; ``NotFound`` for an unknown or malformed id."""
        return mapping.map_order(self.client.get_checkout_form(external_id))

    def fetch_order_changes(self, cursor: str) -> OrderChangePage:
        """The checkout forms of the events after event id ``cursor``, each once, in event order.

        The new cursor is the last event's id (the same cursor when no event came), and
        ``has_more`` says the page was full. Every event type counts: a cancellation or a
        fulfilment change matters to a case as much as a purchase; events without a checkout
        form only move the cursor. The caller fetches each form and upserts its state, which is
        what makes Allegro's duplicate and out-of-order events harmless.

        An empty cursor starts at the seller's latest event (``GET /order/event-stats``) and
        returns no orders: older orders are the first import's job, not the journal's. A seller
        who has no event yet is read from the start of the journal instead, so the first event
        is not skipped.
        """
        if not cursor:
            stats = payload.as_mapping(self.client.get_event_stats(), "eventStats")
            latest = payload.optional_mapping(stats.get("latestEvent"), "eventStats.latestEvent")
            if latest:
                return OrderChangePage((), cursor=payload.required_text(latest, "id", "eventStats.latestEvent"))
        page = payload.as_mapping(self.client.get_order_events(cursor), "orderEvents")
        events = page.get("events")
        if not isinstance(events, list):
            raise PayloadError("orderEvents.events must be a list")
        order_ids: dict[str, None] = {}
        next_cursor = cursor
        for index, item in enumerate(events):
            path = f"orderEvents.events[{index}]"
            event = payload.as_mapping(item, path)
            next_cursor = payload.required_text(event, "id", path)
            order = payload.optional_mapping(event.get("order"), f"{path}.order")
            form = payload.optional_mapping(order.get("checkoutForm"), f"{path}.order.checkoutForm")
            form_id = payload.text(form, "id", f"{path}.order.checkoutForm")
            if form_id:
                order_ids.setdefault(form_id, None)
        return OrderChangePage(tuple(order_ids), cursor=next_cursor, has_more=len(events) >= EVENTS_PAGE_LIMIT)

    def fetch_customer_returns(self, cursor: str) -> CustomerReturnPage:
        """The customer returns created at or after ``cursor`` (an ISO 8601 UTC time), oldest first.

        ``""`` starts :attr:`import_days` ago (``settings.platform_import_days``). Up to
        :data:`RETURNS_PAGES_PER_CALL` pages of :data:`~adapters.allegro.client.RETURNS_PAGE_LIMIT`
        are read by ``offset``; ``has_more`` says the last page was full. The returns are
        answered sorted by (``createdAt``, ``id``) and the new cursor is the latest ``createdAt``
        seen, inclusive, so the next call reads the returns of that very moment again: duplicates
        at the boundary are harmless because the core opens one case per return id, and nothing
        created in the same millisecond is skipped. An empty answer keeps the cursor.

        Each return's items name offers, so its order's checkout form is read (once per order
        per call) to find the order lines; an order Allegro no longer has leaves the line ids
        empty and the core files those items by name.
        """
        since = returns.read_cursor(cursor) if cursor else self._now() - timedelta(days=self.import_days)
        found: dict[str, CustomerReturnSnapshot] = {}
        lines_by_order: dict[str, list[returns.OfferLine]] = {}
        has_more = False
        for page in range(RETURNS_PAGES_PER_CALL):
            answer = payload.as_mapping(
                self.client.get_customer_returns(
                    {
                        "createdAt.gte": returns.cursor_for(since),
                        "limit": RETURNS_PAGE_LIMIT,
                        "offset": page * RETURNS_PAGE_LIMIT,
                    }
                ),
                "customerReturns",
            )
            items = answer.get("customerReturns")
            if not isinstance(items, list):
                raise PayloadError("customerReturns.customerReturns must be a list")
            for index, item in enumerate(items):
                data = payload.as_mapping(item, f"customerReturns.customerReturns[{index}]")
                order_id = payload.required_text(data, "orderId", "customerReturn")
                if order_id not in lines_by_order:
                    lines_by_order[order_id] = self._offer_lines(order_id)
                snapshot = returns.map_customer_return(data, lines_by_order[order_id])
                found[snapshot.external_id] = snapshot
            has_more = len(items) >= RETURNS_PAGE_LIMIT
            if not has_more:
                break
        ordered = tuple(sorted(found.values(), key=lambda snapshot: (snapshot.created_at, snapshot.external_id)))
        next_cursor = returns.cursor_for(ordered[-1].created_at) if ordered else cursor
        return CustomerReturnPage(ordered, cursor=next_cursor, has_more=has_more)

    def reject_customer_return(self, rejection: CustomerReturnRejection) -> PlatformActionResult:
        """Refuse the return's refund: ``POST /order/customer-returns/{id}/rejection {rejection:{code, reason}}``.

        A code outside :data:`~adapters.allegro.returns.REJECTION_CODES` or a reason that is empty
        or over 250 characters is refused here without asking. Allegro's own refusal (422, 409,
        400) is an unsuccessful result with its message, unless the return turns out to be
        rejected already (a repeated job after a lost answer): that counts as success.
        """
        code = rejection.reason_code.strip().upper()
        reason = rejection.message.strip()
        if code not in returns.REJECTION_CODES:
            return PlatformActionResult(is_success=False, message=f"{rejection.reason_code!r} is not an Allegro code")
        if not reason or len(reason) > returns.REJECTION_REASON_MAX_LENGTH:
            return PlatformActionResult(
                is_success=False,
                message=f"the reason must have 1 to {returns.REJECTION_REASON_MAX_LENGTH} characters",
            )
        try:
            self.client.reject_customer_return(
                rejection.return_external_id, {"rejection": {"code": code, "reason": reason}}
            )
        except Invalid as error:
            if self._already_rejected(rejection.return_external_id):
                return PlatformActionResult(is_success=True, message="already rejected on Allegro")
            return PlatformActionResult(is_success=False, message=error.message)
        except NotFound as error:
            return PlatformActionResult(is_success=False, message=error.message)
        return PlatformActionResult(is_success=True)

    def _already_rejected(self, return_id: str) -> bool:
        try:
            data = payload.as_mapping(self.client.get_customer_return(return_id), "customerReturn")
        except (Invalid, NotFound):
            return False
        rejection = payload.optional_mapping(data.get("rejection"), "customerReturn.rejection")
        return bool(payload.text(rejection, "code", "customerReturn.rejection")) or (
            payload.text(data, "status", "customerReturn") in REJECTED_RETURN_STATUSES
        )

    def _offer_lines(self, order_id: str) -> list[returns.OfferLine]:
        try:
            return returns.offer_lines(self.client.get_checkout_form(order_id))
        except NotFound:
            return []

    def issue_refund(self, request: RefundRequest) -> RefundResult:
        """Refund through ``POST /payments/refunds`` with a ``commandId`` derived from the idempotency key.

        The ``commandId`` is a uuid5 of the seller and ``request.idempotency_key``, so a retried
        job sends the same command and Allegro pays once; the call itself is retried on 429/5xx
        for the same reason. The checkout form is read first for the payment id and the lines:

        - each ``line_amounts`` entry that is a whole number of units of its line is refunded by
          ``QUANTITY``, any other part by ``AMOUNT``; no entries means every line in full;
        - what ``request.amount`` leaves after the lines goes to the delivery cost, up to what
          the buyer paid for delivery (the withdrawal rules refund the standard delivery);
        - a reason that is one of Allegro's codes is sent as it is, any other text as ``REFUND``
          with the text as the seller's comment.

        A refund that does not fit the order (unknown line, other currency, more than was paid,
        no payment) or that Allegro refuses (422, ``CANCELED``) is an unsuccessful result whose
        message says why. A missing idempotency key is a programming error (ValueError).
        """
        if not request.idempotency_key:
            raise ValueError("an Allegro refund needs request.idempotency_key: it becomes the commandId")
        form = payload.as_mapping(self.client.get_checkout_form(request.order_external_id), "checkoutForm")
        try:
            body = self._refund_body(form, request)
        except _RefundRefused as refusal:
            return RefundResult(is_success=False, message=str(refusal))
        try:
            answer = payload.as_mapping(self.client.create_refund(body), "refund")
        except Invalid as error:
            return RefundResult(is_success=False, message=error.message)
        status = payload.required_text(answer, "status", "refund")
        refund_id = payload.required_text(answer, "id", "refund")
        if status not in REFUND_ACCEPTED_STATUSES:
            return RefundResult(is_success=False, external_id=refund_id, message=f"Allegro refund status {status}")
        return RefundResult(is_success=True, external_id=refund_id)

    def send_buyer_message(self, order_external_id: str, text: str) -> None:
        """Write ``text`` to the order's buyer (``buyer.login``) through ``POST /messaging/messages``.

        Paced at 1 request/s per seller; sent once, never retried, since Allegro would deliver a
        repeated message twice. ValueError for an empty text or one over Allegro's 2,000 characters.
        """
        if not text.strip() or len(text) > MESSAGE_MAX_LENGTH:
            raise ValueError(f"an Allegro message has 1 to {MESSAGE_MAX_LENGTH} characters, got {len(text)}")
        form = payload.as_mapping(self.client.get_checkout_form(order_external_id), "checkoutForm")
        buyer = payload.as_mapping(payload.required(form, "buyer", "checkoutForm"), "checkoutForm.buyer")
        login = payload.required_text(buyer, "login", "checkoutForm.buyer")
        order_id = payload.required_text(form, "id", "checkoutForm")
        self.client.create_message({"recipient": {"login": login}, "text": text, "order": {"id": order_id}})

    def command_id(self, idempotency_key: str) -> str:
        """The ``commandId`` for ``idempotency_key``: the same key of the same seller always gives the same UUID."""
        return str(uuid.uuid5(COMMAND_ID_NAMESPACE, f"{self.seller_id}:{idempotency_key}"))

    def _refund_body(self, form: Mapping[str, Any], request: RefundRequest) -> dict[str, Any]:
        payment = payload.optional_mapping(form.get("payment"), "checkoutForm.payment")
        payment_id = payload.text(payment, "id", "checkoutForm.payment")
        if not payment_id:
            raise _RefundRefused("the order has no payment to refund")
        currency = request.amount.currency
        lines = _order_lines(form)
        wanted: dict[str, Money] = {}
        for line_id, line_amount in request.line_amounts or (
            (line_id, Money(price.amount * quantity, price.currency)) for line_id, (price, quantity) in lines.items()
        ):
            if line_id not in lines:
                raise _RefundRefused(f"line {line_id} is not in order {request.order_external_id}")
            if line_amount.currency != currency:
                raise _RefundRefused(f"line {line_id} is refunded in {line_amount.currency}, the refund in {currency}")
            # Two entries for one line are one refund of their sum: Allegro takes each line once.
            wanted[line_id] = wanted[line_id] + line_amount if line_id in wanted else line_amount
        line_items: list[dict[str, Any]] = []
        lines_total = Decimal("0")
        for line_id, amount in wanted.items():
            price, quantity = lines[line_id]
            if price.currency != currency:
                raise _RefundRefused(f"line {line_id} is in {price.currency}, the refund in {currency}")
            if amount.amount <= 0 or amount.amount > price.amount * quantity:
                raise _RefundRefused(f"line {line_id}: {amount} is not between 0 and {price.amount * quantity}")
            lines_total += amount.amount
            line_items.append(_line_item(line_id, amount, price))
        body: dict[str, Any] = {
            "payment": {"id": payment_id},
            "order": {"id": payload.required_text(form, "id", "checkoutForm")},
            "commandId": self.command_id(request.idempotency_key),
            "reason": _reason(request.reason),
            "lineItems": line_items,
        }
        rest = request.amount.amount - lines_total
        if rest < 0:
            raise _RefundRefused(f"the lines add up to {lines_total} {currency}, more than the refund {request.amount}")
        if rest > 0:
            delivery_cost = _delivery_cost(form)
            if delivery_cost is None or delivery_cost.currency != currency or rest > delivery_cost.amount:
                raise _RefundRefused(
                    f"the refund {request.amount} is more than the lines ({lines_total} {currency}) and delivery"
                )
            body["delivery"] = {"value": _money_json(Money(rest, currency))}
        comment = "" if request.reason.strip().upper() in REFUND_REASONS else request.reason.strip()
        if comment:
            body["sellerComment"] = comment[:SELLER_COMMENT_MAX_LENGTH]
        return body


class _RefundRefused(Exception):
    """The refund does not fit the order; its message becomes the unsuccessful result's."""


def _order_lines(form: Mapping[str, Any]) -> dict[str, tuple[Money, Decimal]]:
    """Line id → (gross unit price, quantity) of the checkout form's ``lineItems``."""
    items = payload.required(form, "lineItems", "checkoutForm")
    if not isinstance(items, list):
        raise PayloadError("checkoutForm.lineItems must be a list")
    lines: dict[str, tuple[Money, Decimal]] = {}
    for index, item in enumerate(items):
        path = f"checkoutForm.lineItems[{index}]"
        line = payload.as_mapping(item, path)
        price = payload.as_mapping(payload.required(line, "price", path), f"{path}.price")
        lines[payload.required_text(line, "id", path)] = (
            Money(
                payload.decimal(price, "amount", f"{path}.price"), payload.currency(price, "currency", f"{path}.price")
            ),
            payload.decimal(line, "quantity", path),
        )
    return lines


def _line_item(line_id: str, amount: Money, price: Money) -> dict[str, Any]:
    """``QUANTITY`` when ``amount`` is a whole number of units at ``price``, otherwise ``AMOUNT``."""
    if price.amount > 0:
        units = amount.amount / price.amount
        if units == units.to_integral_value():
            return {"id": line_id, "type": "QUANTITY", "quantity": int(units)}
    return {"id": line_id, "type": "AMOUNT", "value": _money_json(amount)}


def _delivery_cost(form: Mapping[str, Any]) -> Money | None:
    delivery = payload.optional_mapping(form.get("delivery"), "checkoutForm.delivery")
    cost = payload.optional_mapping(delivery.get("cost"), "checkoutForm.delivery.cost")
    if not cost:
        return None
    path = "checkoutForm.delivery.cost"
    return Money(payload.decimal(cost, "amount", path), payload.currency(cost, "currency", path))


def _money_json(money: Money) -> dict[str, str]:
    """Allegro's amount object: a decimal string with two places and the currency."""
    return {"amount": str(quantize_amount(money.amount)), "currency": money.currency}


def _reason(reason: str) -> str:
    code = reason.strip().upper()
    return code if code in REFUND_REASONS else "REFUND"


def stored_token_provider(channel: SalesChannel, cipher: CredentialCipher) -> TokenProvider:
    """A provider answering ``access_token`` from ``channel``'s encrypted credentials, decrypted when asked.

    Decrypting on each call keeps the factory free of work and picks up a token the refresh job
    stored since. No stored token raises ``AuthExpired``: the seller must connect (again).
    """

    def access_token() -> str:
        credentials = cipher.decrypt(channel.credentials_encrypted) if channel.credentials_encrypted else {}
        token = credentials.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthExpired(
                "no Allegro access token is stored for this channel; connect it again",
                platform=PLATFORM,
                method="",
                url="",
            )
        return token

    return access_token


def create_adapter(
    *,
    channel: SalesChannel,
    settings: Settings,
    cipher: CredentialCipher,
    http: PlatformHttp,
    tokens: TokenCache | None = None,
    credentials: CredentialStore | None = None,
    api_url: str | None = None,
    token_provider: TokenProvider | None = None,
) -> AllegroAdapter:
    """The registry's factory: an adapter for ``channel`` (its ``external_shop_id`` is the seller id); no I/O.

    The API host is ``api_url`` or the one of ``settings.allegro_environment``; the token source
    is ``token_provider`` or, when the runtime has a token cache and a credential store and our
    application is configured, the refreshing provider of :mod:`adapters.allegro.install`, else
    :func:`stored_token_provider` (see the module docstring). The customer-return import window
    is ``settings.platform_import_days``.
    """
    hosts = hosts_for(settings.allegro_environment)
    provider = token_provider
    if provider is None and tokens is not None and credentials is not None and is_configured(settings):
        provider = refreshing_token_provider(
            channel_id=channel.id,
            oauth=AllegroOAuth.from_settings(settings, http=http),
            tokens=tokens,
            credentials=credentials,
        )
    if provider is None:
        provider = stored_token_provider(channel, cipher)
    client = build_client(
        http, base_url=api_url or hosts.api_url, seller_id=channel.external_shop_id, token_provider=provider
    )
    return AllegroAdapter(client=client, seller_id=channel.external_shop_id, import_days=settings.platform_import_days)
