"""The error every domain module raises, so each edge can render it the same way.

A domain error has a stable ``code`` (an Enum member of the module's ``errors.py``), an English
message marked for translation with its parameters, optional per-field messages, and a
``kind`` that tells the edge which HTTP status family it belongs to.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, ClassVar


class ErrorKind(Enum):
    #: The input is malformed or breaks a rule (HTTP 422).
    invalid = "invalid"
    #: The object does not exist for this account; another account's object is the same (HTTP 404).
    not_found = "not_found"
    #: The actor's role does not allow the action (HTTP 403).
    forbidden = "forbidden"
    #: The object's current state does not allow the action (HTTP 409).
    conflict = "conflict"


class DomainError(Exception):
    kind: ClassVar[ErrorKind] = ErrorKind.invalid

    def __init__(
        self,
        code: Enum,
        message: str,
        *,
        kind: ErrorKind | None = None,
        field_errors: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        self.code = code
        self.message = message
        self.params = params
        self.field_errors = field_errors or {}
        if kind is not None:
            self.kind = kind
        super().__init__(self.render())

    def render(self) -> str:
        try:
            return self.message % self.params if self.params else self.message
        except (KeyError, TypeError, ValueError):
            return self.message

    def to_dict(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"code": self.code.value, "message": self.render()}
        if self.field_errors:
            payload["fields"] = self.field_errors
        return payload
