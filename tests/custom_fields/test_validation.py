from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from retino_core.custom_fields.models import CustomFieldDefinition, FieldType
from retino_core.custom_fields.validation import VALIDATORS, FieldValueError, is_empty, validate_value

OPTIONS = [{"value": "red", "names": {"en": "Red"}}, {"value": "blue", "names": {}}, {"value": "green", "names": {}}]


def definition(field_type: FieldType) -> CustomFieldDefinition:
    return CustomFieldDefinition(key="field", field_type=field_type, names={"en": "Field"}, options=OPTIONS)


VALID = [
    (FieldType.text, "  Dárek pro babičku  ", "Dárek pro babičku"),
    (FieldType.text, "x" * 500, "x" * 500),
    (FieldType.text, "Cafe\u0301", "Café"),
    (FieldType.multiline, "line one\r\nline two\ttab\n", "line one\nline two\ttab"),
    (FieldType.multiline, "y" * 10_000, "y" * 10_000),
    (FieldType.number, "12.50", "12.5"),
    (FieldType.number, "12,50", "12.5"),
    (FieldType.number, " -3 ", "-3"),
    (FieldType.number, 7, "7"),
    (FieldType.number, Decimal("1E+2"), "100"),
    (FieldType.number, "-0.0", "0"),
    (FieldType.number, "0.0000000001", "0.0000000001"),
    (FieldType.number, "99999999999999999999", "99999999999999999999"),
    (FieldType.date, "2026-03-31", "2026-03-31"),
    (FieldType.date, " 2024-02-29 ", "2024-02-29"),
    (FieldType.date, date(2026, 1, 5), "2026-01-05"),
    (FieldType.checkbox, True, True),
    (FieldType.checkbox, False, False),
    (FieldType.checkbox, "true", True),
    (FieldType.checkbox, "False", False),
    (FieldType.checkbox, "1", True),
    (FieldType.checkbox, "0", False),
    (FieldType.checkbox, "on", True),
    (FieldType.checkbox, 1, True),
    (FieldType.dropdown, "blue", "blue"),
    (FieldType.dropdown, " red ", "red"),
    (FieldType.multichoice, ["green", "red"], ["green", "red"]),
    (FieldType.multichoice, ("blue",), ["blue"]),
    (FieldType.url, " https://shop.example.cz/orders/42?x=1 ", "https://shop.example.cz/orders/42?x=1"),
    (FieldType.url, "HTTP://localhost:8080/", "HTTP://localhost:8080/"),
    (FieldType.bank_account, "19-2000145399/0800", "19-2000145399/0800"),
    (FieldType.bank_account, "000019-2000145399/0800", "19-2000145399/0800"),
    (FieldType.bank_account, " 19 - 2000145399 / 0800 ", "19-2000145399/0800"),
    (FieldType.bank_account, "2000145399/0800", "2000145399/0800"),
    (FieldType.bank_account, "000000-2000145399/0800", "2000145399/0800"),
    (FieldType.iban, "CZ65 0800 0000 1920 0014 5399", "CZ6508000000192000145399"),
    (FieldType.iban, "cz6508000000192000145399", "CZ6508000000192000145399"),
    (FieldType.iban, "SK3112000000198742637541", "SK3112000000198742637541"),
]


@pytest.mark.parametrize(("field_type", "raw", "expected"), VALID)
def test_valid_values_are_normalised(field_type, raw, expected):
    # given
    field = definition(field_type)
    # when
    value = validate_value(field, raw)
    # then
    assert value == expected
    assert type(value) is type(expected)


