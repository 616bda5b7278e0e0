from datetime import UTC, datetime
from decimal import Decimal

import pytest

from adapters.woocommerce_bridge.adapter import (
    IDEMPOTENCY_META_KEY,
    RefundRefused,
    case_status_note,
    find_earlier_refund,
    order_change_page,
    refund_body,
)
from adapters.woocommerce_bridge.client import WooCommerceCredentials
from adapters.woocommerce_bridge.errors import PayloadError
from adapters.woocommerce_bridge.mapping import parse_json
from retino_core.money import Money
from retino_core.platforms.interface import CaseStatusUpdate, OrderChangePage, RefundRequest, RefundResult
from tests.adapters.examples import example_bytes
from tests.adapters.woocommerce.helpers import assert_validated, build_adapter

KEY = "case-41-refund-1"


def _usd(amount):
    return Money(Decimal(amount), "USD")


def _order():
    return parse_json(example_bytes("woocommerce", "order-webhook-payload.order.created.json"))


# Refunds


def test_refund_lists_earlier_refunds_before_posting_one_carrying_the_key(prism_woocommerce):
    adapter, wire = build_adapter(prism_woocommerce)

    result = adapter.issue_refund(
        RefundRequest(order_external_id="727", amount=_usd("6.45"), reason="Return RMA-41", idempotency_key=KEY)
    )

    # The mock's refund list holds only a placeholder refund (reason "string"), so none matches the key.
    assert result == RefundResult(is_success=True, external_id="0")
    assert wire.calls == [("GET", "/orders/727/refunds?page=1&per_page=100"), ("POST", "/orders/727/refunds")]
    assert_validated(wire)
    assert wire.request_body(1) == {
        "amount": "6.45",
        "reason": f"Return RMA-41 (ref {KEY})",
        "api_refund": False,
        "api_restock": False,
        "meta_data": [{"key": IDEMPOTENCY_META_KEY, "value": KEY}],
    }


def test_refund_through_the_gateway_when_the_merchant_chose_it(prism_woocommerce):
    adapter, wire = build_adapter(prism_woocommerce, credentials=WooCommerceCredentials("ck", "cs", api_refund=True))

    adapter.issue_refund(RefundRequest(order_external_id="727", amount=_usd("1"), reason="", idempotency_key=KEY))

    assert wire.request_body(1)["api_refund"] is True
    assert wire.request_body(1)["reason"] == f"(ref {KEY})"
    assert_validated(wire)


def test_refund_with_lines_reads_the_order_then_sends_them_accepted_by_the_spec(prism_woocommerce):
    adapter, wire = build_adapter(prism_woocommerce)
    request = RefundRequest(
        order_external_id="727",
        amount=_usd("3.23"),
        reason="Return",
        idempotency_key=KEY,
        line_amounts=(("315", _usd("3.23")),),
    )

    # The mock's order is placeholders (currency "AED"), so the line split is refused before any POST ...
    assert adapter.issue_refund(request) == RefundResult(
        is_success=False, message="the refund is in USD but the order is in AED"
    )
    assert wire.calls == [("GET", "/orders/727/refunds?page=1&per_page=100"), ("GET", "/orders/727")]

    # ... and the body built from the real order example is one the spec accepts.
    adapter.client.create_refund(727, refund_body(request, _order(), api_refund=False))
    assert wire.calls[-1] == ("POST", "/orders/727/refunds")
    assert_validated(wire)
    assert wire.request_body(2)["line_items"] == [
        {"id": 315, "refund_total": "3.00", "quantity": 1, "refund_tax": [{"id": 75, "refund_total": "0.23"}]}
    ]


