from __future__ import annotations

from enum import Enum

from retino_core.errors import DomainError


class CaseErrorCode(Enum):
    invalid_input = "invalid_input"
    case_not_found = "case_not_found"
    case_type_not_found = "case_type_not_found"
    channel_not_found = "channel_not_found"
    order_not_found = "order_not_found"
    order_item_not_found = "order_item_not_found"
    item_not_found = "item_not_found"
    quantity_exceeds_order = "quantity_exceeds_order"
    illegal_transition = "illegal_transition"
    status_not_found = "status_not_found"
    not_a_closing_status = "not_a_closing_status"
    case_closed = "case_closed"
    owner_not_member = "owner_not_member"
    illegal_reception_change = "illegal_reception_change"
    resolution_required = "resolution_required"
    rejection_reason_required = "rejection_reason_required"
    attachment_too_large = "attachment_too_large"
    attachment_type_not_allowed = "attachment_type_not_allowed"
    too_many_attachments = "too_many_attachments"
    #: The target status is retired: cases may leave it but not enter it.
    status_retired = "status_retired"
    tag_not_found = "tag_not_found"
    #: Another tag of the account already has this name.
    tag_name_taken = "tag_name_taken"


class CaseError(DomainError):
    pass
