from __future__ import annotations

from enum import Enum

from retino_core.errors import DomainError


class IntakeErrorCode(Enum):
    #: The payload breaks the schema or a rule of the form; see the per-field messages.
    invalid_input = "invalid_input"
    #: No order with this number and e-mail (deliberately one answer for both).
    lookup_failed = "lookup_failed"
    #: The case type is not one the channel offers.
    case_type_not_offered = "case_type_not_offered"
    #: The channel does not take cases without an order.
    intake_without_order_disabled = "intake_without_order_disabled"
    #: The draft is unknown, expired or of another channel.
    draft_not_found = "draft_not_found"
    #: The draft's details have not been filled in yet.
    draft_incomplete = "draft_incomplete"
    #: A photo was refused or there are too many.
    photo_refused = "photo_refused"


class IntakeError(DomainError):
    pass
