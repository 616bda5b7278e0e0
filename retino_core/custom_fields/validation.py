"""One validator per field type, kept as data in :data:`VALIDATORS`.

A validator takes the raw value (from a form, the API or an automation) and the field's
definition, and returns the normalised, JSON-able value that is stored and compared in
history, or raises :class:`FieldValueError` with an English message marked for translation.
Empty input (``None``, blank text, an empty list) never reaches a validator: it means "clear
the value" and is handled by the caller.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from schwifty import IBAN
from schwifty.exceptions import InvalidChecksumDigits, SchwiftyException
from stdnum import exceptions as stdnum_exceptions
from stdnum.cz import bankaccount

from retino_core.custom_fields.models import CustomFieldDefinition, FieldType
from retino_core.i18n import N_

TEXT_MAX_LENGTH = 500
MULTILINE_MAX_LENGTH = 10_000
URL_MAX_LENGTH = 2_000
#: Digits allowed before and after the decimal point of a number field.
NUMBER_MAX_INTEGER_DIGITS = 20
NUMBER_MAX_FRACTION_DIGITS = 10

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BANK_ACCOUNT_RE = re.compile(r"(?:(?P<prefix>\d{1,6})-)?(?P<number>\d{2,10})/(?P<bank>\d{4})")
_TRUE_WORDS = frozenset({"true", "1", "on", "yes"})
_FALSE_WORDS = frozenset({"false", "0", "off", "no"})


class FieldValueError(ValueError):
    """A value that a field's type refuses; ``message`` is English, marked with ``N_``."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


Validator = Callable[[Any, CustomFieldDefinition], Any]


