"""The Shoptet adapter: one e-shop installation behind the :class:`PlatformAdapter` port.

Shoptet has no payment refund: money goes back outside the platform and the accounting record is
a credit note against the order's invoice. Orders arrive by signed webhooks (``order:create``,
``order:update``) carrying only the order code, then ``GET /api/orders/{code}``. Our widget
loader and the return/complaint badge go into the shop through ``POST /api/template-include``,
and case progress is written into the order's history.

The adapter is built with a :class:`ShoptetClient` (which holds the access-token provider) and
the installation's webhook ``signatureKey``. The registry factory, which builds both from the
channel's encrypted credentials and the OAuth token exchange, comes with the install flow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from adapters.shoptet import mapping, webhooks
from adapters.shoptet.client import MAX_PAGES, TEMPLATE_HTML_MAX_LENGTH, TEMPLATE_LOCATIONS, ShoptetClient
from adapters.shoptet.errors import PayloadError
from retino_core import clock
from retino_core.money import Money
from retino_core.platforms import payload
from retino_core.platforms.http import NotFound
from retino_core.platforms.interface import (
    Capability,
    CaseStatusUpdate,
    CreditNoteRequest,
    CreditNoteResult,
    OrderChangePage,
    OrderSnapshot,
    StorefrontInjectionRequest,
    StorefrontInjectionResult,
    WebhookDelivery,
    WebhookSetup,
    WebhookVerification,
)
from retino_core.platforms.protocol import PlatformAdapter

#: Quantities in a credit-note request must have exactly three decimals (spec pattern ``^[0-9]+\.[0-9]{3}$``).
_QUANTITY_STEP = Decimal("0.001")


class ShoptetAdapter(PlatformAdapter):
    """One Shoptet installation. ``signature_key`` is its webhook ``signatureKey``; ``eshop_id`` its ``eshopId``."""

    platform = "shoptet"
    capabilities = frozenset(
        {
            Capability.webhooks,
            Capability.polling,
            Capability.credit_note,
            Capability.storefront_injection,
            Capability.order_note,
        }
    )

    def __init__(
        self,
        client: ShoptetClient,
        *,
        signature_key: str,
        import_days: int = 90,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self.client = client
        self.signature_key = signature_key
        self.import_days = import_days
        self._now = now

    # --- order sync

    def fetch_order_changes(self, cursor: str) -> OrderChangePage:
        """The orders changed since ``cursor``, one page at a time, in two phases.

        The first sync (``cursor == ""``) lists the orders changed in the last ``import_days``
        (``GET /api/orders?changeTimeFrom=``, 50 a page): cursor ``import|<from>|<page>|<started>``.
        Then the change feed (``GET /api/orders/changes?from=``, kept 30 days, 1,000 a page):
        cursor ``changes|<from>|<page>``; when its last page is read, the next ``from`` is the newest
        ``changeTime`` seen, so a run re-reads that instant rather than missing an order changed in
        it. Deleted orders are left out (their cases keep their copy of the order).
        """
        phase, changed_from, page, started = _parse_cursor(cursor, self._now(), self.import_days)
        if phase == "import":
            codes, page_count = self.client.order_codes_page(changed_from=changed_from, page=page)
            if page < min(page_count, MAX_PAGES):
                return OrderChangePage(tuple(codes), f"import|{changed_from}|{page + 1}|{started}", has_more=True)
            return OrderChangePage(tuple(codes), f"changes|{started}|1", has_more=False)
        changes, page_count = self.client.order_changes_page(changed_from=changed_from, page=page)
        codes = tuple(
            payload.required_text(change, "code", "data.changes[]")
            for change in changes
            if change.get("changeType") != "delete"
        )
        if page < min(page_count, MAX_PAGES):
            return OrderChangePage(codes, f"changes|{changed_from}|{page + 1}", has_more=True)
        newest = max((str(change.get("changeTime") or "") for change in changes), default="", key=_instant)
        return OrderChangePage(codes, f"changes|{newest or changed_from}|1", has_more=False)

    # --- orders

    def fetch_order(self, external_id: str) -> OrderSnapshot:
        """``GET /api/orders/{code}`` mapped by :func:`mapping.map_order`; ``NotFound`` for an unknown code."""
        return mapping.map_order(self.client.get_order(external_id))

    # --- webhooks

    def verify_webhook(self, delivery: WebhookDelivery) -> WebhookVerification:
        """Valid when the HMAC-SHA1 signature matches the raw body under our ``signatureKey``.

        The dedupe key is ``eshopId|event|eventInstance|eventCreated`` (Shoptet sends no delivery
        id). A delivery for another e-shop than this installation's is refused even when signed,
        so a key shared by mistake cannot feed one shop's orders into another channel.
        """
        if not self.signature_key:
            return WebhookVerification.invalid("no webhook signature key is stored for this channel")
        if not webhooks.verify_signature(delivery, self.signature_key):
            return WebhookVerification.invalid(f"{webhooks.SIGNATURE_HEADER} is missing or does not match the body")
        try:
            key = webhooks.delivery_key(mapping.parse_json(delivery.raw_body))
        except PayloadError as error:
            return WebhookVerification.invalid(f"unreadable webhook body: {error}")
        if str(key[0]) != self.client.eshop_id:
            return WebhookVerification.invalid(f"webhook for e-shop {key[0]}, this channel is {self.client.eshop_id}")
        return WebhookVerification.valid("|".join(str(part) for part in key))

    def ensure_webhooks(self, callback_url: str) -> WebhookSetup:
        """Make ``order:create`` and ``order:update`` deliver to ``callback_url`` (never ``order:cancel``)."""
        created, moved = self.client.register_order_webhooks(callback_url)
        return WebhookSetup(created=created, removed=moved)

    # --- storefront

    def inject_storefront(self, request: StorefrontInjectionRequest) -> StorefrontInjectionResult:
        """Set our snippet at ``request.location``; HTML over 8,192 characters is refused before any call."""
        if request.location not in TEMPLATE_LOCATIONS:
            return StorefrontInjectionResult(
                request.location, False, f"unknown location; Shoptet takes {', '.join(TEMPLATE_LOCATIONS)}"
            )
        if not request.html.strip():
            return StorefrontInjectionResult(request.location, False, "empty HTML; remove the snippet instead")
        if len(request.html) > TEMPLATE_HTML_MAX_LENGTH:
            return StorefrontInjectionResult(
                request.location,
                False,
                f"HTML has {len(request.html)} characters; Shoptet takes at most {TEMPLATE_HTML_MAX_LENGTH}",
            )
        self.client.put_template_snippets([(request.location, request.html)])
        return StorefrontInjectionResult(request.location, True)

    def remove_storefront(self, location: str) -> StorefrontInjectionResult:
        """Delete our snippet at ``location``; one that is already gone counts as removed."""
        if location not in TEMPLATE_LOCATIONS:
            return StorefrontInjectionResult(
                location, False, f"unknown location; Shoptet takes {', '.join(TEMPLATE_LOCATIONS)}"
            )
        try:
            self.client.delete_template_snippet(location)
        except NotFound:
            return StorefrontInjectionResult(location, True, "already removed")
        return StorefrontInjectionResult(location, True)

    # --- order history

    def push_case_status(self, update: CaseStatusUpdate) -> None:
        """Add ``<case number>: <status>`` as a system record to the order's history (admin only)."""
        self.client.add_order_history(update.order_external_id, f"{update.case_number}: {update.status_name}")

    # --- credit notes

    def issue_credit_note(self, request: CreditNoteRequest) -> CreditNoteResult:
        """Issue a credit note against the order's only valid invoice.

        - Idempotent: the note's ``reasonRemark`` ends with ``[ref <idempotency key>]``; a note of
          the invoice that already carries it is returned instead of issuing another.
        - Whole invoice when ``line_quantities`` is empty, otherwise the invoice items whose
          product code and type match the order lines (``items[{invoiceItemId, amount}]``).
        - Before calling, the amount Shoptet will credit (the invoice total, or the matched items'
          unit prices with VAT × quantity) must equal ``request.amount``; a mismatch, an order
          without an invoice or with several, or a line that has no invoice item is an
          unsuccessful result for the merchant and nothing is issued.
        """
        if not request.idempotency_key.strip():
            raise ValueError("a credit note needs an idempotency key")
        invoices = _valid_invoices(self.client.list_invoices(request.order_external_id))
        if not invoices:
            return CreditNoteResult(False, message="the order has no valid invoice to credit")
        if len(invoices) > 1:
            return CreditNoteResult(
                False, message=f"the order has {len(invoices)} invoices; issue the credit note in the Shoptet admin"
            )
        invoice_code = payload.required_text(invoices[0], "code", "invoice")
        marker = credit_note_marker(request.idempotency_key)
        earlier = find_credit_note(self.client.list_credit_notes(invoice_code), marker)
        if earlier:
            return CreditNoteResult(True, external_id=earlier)
        body: dict[str, Any] = {"reasonRemark": f"{request.reason.strip()} {marker}".strip()}
        if request.line_quantities:
            order = self.client.get_order(request.order_external_id)
            invoice = self.client.get_invoice(invoice_code)
            try:
                items, credited = credit_note_items(order, invoice, request.line_quantities)
            except CreditNoteRefused as refusal:
                return CreditNoteResult(False, message=str(refusal))
            body["items"] = items
        else:
            price = payload.as_mapping(payload.required(invoices[0], "price", "invoice"), "invoice.price")
            credited = Money(
                payload.decimal(price, "withVat", "invoice.price"),
                payload.currency(price, "currencyCode", "invoice.price"),
            )
        if credited != request.amount:
            return CreditNoteResult(
                False,
                message=f"Shoptet would credit {credited.amount} {credited.currency}, the refund is "
                f"{request.amount.amount} {request.amount.currency}",
            )
        note = self.client.create_credit_note(invoice_code, body)
        return CreditNoteResult(True, external_id=payload.required_text(note, "code", "creditNote"))


