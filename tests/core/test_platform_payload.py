import base64
import hashlib
import hmac
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from adapters.allegro.errors import PayloadError as AllegroPayloadError
from adapters.shoptet.errors import PayloadError as ShoptetPayloadError
from adapters.woocommerce_bridge.errors import PayloadError as WooPayloadError
from retino_core.platforms import payload
from retino_core.platforms.payload import PayloadError
from retino_core.platforms.signatures import equals_constant_time, hmac_digest, single_header


def test_adapters_raise_the_core_payload_error():
    assert ShoptetPayloadError is PayloadError
    assert WooPayloadError is PayloadError
    assert AllegroPayloadError is PayloadError
    assert issubclass(PayloadError, ValueError)


def test_parse_json_reads_fractions_as_decimal_and_refuses_constants():
    assert payload.parse_json(b'{"a": 1.10, "b": 2}') == {"a": Decimal("1.10"), "b": 2}
    assert isinstance(payload.parse_json(b"1.10"), Decimal)
    with pytest.raises(PayloadError, match=r"^JSON constant NaN is not an amount$"):
        payload.parse_json(b'{"a": NaN}')
    with pytest.raises(PayloadError, match=r"^body is not valid JSON: "):
        payload.parse_json(b"{")
    with pytest.raises(PayloadError, match=r"^body is not valid JSON: "):
        payload.parse_json(b"[" * 100_000)


def test_as_mapping_and_optional_mapping():
    data = {"k": 1}
    assert payload.as_mapping(data, "x") is data
    with pytest.raises(PayloadError, match=r"^x\.y must be an object$"):
        payload.as_mapping([], "x.y")
    assert payload.optional_mapping(None, "x") == {}
    assert payload.optional_mapping(data, "x") is data
    with pytest.raises(PayloadError, match=r"^x must be an object$"):
        payload.optional_mapping([], "x")
    assert payload.optional_mapping([], "x", empty_list_is_empty=True) == {}
    with pytest.raises(PayloadError, match=r"^x must be an object$"):
        payload.optional_mapping([1], "x", empty_list_is_empty=True)


def test_required_refuses_none_absent_and_empty_string():
    assert payload.required({"k": 0}, "k", "o") == 0
    assert payload.required({"k": []}, "k", "o") == []
    for data in ({}, {"k": None}, {"k": ""}):
        with pytest.raises(PayloadError, match=r"^o\.k is missing$"):
            payload.required(data, "k", "o")


def test_text_and_required_text():
    assert payload.text({}, "k", "o") == ""
    assert payload.text({"k": None}, "k", "o") == ""
    assert payload.text({"k": "  a b "}, "k", "o") == "a b"
    assert payload.text({"k": 42}, "k", "o") == "42"
    for value in (True, 1.5, Decimal("1"), [], {}):
        with pytest.raises(PayloadError, match=r"^o\.k must be a string$"):
            payload.text({"k": value}, "k", "o")
    assert payload.required_text({"k": 7}, "k", "o") == "7"
    for data in ({}, {"k": None}, {"k": "   "}):
        with pytest.raises(PayloadError, match=r"^o\.k is missing$"):
            payload.required_text(data, "k", "o")


def test_decimal():
    assert payload.decimal({"k": " 12.30 "}, "k", "o") == Decimal("12.30")
    assert payload.decimal({"k": 3}, "k", "o") == Decimal(3)
    assert payload.decimal({"k": Decimal("0.5")}, "k", "o") == Decimal("0.5")
    with pytest.raises(PayloadError, match=r"^o\.k is missing$"):
        payload.decimal({"k": ""}, "k", "o")
    with pytest.raises(PayloadError, match=r"^o\.k must be a number$"):
        payload.decimal({"k": False}, "k", "o")
    with pytest.raises(PayloadError, match=r"^o\.k is a float; parse the body with parse_json$"):
        payload.decimal({"k": 0.1}, "k", "o")
    with pytest.raises(PayloadError, match=r"^o\.k is not a number: 'abc'$"):
        payload.decimal({"k": "abc"}, "k", "o")
    with pytest.raises(PayloadError, match=r"^o\.k is not a finite number$"):
        payload.decimal({"k": "Infinity"}, "k", "o")


def test_currency():
    assert payload.currency({"k": " czk "}, "k", "o") == "CZK"
    for value in ("CZ", "CZKK", "C1K", "ČZK"):
        with pytest.raises(PayloadError, match=r"^o\.k is not an ISO 4217 code: "):
            payload.currency({"k": value}, "k", "o")
    with pytest.raises(PayloadError, match=r"^o\.k is missing$"):
        payload.currency({}, "k", "o")


def test_aware_datetime_needs_an_offset_unless_naive_is_utc():
    expected = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert payload.aware_datetime({"k": "2024-03-01T10:30:00+0100"}, "k", "o") == expected
    assert payload.aware_datetime({"k": "2024-03-01T09:30:00Z"}, "k", "o") == expected
    with pytest.raises(PayloadError, match=r"^o\.k has no UTC offset: '2024-03-01T09:30:00'$"):
        payload.aware_datetime({"k": "2024-03-01T09:30:00"}, "k", "o")
    assert payload.aware_datetime({"k": "2024-03-01T09:30:00"}, "k", "o", naive_is_utc=True) == expected
    assert payload.aware_datetime({"k": "2024-03-01T10:30:00+01:00"}, "k", "o", naive_is_utc=True) == expected
    with pytest.raises(PayloadError, match=r"^o\.k is not an ISO 8601 datetime: 'soon'$"):
        payload.aware_datetime({"k": "soon"}, "k", "o", naive_is_utc=True)


def test_optional_datetime():
    assert payload.optional_datetime({}, "k", "o") is None
    assert payload.optional_datetime({"k": ""}, "k", "o") is None
    assert payload.optional_datetime({"k": "2024-03-01T09:30:00"}, "k", "o", naive_is_utc=True) == datetime(
        2024, 3, 1, 9, 30, tzinfo=UTC
    )
    with pytest.raises(PayloadError, match=r"^o\.k has no UTC offset"):
        payload.optional_datetime({"k": "2024-03-01T09:30:00"}, "k", "o")


def test_single_header_is_case_insensitive_and_refuses_conflicts():
    assert single_header({"X-Sig": "abc"}, "x-sig") == "abc"
    assert single_header({"x-sig": "abc", "X-SIG": "abc"}, "X-Sig") == "abc"
    assert single_header({"x-sig": "abc", "X-SIG": "abd"}, "X-Sig") is None
    assert single_header({"Other": "abc"}, "X-Sig") is None
    assert single_header({"X-Sig": b"abc"}, "X-Sig") is None  # type: ignore[dict-item]


def test_hmac_digest_and_constant_time_equality():
    digest = hmac_digest("sëcret", b"body", "sha256")
    assert digest == hmac.new("sëcret".encode(), b"body", hashlib.sha256).digest()
    encoded = base64.b64encode(digest)
    assert equals_constant_time(encoded, encoded.decode("ascii")) is True
    assert equals_constant_time(encoded, encoded.decode("ascii")[:-1]) is False
    assert equals_constant_time(encoded, "") is False
    assert equals_constant_time(b"abc", "äbc") is False
