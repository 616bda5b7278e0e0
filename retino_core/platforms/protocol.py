"""The one port every platform adapter implements. Kept narrow on purpose (see conventions §11).

Platforms differ in what they can do (Shoptet issues credit notes but cannot refund a payment;
WooCommerce refunds; Allegro refunds, has customer returns and a message centre but no webhooks).
An adapter declares what it can do in ``capabilities``; callers ask ``adapter.supports(...)``
before offering an action or calling the operation. An operation whose capability is not declared
is simply never called, so an adapter leaves it out: no stubs that raise at run time.

An adapter subclasses :class:`PlatformAdapter` explicitly, which gives it :meth:`~PlatformAdapter.supports`,
and implements :meth:`~PlatformAdapter.fetch_order` plus the operations of each capability it
declares (:data:`CAPABILITY_OPERATIONS`); :func:`missing_operations` lets its tests prove that.

Operations talk to the platform over HTTP and may raise the errors of
:mod:`retino_core.platforms.http` (``AuthExpired``, ``RateLimited``, ``Unavailable``, ...); a
refusal the merchant should read (an invoice that does not exist, a refund above the paid amount)
is an unsuccessful result instead. They run in jobs, never inside an open database transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from retino_core.platforms.interface import (
    Capability,
    CaseStatusUpdate,
    CreditNoteRequest,
    CreditNoteResult,
    CustomerReturnPage,
    CustomerReturnRejection,
    OrderChangePage,
    OrderSnapshot,
    PlatformActionResult,
    RefundRequest,
    RefundResult,
    StorefrontInjectionRequest,
    StorefrontInjectionResult,
    WebhookDelivery,
    WebhookSetup,
    WebhookVerification,
)

#: The operations each capability unlocks; an adapter declaring the capability implements all of them.
CAPABILITY_OPERATIONS: Mapping[Capability, tuple[str, ...]] = {
    Capability.refund: ("issue_refund",),
    Capability.credit_note: ("issue_credit_note",),
    Capability.customer_returns: ("fetch_customer_returns", "reject_customer_return"),
    Capability.messaging: ("send_buyer_message",),
    Capability.storefront_injection: ("inject_storefront", "remove_storefront"),
    Capability.order_note: ("push_case_status",),
    Capability.webhooks: ("verify_webhook", "ensure_webhooks"),
    Capability.polling: ("fetch_order_changes",),
}


class PlatformAdapter(Protocol):
    """One channel's adapter: built per :class:`SalesChannel` by the registry, holding its client and credentials."""

    #: The platform's name, as stored on SalesChannel.platform.
    platform: str
    #: What this adapter can do; fixed per platform (a class attribute), never changed at run time.
    capabilities: frozenset[Capability]

    def supports(self, capability: Capability) -> bool:
        """True when ``capability`` is declared; the UI hides, and actions skip, what is not supported."""
        return capability in self.capabilities

    def fetch_order(self, external_id: str) -> OrderSnapshot:
        """The order as the platform holds it now (every adapter).

        ``external_id`` is :attr:`OrderSnapshot.external_id` (Shoptet order code, WooCommerce id,
        Allegro checkout-form id). Raises ``NotFound`` when the platform has no such order.
        """
        ...

    def issue_refund(self, request: RefundRequest) -> RefundResult:
        """Give money back through the platform (``Capability.refund``).

        The platform must receive ``request.idempotency_key`` (Allegro ``commandId``) or the adapter
        must look for an earlier refund with it first (WooCommerce), so a job that runs twice pays once.
        """
        ...

    def issue_credit_note(self, request: CreditNoteRequest) -> CreditNoteResult:
        """Issue a credit note against the order's invoice (``Capability.credit_note``); the money goes back outside.

        Idempotent on ``request.idempotency_key`` like :meth:`issue_refund`; an order without an
        invoice gives an unsuccessful result saying so.
        """
        ...

    def push_case_status(self, update: CaseStatusUpdate) -> None:
        """Leave a note in the order's history on how the shopper's case stands (``Capability.order_note``).

        Notes are internal to the merchant's admin; repeating the same update may add a second note.
        """
        ...

    def send_buyer_message(self, order_external_id: str, text: str) -> None:
        """Write ``text`` to the order's buyer through the platform (``Capability.messaging``).

        The adapter finds the recipient from the order (Allegro: ``buyer.login``) and keeps the
        platform's per-user pace (Allegro: 1 request/s).
        """
        ...

    def inject_storefront(self, request: StorefrontInjectionRequest) -> StorefrontInjectionResult:
        """Put ``request.html`` at ``request.location``, replacing our earlier snippet there (storefront_injection).

        Pushing the same snippet again is harmless; it is re-pushed whenever widget settings change.
        """
        ...

    def remove_storefront(self, location: str) -> StorefrontInjectionResult:
        """Take our snippet out of ``location`` (``Capability.storefront_injection``); absent already is success."""
        ...

    def verify_webhook(self, delivery: WebhookDelivery) -> WebhookVerification:
        """Check a delivery's signature over the raw body bytes and name it (``Capability.webhooks``).

        Valid only when the signature matches ``delivery.raw_body`` exactly under this channel's
        secret; the result then carries the delivery's dedupe key. Never raises for a bad delivery:
        a missing header, wrong signature or unreadable body is ``WebhookVerification.invalid(reason)``.
        """
        ...

    def ensure_webhooks(self, callback_url: str) -> WebhookSetup:
        """Make the platform deliver our order events to ``callback_url`` (``Capability.webhooks``).

        Run at install and by every periodic sync, so it must be cheap when all is in place and
        safe to repeat: it registers what is missing, switches back on what the platform switched
        off (WooCommerce disables a webhook after five failed deliveries) and removes registrations
        of ours that point elsewhere. Returns what it changed.
        """
        ...

    def fetch_customer_returns(self, cursor: str) -> CustomerReturnPage:
        """The customer returns opened or changed since ``cursor`` (``Capability.customer_returns``).

        Same cursor contract as :meth:`fetch_order_changes`: ``""`` starts at the install's import
        window, and re-reading a page returns the same returns (the core opens one case per return).
        """
        ...

    def reject_customer_return(self, rejection: CustomerReturnRejection) -> PlatformActionResult:
        """Refuse a customer return on the platform (``Capability.customer_returns``).

        A refusal the platform answers with (already rejected, wrong state) is an unsuccessful
        result with its message; repeating a successful rejection must not fail the merchant's action.
        """
        ...

    def fetch_order_changes(self, cursor: str) -> OrderChangePage:
        """The orders changed since ``cursor`` (``Capability.polling``).

        ``cursor`` is ``""`` the first time: the adapter then starts at the install's import window.
        A safety net for missed webhooks, and Allegro's only way in. Resuming from the same cursor
        after a crash or a ``RateLimited`` returns the same orders again; callers upsert, so that is harmless.
        """
        ...


def missing_operations(adapter: PlatformAdapter | type[PlatformAdapter]) -> tuple[str, ...]:
    """The operations ``adapter`` declares (through its capabilities) but does not implement itself.

    An operation counts as implemented when the adapter's class defines it rather than inheriting
    the Protocol's declaration. Each adapter's tests assert this is ``()``.
    """
    adapter_class = adapter if isinstance(adapter, type) else type(adapter)
    declared = sorted(adapter.capabilities, key=lambda item: item.value)
    required = (
        "fetch_order",
        *(operation for capability in declared for operation in CAPABILITY_OPERATIONS[capability]),
    )
    return tuple(operation for operation in required if not _defines(adapter_class, operation))


def _defines(adapter_class: type, operation: str) -> bool:
    implementation = getattr(adapter_class, operation, None)
    return callable(implementation) and implementation is not getattr(PlatformAdapter, operation)
