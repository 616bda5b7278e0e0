from __future__ import annotations

from enum import Enum

from retino_core.errors import DomainError


class CustomFieldErrorCode(Enum):
    #: The definition payload breaks the schema.
    invalid_input = "invalid_input"
    #: One or more values given for a case or item are not valid; see the per-key field errors.
    invalid_values = "invalid_values"
    field_not_found = "field_not_found"
    case_type_not_found = "case_type_not_found"
    case_not_found = "case_not_found"
    item_not_found = "item_not_found"
    #: Another definition of the account already uses this key.
    key_taken = "key_taken"
    #: The field is switched off and cannot be attached to a case type.
    field_inactive = "field_inactive"


class CustomFieldError(DomainError):
    pass
