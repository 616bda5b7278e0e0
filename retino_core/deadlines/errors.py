from __future__ import annotations

from enum import Enum

from retino_core.errors import DomainError


class DeadlineErrorCode(Enum):
    deadline_not_found = "deadline_not_found"
    deadline_not_extendable = "deadline_not_extendable"
    extension_not_later = "extension_not_later"
    deadline_already_met = "deadline_already_met"


class DeadlineError(DomainError):
    pass