INVALID = [
    (FieldType.text, 42, "Enter text."),
    (FieldType.text, "x" * 501, "Use at most 500 characters."),
    (FieldType.text, "two\nlines", "Enter a single line without line breaks or control characters."),
    (FieldType.text, "bell\x07", "Enter a single line without line breaks or control characters."),
    (FieldType.multiline, "y" * 10_001, "Use at most 10,000 characters."),
    (FieldType.multiline, "null\x00byte", "Remove the control characters from the text."),
    (FieldType.multiline, ["list"], "Enter text."),
    (FieldType.number, 1.5, 'Send the number as text, e.g. "12.5", not as a floating-point value.'),
    (FieldType.number, "NaN", "Enter a number."),
    (FieldType.number, "Infinity", "Enter a number."),
    (FieldType.number, "1e5", "Enter a number."),
    (FieldType.number, "1,000.5", "Enter a number."),
    (FieldType.number, "12 kg", "Enter a number."),
    (FieldType.number, True, "Enter a number."),
    (FieldType.number, Decimal("NaN"), "Enter a finite number."),
    (FieldType.number, Decimal("-Infinity"), "Enter a finite number."),
    (FieldType.number, "0.00000000001", "Use at most 20 digits before and 10 digits after the decimal point."),
    (FieldType.number, "100000000000000000000", "Use at most 20 digits before and 10 digits after the decimal point."),
    (FieldType.date, "31.3.2026", "Enter a date as YYYY-MM-DD."),
    (FieldType.date, "20260331", "Enter a date as YYYY-MM-DD."),
    (FieldType.date, "2026-02-30", "This date does not exist."),
    (FieldType.date, datetime(2026, 3, 31, 12, 0, tzinfo=UTC), "Enter a date without a time, as YYYY-MM-DD."),
    (FieldType.date, 20260331, "Enter a date as YYYY-MM-DD."),
    (FieldType.checkbox, "maybe", "Enter yes or no."),
    (FieldType.checkbox, 2, "Enter yes or no."),
    (FieldType.checkbox, None, "Enter yes or no."),
    (FieldType.dropdown, "purple", "Choose one of the offered options."),
    (FieldType.dropdown, ["red"], "Choose one of the offered options."),
    (FieldType.multichoice, "red", "Send a list of options."),
    (FieldType.multichoice, ["red", 1], "Send a list of options."),
    (FieldType.multichoice, ["red", "purple"], "Choose only from the offered options."),
    (FieldType.multichoice, ["red", "blue", "red"], "Choose each option at most once."),
    (FieldType.url, "ftp://files.example.cz/", "Enter a web address starting with http:// or https://."),
    (FieldType.url, "javascript:alert(1)", "Enter a web address starting with http:// or https://."),
    (FieldType.url, "shop.example.cz", "Enter a web address starting with http:// or https://."),
    (FieldType.url, "https:///path-only", "Enter a web address with a host name, e.g. https://example.com/."),
    (FieldType.url, "https://shop.example.cz/a b", "A web address cannot contain spaces or control characters."),
    (FieldType.url, "https://shop.example.cz:port/", "Enter a valid web address."),
    (FieldType.url, "https://x.cz/" + "a" * 2000, "Use at most 2,000 characters."),
    (FieldType.bank_account, "19-2000145398/0800", "This account number is not valid: its check digits do not match."),
    (FieldType.bank_account, "18-2000145399/0800", "This account number is not valid: its check digits do not match."),
    (FieldType.bank_account, "19-2000145399/0000", "This bank code does not exist."),
    (
        FieldType.bank_account,
        "19-2000145399",
        "Enter the account as prefix-number/bank code, e.g. 19-2000145399/0800.",
    ),
    (
        FieldType.bank_account,
        "19-2000145399/08001",
        "Enter the account as prefix-number/bank code, e.g. 19-2000145399/0800.",
    ),
    (
        FieldType.bank_account,
        "0000000000/0800",
        "Enter the account as prefix-number/bank code, e.g. 19-2000145399/0800.",
    ),
    (FieldType.bank_account, 192000145399, "Enter text."),
    (FieldType.iban, "CZ66 0800 0000 1920 0014 5399", "This IBAN is not valid: its check digits do not match."),
    (FieldType.iban, "CZ65 0800 0000 1920 0014 5398", "This IBAN is not valid: its check digits do not match."),
    (FieldType.iban, "XX00 1234", "Enter a valid IBAN, e.g. CZ65 0800 0000 1920 0014 5399."),
    (FieldType.iban, "CZ65 0800", "Enter a valid IBAN, e.g. CZ65 0800 0000 1920 0014 5399."),
]


@pytest.mark.parametrize(("field_type", "raw", "message"), INVALID)
def test_invalid_values_are_refused_with_a_message(field_type, raw, message):
    # given
    field = definition(field_type)
    # when
    with pytest.raises(FieldValueError) as raised:
        validate_value(field, raw)
    # then
    assert raised.value.message == message


def test_every_field_type_has_a_validator_and_table_rows():
    # given / when
    tested_valid = {field_type for field_type, _, _ in VALID}
    tested_invalid = {field_type for field_type, _, _ in INVALID}
    # then
    assert set(VALIDATORS) == set(FieldType)
    assert tested_valid == set(FieldType)
    assert tested_invalid == set(FieldType)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, True), ("", True), ("   ", True), ([], True), ((), True), (False, False), (0, False), ("0", False)],
)
def test_empty_values_are_none_blank_text_and_empty_lists(raw, expected):
    # given / when / then
    assert is_empty(raw) is expected
