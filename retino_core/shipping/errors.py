from __future__ import annotations

from enum import Enum

from retino_core.errors import DomainError


class ShippingErrorCode(Enum):
    #: The payload breaks the schema; see the per-field messages.
    invalid_input = "invalid_input"
    #: The option is not an active option of the case's channel.
    option_not_found = "option_not_found"
    #: The case already has a shipping choice; it is recorded once, when the case is filed.
    already_chosen = "already_chosen"


class ShippingError(DomainError):
    pass
