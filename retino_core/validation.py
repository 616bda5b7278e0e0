"""Run a marshmallow load schema and turn its complaints into a domain error."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from marshmallow import Schema, ValidationError

from retino_core.errors import DomainError, ErrorKind
from retino_core.i18n import N_


def load_or_raise(
    schema: Schema, data: Mapping[str, Any], *, error_class: type[DomainError], code: Enum
) -> dict[str, Any]:
    """Validate and normalise ``data``; on failure raise ``error_class`` carrying every field message."""
    try:
        return schema.load(data)  # type: ignore[no-any-return]
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        raise error_class(
            code,
            N_("Some fields are not valid."),
            kind=ErrorKind.invalid,
            field_errors=messages,
        ) from None
