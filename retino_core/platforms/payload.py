"""Readers for platform JSON payloads, shared by the adapters.

Every reader takes the object, the key and the dotted ``path`` of the object (used only in
messages), and raises :class:`PayloadError` on a missing or malformed value, never
``KeyError``/``TypeError``. Amounts are ``Decimal``; a float reaching :func:`decimal` is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from retino_core.money import to_decimal


class PayloadError(ValueError):
    """The platform sent JSON we cannot map: not JSON, a required field missing, or a value of the wrong shape."""


def parse_json(raw: bytes) -> Any:
    """Decode a body; a number with a fraction becomes a ``Decimal``, never a float.

    Raises :class:`PayloadError` for invalid JSON, nesting too deep to decode, and the
    constants ``NaN``, ``Infinity`` and ``-Infinity``.
    """
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except PayloadError:
        raise
    except (ValueError, RecursionError) as error:
        raise PayloadError(f"body is not valid JSON: {error}") from error


def as_mapping(value: Any, path: str) -> Mapping[str, Any]:
    """``value`` itself when it is a mapping; otherwise ``PayloadError("<path> must be an object")``."""
    if not isinstance(value, Mapping):
        raise PayloadError(f"{path} must be an object")
    return value


def optional_mapping(value: Any, path: str, *, empty_list_is_empty: bool = False) -> Mapping[str, Any]:
    """``{}`` for None (and for ``[]`` when ``empty_list_is_empty``); otherwise :func:`as_mapping`.

    ``empty_list_is_empty`` is for platforms written in PHP, which encode an empty object as ``[]``.
    """
    if value is None or (empty_list_is_empty and value == []):
        return {}
    return as_mapping(value, path)


def required(data: Mapping[str, Any], key: str, path: str) -> Any:
    """``data[key]``, any type; None, an absent key or ``""`` raise ``"<path>.<key> is missing"``."""
    value = data.get(key)
    if value is None or value == "":
        raise PayloadError(f"{path}.{key} is missing")
    return value


def text(data: Mapping[str, Any], key: str, path: str) -> str:
    """``data[key]`` as stripped text, ``""`` when None or absent; an int is turned into its digits.

    Any other type (bool, float, Decimal, list, object) raises ``"<path>.<key> must be a string"``.
    """
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PayloadError(f"{path}.{key} must be a string")
    return str(value).strip()


def required_text(data: Mapping[str, Any], key: str, path: str) -> str:
    """:func:`text`, but an empty result (absent, None, blank) raises ``"<path>.<key> is missing"``."""
    value = text(data, key, path)
    if not value:
        raise PayloadError(f"{path}.{key} is missing")
    return value


def decimal(data: Mapping[str, Any], key: str, path: str) -> Decimal:
    """``data[key]`` as a finite ``Decimal``, from a decimal string, an int or a ``Decimal``.

    Missing as in :func:`required`; a bool, a float (the body was not read with :func:`parse_json`),
    text that is not a number, and NaN/infinity each raise :class:`PayloadError`.
    """
    value = required(data, key, path)
    if isinstance(value, bool):
        raise PayloadError(f"{path}.{key} must be a number")
    try:
        number = to_decimal(value)
    except TypeError as error:
        raise PayloadError(f"{path}.{key} is a float; parse the body with parse_json") from error
    except (ValueError, ArithmeticError) as error:
        raise PayloadError(f"{path}.{key} is not a number: {value!r}") from error
    if not number.is_finite():
        raise PayloadError(f"{path}.{key} is not a finite number")
    return number


def currency(data: Mapping[str, Any], key: str, path: str) -> str:
    """``data[key]`` as an upper-case three-letter ASCII code; anything else raises :class:`PayloadError`."""
    code = required_text(data, key, path)
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise PayloadError(f"{path}.{key} is not an ISO 4217 code: {code!r}")
    return code.upper()


def aware_datetime(data: Mapping[str, Any], key: str, path: str, *, naive_is_utc: bool = False) -> datetime:
    """``data[key]``, an ISO 8601 text, as a datetime in UTC.

    A text without an offset raises ``"<path>.<key> has no UTC offset"`` unless ``naive_is_utc``,
    in which case it is read as UTC. Missing as in :func:`required_text`.
    """
    value = required_text(data, key, path)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise PayloadError(f"{path}.{key} is not an ISO 8601 datetime: {value!r}") from error
    if moment.tzinfo is None:
        if not naive_is_utc:
            raise PayloadError(f"{path}.{key} has no UTC offset: {value!r}")
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def optional_datetime(data: Mapping[str, Any], key: str, path: str, *, naive_is_utc: bool = False) -> datetime | None:
    """None when ``data[key]`` is absent, None or ``""``; otherwise :func:`aware_datetime`."""
    if data.get(key) in (None, ""):
        return None
    return aware_datetime(data, key, path, naive_is_utc=naive_is_utc)


def _reject_constant(name: str) -> Any:
    raise PayloadError(f"JSON constant {name} is not an amount")