class CreditNoteRefused(Exception):
    """The order lines cannot be credited as asked; the message is for the merchant."""


def credit_note_marker(idempotency_key: str) -> str:
    """What ends the ``reasonRemark`` of the note issued for ``idempotency_key``, so a retry finds it."""
    return f"[ref {idempotency_key.strip()}]"


def find_credit_note(notes: Sequence[Mapping[str, Any]], marker: str) -> str:
    """The code of the first note whose ``reasonRemark`` ends with ``marker``; ``""`` when none does."""
    for note in notes:
        remark = note.get("reasonRemark")
        if isinstance(remark, str) and remark.rstrip().endswith(marker):
            return payload.required_text(note, "code", "creditNote")
    return ""


def credit_note_items(
    order: Mapping[str, Any], invoice: Mapping[str, Any], line_quantities: Sequence[tuple[str, Decimal]]
) -> tuple[list[dict[str, Any]], Money]:
    """The credit note's ``items`` for ``line_quantities`` and the amount Shoptet will credit for them.

    Invoice items do not name the order item they came from, so an order line (its ``itemId``)
    is matched to the one invoice item with the same ``code`` and ``itemType``; none or several
    raise :class:`CreditNoteRefused`, as does a quantity that is not positive or exceeds the invoice's.
    """
    order_items = {
        payload.required_text(item, "itemId", "order.items[]"): item
        for item in (payload.as_mapping(value, "order.items[]") for value in _list(order, "items", "order"))
    }
    invoice_items = [payload.as_mapping(value, "invoice.items[]") for value in _list(invoice, "items", "invoice")]
    price = payload.as_mapping(payload.required(invoice, "price", "invoice"), "invoice.price")
    currency = payload.currency(price, "currencyCode", "invoice.price")
    items: list[dict[str, Any]] = []
    total = Money(Decimal("0"), currency)
    for line_id, quantity in line_quantities:
        order_item = order_items.get(str(line_id))
        if order_item is None:
            raise CreditNoteRefused(f"order line {line_id} is not in the order")
        code = payload.text(order_item, "code", "order.items[]")
        item_type = payload.text(order_item, "itemType", "order.items[]")
        matches = [
            item
            for item in invoice_items
            if code
            and payload.text(item, "code", "invoice.items[]") == code
            and payload.text(item, "itemType", "invoice.items[]") == item_type
        ]
        if len(matches) != 1:
            raise CreditNoteRefused(
                f"order line {line_id} ({code or 'no code'}) has {len(matches)} matching invoice items"
            )
        invoice_item = matches[0]
        if quantity <= 0 or quantity > abs(payload.decimal(invoice_item, "amount", "invoice.items[]")):
            raise CreditNoteRefused(f"cannot credit {quantity} of order line {line_id} ({code})")
        unit_price = payload.as_mapping(payload.required(invoice_item, "unitPrice", "invoice.items[]"), "unitPrice")
        total = total + Money(payload.decimal(unit_price, "withVat", "invoice.items[].unitPrice") * quantity, currency)
        items.append(
            {
                "invoiceItemId": _integer(invoice_item, "itemId"),
                "amount": str(quantity.quantize(_QUANTITY_STEP)),
            }
        )
    return items, total


