"""The one port every platform adapter implements. Kept narrow on purpose (see conventions §11)."""

from __future__ import annotations

from typing import Protocol

from retino_core.platforms.interface import (
    CaseStatusUpdate,
    OrderSnapshot,
    RefundRequest,
    RefundResult,
    WebhookDelivery,
)


class PlatformAdapter(Protocol):
    #: The platform's name, as stored on SalesChannel.platform.
    platform: str

    def fetch_order(self, external_id: str) -> OrderSnapshot:
        """The order as the platform holds it now; raises if it does not exist there."""
        ...

    def issue_refund(self, request: RefundRequest) -> RefundResult:
        """Give money back through the platform, or record the refund where it cannot pay."""
        ...

    def push_case_status(self, update: CaseStatusUpdate) -> None:
        """Tell the platform (order note, message) how the shopper's case stands."""
        ...

    def verify_webhook(self, delivery: WebhookDelivery) -> bool:
        """True only when the signature matches the raw body bytes exactly."""
        ...
