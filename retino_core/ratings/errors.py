from __future__ import annotations

from enum import Enum

from retino_core.errors import DomainError


class RatingErrorCode(Enum):
    invalid_input = "invalid_input"
    case_not_closed = "case_not_closed"
    already_rated = "already_rated"


class RatingError(DomainError):
    pass