def is_empty(value: Any) -> bool:
    """Whether ``value`` means "no value": None, blank text or an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    return isinstance(value, list | tuple) and len(value) == 0


def validate_value(definition: CustomFieldDefinition, value: Any) -> Any:
    """The normalised value for ``definition``, or :class:`FieldValueError`."""
    return VALIDATORS[definition.field_type](value, definition)


def _has_control_characters(value: str, allowed: str = "") -> bool:
    return any(unicodedata.category(char) == "Cc" and char not in allowed for char in value)


def _require_text(value: Any) -> str:
    if not isinstance(value, str):
        raise FieldValueError(N_("Enter text."))
    return unicodedata.normalize("NFC", value)


def validate_text(value: Any, definition: CustomFieldDefinition) -> str:
    text = _require_text(value).strip()
    if _has_control_characters(text):
        raise FieldValueError(N_("Enter a single line without line breaks or control characters."))
    if len(text) > TEXT_MAX_LENGTH:
        raise FieldValueError(N_("Use at most 500 characters."))
    return text


def validate_multiline(value: Any, definition: CustomFieldDefinition) -> str:
    text = _require_text(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if _has_control_characters(text, allowed="\n\t"):
        raise FieldValueError(N_("Remove the control characters from the text."))
    if len(text) > MULTILINE_MAX_LENGTH:
        raise FieldValueError(N_("Use at most 10,000 characters."))
    return text


def _parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise FieldValueError(N_("Enter a number."))
    if isinstance(value, float):
        raise FieldValueError(N_('Send the number as text, e.g. "12.5", not as a floating-point value.'))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, str):
        raise FieldValueError(N_("Enter a number."))
    text = value.strip()
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise FieldValueError(N_("Enter a number."))
    try:
        return Decimal(text)
    except InvalidOperation:
        raise FieldValueError(N_("Enter a number.")) from None


def validate_number(value: Any, definition: CustomFieldDefinition) -> str:
    """Any finite decimal, stored as its shortest plain string ("12.50" becomes "12.5")."""
    number = _parse_decimal(value)
    if not number.is_finite():
        raise FieldValueError(N_("Enter a finite number."))
    if number == 0:
        return "0"
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    significant = list(digits)
    while exponent < 0 and significant[-1] == 0:
        significant.pop()
        exponent += 1
    if len(significant) + exponent > NUMBER_MAX_INTEGER_DIGITS or -exponent > NUMBER_MAX_FRACTION_DIGITS:
        raise FieldValueError(N_("Use at most 20 digits before and 10 digits after the decimal point."))
    return format(Decimal((sign, tuple(significant), exponent)), "f")


def validate_date(value: Any, definition: CustomFieldDefinition) -> str:
    if isinstance(value, datetime):
        raise FieldValueError(N_("Enter a date without a time, as YYYY-MM-DD."))
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value.strip()):
        raise FieldValueError(N_("Enter a date as YYYY-MM-DD."))
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise FieldValueError(N_("This date does not exist.")) from None


def validate_checkbox(value: Any, definition: CustomFieldDefinition) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise FieldValueError(N_("Enter yes or no."))


def validate_dropdown(value: Any, definition: CustomFieldDefinition) -> str:
    if isinstance(value, str) and value.strip() in definition.option_values:
        return value.strip()
    raise FieldValueError(N_("Choose one of the offered options."))


def validate_multichoice(value: Any, definition: CustomFieldDefinition) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(choice, str) for choice in value):
        raise FieldValueError(N_("Send a list of options."))
    choices = [choice.strip() for choice in value]
    allowed = set(definition.option_values)
    if any(choice not in allowed for choice in choices):
        raise FieldValueError(N_("Choose only from the offered options."))
    if len(set(choices)) != len(choices):
        raise FieldValueError(N_("Choose each option at most once."))
    return choices


def validate_url(value: Any, definition: CustomFieldDefinition) -> str:
    url = _require_text(value).strip()
    if len(url) > URL_MAX_LENGTH:
        raise FieldValueError(N_("Use at most 2,000 characters."))
    if _has_control_characters(url) or any(char.isspace() for char in url):
        raise FieldValueError(N_("A web address cannot contain spaces or control characters."))
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError when the port is not a number
    except ValueError:
        raise FieldValueError(N_("Enter a valid web address.")) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FieldValueError(N_("Enter a web address starting with http:// or https://."))
    if not parts.hostname:
        raise FieldValueError(N_("Enter a web address with a host name, e.g. https://example.com/."))
    return url


def validate_bank_account(value: Any, definition: CustomFieldDefinition) -> str:
    """A Czech domestic account, stored as banks print it: ``19-2000145399/0800``.

    Both mod-11 checksums and the bank code are checked. Leading zeros are dropped and a zero
    prefix is left out, so one account always has one stored form.
    """
    compact = re.sub(r"\s+", "", _require_text(value))
    match = _BANK_ACCOUNT_RE.fullmatch(compact)
    if match is None or int(match["number"]) == 0:
        raise FieldValueError(N_("Enter the account as prefix-number/bank code, e.g. 19-2000145399/0800."))
    try:
        bankaccount.validate(compact)
    except stdnum_exceptions.InvalidChecksum:
        raise FieldValueError(N_("This account number is not valid: its check digits do not match.")) from None
    except stdnum_exceptions.InvalidComponent:
        raise FieldValueError(N_("This bank code does not exist.")) from None
    except stdnum_exceptions.ValidationError:
        raise FieldValueError(N_("Enter the account as prefix-number/bank code, e.g. 19-2000145399/0800.")) from None
    prefix = int(match["prefix"] or "0")
    number = f"{int(match['number'])}/{match['bank']}"
    return f"{prefix}-{number}" if prefix else number


def validate_iban(value: Any, definition: CustomFieldDefinition) -> str:
    """Any IBAN schwifty knows, stored compact and upper-case: ``CZ6508000000192000145399``."""
    text = _require_text(value)
    try:
        iban = IBAN(text)
    except InvalidChecksumDigits:
        raise FieldValueError(N_("This IBAN is not valid: its check digits do not match.")) from None
    except SchwiftyException:
        raise FieldValueError(N_("Enter a valid IBAN, e.g. CZ65 0800 0000 1920 0014 5399.")) from None
    return str(iban.compact).upper()


#: The validator for every field type; a new type is not usable until it has one here.
VALIDATORS: dict[FieldType, Validator] = {
    FieldType.text: validate_text,
    FieldType.multiline: validate_multiline,
    FieldType.number: validate_number,
    FieldType.date: validate_date,
    FieldType.checkbox: validate_checkbox,
    FieldType.dropdown: validate_dropdown,
    FieldType.multichoice: validate_multichoice,
    FieldType.url: validate_url,
    FieldType.bank_account: validate_bank_account,
    FieldType.iban: validate_iban,
}
