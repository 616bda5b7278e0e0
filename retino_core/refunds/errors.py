from __future__ import annotations

from enum import Enum

from retino_core.errors import DomainError


class RefundErrorCode(Enum):
    invalid_input = "invalid_input"
    case_not_found = "case_not_found"
    #: The case has no sales channel or no order to refund against.
    no_order = "no_order"
    #: The channel's platform has no adapter here, is not connected, or can neither refund nor credit.
    not_supported = "not_supported"
    #: Another refund of the case is still waiting for the platform's answer.
    refund_pending = "refund_pending"
    currency_mismatch = "currency_mismatch"
    #: The amount is zero, negative, or more than the order has left to refund.
    amount_out_of_range = "amount_out_of_range"
    #: A line names an item the case does not have, or one with no order line.
    item_not_refundable = "item_not_refundable"
    #: A line asks for more than the case item's quantity not yet refunded.
    quantity_exceeds_item = "quantity_exceeds_item"
    #: The lines add up to more than the amount (or, for a credit note, to another amount).
    lines_exceed_amount = "lines_exceed_amount"
    #: No refund with this id on this case (or another account's).
    refund_not_found = "refund_not_found"
    #: Only a refund whose outcome is unknown (the platform did not answer) can be sent again.
    not_retryable = "not_retryable"


class RefundError(DomainError):
    pass