def test_refund_body_splits_each_line_into_net_and_tax_per_rate():
    request = RefundRequest(
        order_external_id="727",
        amount=_usd("19.35"),
        reason="Return",
        idempotency_key=KEY,
        line_amounts=(("315", _usd("6.45")), ("316", _usd("5"))),
    )

    body = refund_body(request, _order(), api_refund=False)

    assert body["amount"] == Decimal("19.35")
    assert body["line_items"] == [
        {
            "id": 315,
            "refund_total": Decimal("6.00"),
            "quantity": 2,
            "refund_tax": [{"id": 75, "refund_total": Decimal("0.45")}],
        },
        {"id": 316, "refund_total": Decimal("4.65"), "refund_tax": [{"id": 75, "refund_total": Decimal("0.35")}]},
    ]


def test_refund_body_refuses_what_the_order_cannot_give():
    order = _order()
    cases = [
        ((("999", _usd("1")),), _usd("1"), "the order has no line 999"),
        ((("315", _usd("6.46")),), _usd("6.46"), r"the refund of line 315 \(6.46\) is more than its total \(6.45\)"),
        ((("315", Money(Decimal("1"), "EUR")),), _usd("1"), "the refund is in EUR but the order is in USD"),
        ((("315", _usd("0")),), _usd("1"), "the refund of line 315 must be positive, got 0.00"),
        ((), _usd("0"), "the refund amount must be positive, got 0.00"),
    ]
    for lines, amount, message in cases:
        request = RefundRequest("727", amount, "Return", line_amounts=lines, idempotency_key=KEY)
        with pytest.raises(RefundRefused, match=f"^{message}$"):
            refund_body(request, order, api_refund=False)


def test_refused_refund_is_an_unsuccessful_result_before_any_post(prism_woocommerce):
    adapter, wire = build_adapter(prism_woocommerce)

    result = adapter.issue_refund(RefundRequest("727", _usd("0"), "Return", idempotency_key=KEY))

    assert result == RefundResult(is_success=False, message="the refund amount must be positive, got 0.00")
    assert wire.calls == [("GET", "/orders/727/refunds?page=1&per_page=100")]


def test_refund_without_idempotency_key_is_refused_before_any_request(prism_woocommerce):
    adapter, wire = build_adapter(prism_woocommerce)

    with pytest.raises(ValueError, match="needs an idempotency key"):
        adapter.issue_refund(RefundRequest("727", _usd("1"), "Return", idempotency_key=" "))
    assert wire.calls == []


def test_earlier_refund_is_found_by_meta_or_by_reason_marker():
    by_meta = {
        "id": 731,
        "reason": "edited by the merchant",
        "meta_data": [{"id": 1, "key": IDEMPOTENCY_META_KEY, "value": KEY}],
    }
    by_reason = {"id": 732, "reason": f"Return RMA-41 (ref {KEY})", "meta_data": []}
    other = {
        "id": 733,
        "reason": "Return (ref case-41-refund-2)",
        "meta_data": [{"key": IDEMPOTENCY_META_KEY, "value": "x"}],
    }

    assert find_earlier_refund([other, by_meta], KEY) == "731"
    assert find_earlier_refund([other, by_reason], KEY) == "732"
    assert find_earlier_refund([other], KEY) is None
    assert find_earlier_refund([], KEY) is None


def test_retried_refund_that_finds_its_earlier_refund_posts_nothing():
    """A job run again after the first POST went through: the guard reports that refund, no second one."""

    class EarlierRefundClient:
        def __init__(self):
            self.calls = []

        def list_refunds(self, order_id, *, page, per_page):
            self.calls.append(("list_refunds", order_id, page))
            return [{"id": 731, "reason": f"Return (ref {KEY})", "meta_data": []}]

        def create_refund(self, order_id, body):
            self.calls.append(("create_refund", order_id))
            raise AssertionError("must not post a second refund")

    adapter, _ = build_adapter("http://127.0.0.1:9")
    adapter.client = EarlierRefundClient()

    result = adapter.issue_refund(RefundRequest("727", _usd("6.45"), "Return", idempotency_key=KEY))

    assert result == RefundResult(is_success=True, external_id="731")
    assert adapter.client.calls == [("list_refunds", 727, 1)]


