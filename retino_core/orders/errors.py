from __future__ import annotations

from enum import Enum

from retino_core.errors import DomainError


class OrderErrorCode(Enum):
    channel_not_found = "channel_not_found"
    order_not_found = "order_not_found"
    currency_mismatch = "currency_mismatch"
    search_too_short = "search_too_short"


class OrderError(DomainError):
    pass
