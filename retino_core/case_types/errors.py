from __future__ import annotations

from enum import Enum

from retino_core.errors import DomainError


class CaseTypeErrorCode(Enum):
    #: The payload breaks the schema; see the per-field messages.
    invalid_input = "invalid_input"
    case_type_not_found = "case_type_not_found"
    step_not_found = "step_not_found"
    status_not_found = "status_not_found"
    field_not_found = "field_not_found"
    #: Another case type of the account already uses this code.
    code_taken = "code_taken"
    #: Another case type of the account already numbers its cases with this prefix.
    prefix_taken = "prefix_taken"
    #: Another step of the same type already uses this code.
    step_code_taken = "step_code_taken"
    #: Another status of the same type already uses this code.
    status_code_taken = "status_code_taken"
    #: The initial status must be a status of this type that is not retired.
    invalid_initial_status = "invalid_initial_status"
    #: The status is the type's initial status, so it can be neither retired nor deleted.
    status_is_initial = "status_is_initial"
    #: A case is in this status or its history mentions it: it can only be retired.
    status_in_use = "status_in_use"
    #: Whether a status closes a case cannot change while cases are in it.
    closing_change_in_use = "closing_change_in_use"
    #: A transition names a status the type does not have, a retired target, or the same status twice.
    invalid_transition = "invalid_transition"
    reason_not_found = "reason_not_found"
    #: Another reason of the same type already uses this code (retired ones included).
    reason_code_taken = "reason_code_taken"
    #: A new order of reasons must list every reason of the type exactly once.
    invalid_reason_order = "invalid_reason_order"


class CaseTypeError(DomainError):
    pass