# Order notes


def test_case_status_is_a_private_order_note(prism_woocommerce):
    adapter, wire = build_adapter(prism_woocommerce)

    adapter.push_case_status(CaseStatusUpdate("727", "R-2024-0041", "Accepted", is_closed=False))
    adapter.push_case_status(CaseStatusUpdate("727", "R-2024-0041", "Refunded", is_closed=True))

    assert wire.calls == [("POST", "/orders/727/notes"), ("POST", "/orders/727/notes")]
    assert_validated(wire)
    assert [wire.request_body(index) for index in (0, 1)] == [
        {"note": "Case R-2024-0041: Accepted", "customer_note": False},
        {"note": "Case R-2024-0041 closed: Refunded", "customer_note": False},
    ]
    assert case_status_note(CaseStatusUpdate("1", "R-1", "Open", is_closed=False)) == "Case R-1: Open"


# Polling


def test_order_changes_request_is_accepted_by_the_spec(prism_woocommerce):
    adapter, wire = build_adapter(prism_woocommerce, now=lambda: datetime(2024, 5, 31, 12, 0, 5, tzinfo=UTC))

    # The mock's order list is placeholders ("date_modified_gmt": "string"): the request is what counts here.
    with pytest.raises(PayloadError, match="date_modified_gmt is not an ISO 8601 datetime: 'string'"):
        adapter.fetch_order_changes("2024-05-30T08:15:00")
    with pytest.raises(PayloadError):
        adapter.fetch_order_changes("")

    assert wire.calls == [
        (
            "GET",
            "/orders?modified_after=2024-05-30T08%3A15%3A00&dates_are_gmt=true&orderby=modified&order=asc&per_page=100",
        ),
        (
            "GET",
            "/orders?modified_after=2024-03-02T12%3A00%3A05&dates_are_gmt=true&orderby=modified&order=asc&per_page=100",
        ),
    ]
    assert_validated(wire)


def _changed(order_id, modified):
    return {"id": order_id, "date_modified_gmt": modified}


def test_order_change_page_moves_the_cursor_to_the_newest_change():
    orders = [
        _changed(727, "2024-05-30T09:00:00"),
        _changed(728, "2024-05-30T10:00:00"),
        _changed(727, "2024-05-30T11:00:00"),
    ]

    assert order_change_page(orders, "2024-05-30T08:15:00", per_page=100) == OrderChangePage(
        order_external_ids=("727", "728"), cursor="2024-05-30T11:00:00", has_more=False
    )
    assert order_change_page([], "2024-05-30T08:15:00", per_page=100) == OrderChangePage((), "2024-05-30T08:15:00")


def test_full_page_stops_the_cursor_before_its_last_second_so_ties_are_read_again():
    orders = [
        _changed(1, "2024-05-30T09:00:00"),
        _changed(2, "2024-05-30T09:00:01"),
        _changed(3, "2024-05-30T09:00:01"),
    ]

    assert order_change_page(orders, "2024-05-30T08:00:00", per_page=3) == OrderChangePage(
        order_external_ids=("1", "2", "3"), cursor="2024-05-30T09:00:00", has_more=True
    )


def test_full_page_within_one_second_moves_past_it():
    orders = [_changed(1, "2024-05-30T09:00:01"), _changed(2, "2024-05-30T09:00:01")]

    assert order_change_page(orders, "2024-05-30T08:00:00", per_page=2) == OrderChangePage(
        order_external_ids=("1", "2"), cursor="2024-05-30T09:00:01", has_more=True
    )


def test_order_change_cursor_that_is_not_ours_is_refused_before_any_request(prism_woocommerce):
    adapter, wire = build_adapter(prism_woocommerce)

    with pytest.raises(ValueError, match="not a WooCommerce order cursor: 'yesterday'"):
        adapter.fetch_order_changes("yesterday")
    assert wire.calls == []