def _valid_invoices(invoices: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Valid invoices, one per code (a listing read page by page may repeat one)."""
    by_code: dict[str, Mapping[str, Any]] = {}
    for invoice in invoices:
        if invoice.get("isValid") is True:
            by_code.setdefault(payload.required_text(invoice, "code", "invoice"), invoice)
    return list(by_code.values())


def _list(data: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = payload.required(data, key, path)
    if not isinstance(value, list):
        raise PayloadError(f"{path}.{key} must be a list")
    return value


def _integer(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(f"invoice.items[].{key} is missing or not an integer")
    return value


def _parse_cursor(cursor: str, now: datetime, import_days: int) -> tuple[str, str, int, str]:
    """(phase, from, page, import start) of a cursor; an empty or unreadable one starts the import."""
    parts = cursor.split("|")
    try:
        if parts[0] == "import" and len(parts) == 4 and int(parts[2]) >= 1:
            return "import", parts[1], int(parts[2]), parts[3]
        if parts[0] == "changes" and len(parts) == 3 and int(parts[2]) >= 1:
            return "changes", parts[1], int(parts[2]), ""
    except ValueError:
        pass
    started = _format_instant(now)
    return "import", _format_instant(now - timedelta(days=import_days)), 1, started


def _format_instant(moment: datetime) -> str:
    """ISO 8601 with the offset, as Shoptet's filters want it (``2024-01-31T10:00:00+0000``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S%z")


def _instant(value: str) -> datetime:
    """``changeTime`` for ordering; an unreadable one sorts first (it never becomes the cursor)."""
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
