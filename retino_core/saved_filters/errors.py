from __future__ import annotations

from enum import Enum

from retino_core.errors import DomainError


class SavedFilterErrorCode(Enum):
    invalid_input = "invalid_input"
    not_found = "not_found"
    name_taken = "name_taken"
    too_many = "too_many"
    empty_filter = "empty_filter"


class SavedFilterError(DomainError):
    pass
