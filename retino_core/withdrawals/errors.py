from __future__ import annotations

from enum import Enum

from retino_core.errors import DomainError


class WithdrawalErrorCode(Enum):
    invalid_input = "invalid_input"
    #: No order of the channel has this number and e-mail (one answer for both, see ``queries``).
    order_not_found = "order_not_found"
    #: The account has no active case type of kind withdrawal.
    withdrawal_not_offered = "withdrawal_not_offered"
    #: A chosen item is not part of the order.
    item_not_in_order = "item_not_in_order"
    #: Every chosen item is already held by other open cases.
    nothing_to_withdraw = "nothing_to_withdraw"


class WithdrawalError(DomainError):
    pass
