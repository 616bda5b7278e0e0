"""Error codes of the documents module."""

from __future__ import annotations

from enum import Enum

from retino_core.errors import DomainError


class DocumentErrorCode(Enum):
    #: The document was asked for in a language it is not written in.
    unsupported_language = "unsupported_language"


class DocumentError(DomainError):
    pass
