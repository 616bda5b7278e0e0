"""Allegro customer returns: reading them (Prism and stubs) and rejecting their refund (Prism and a scripted peer)."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from adapters.allegro.adapter import AllegroAdapter
from adapters.allegro.client import BETA_MEDIA_TYPE, build_client
from adapters.allegro.returns import cursor_for, map_customer_return, offer_lines, read_cursor
from retino_core.platforms.http import InProcessRateLimiter, NotFound, PlatformHttp
from retino_core.platforms.interface import (
    Capability,
    CustomerReturnItemSnapshot,
    CustomerReturnPage,
    CustomerReturnRejection,
    CustomerReturnSnapshot,
    PlatformActionResult,
    ReturnParcelSnapshot,
)
from retino_core.platforms.protocol import missing_operations
from tests.adapters.allegro.test_adapter import SELLER_ID, Exchanges, FakeTime
from tests.adapters.examples import example_json

RETURN_ID = "a3405c27-b01c-4357-9bea-e13925708b46"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EXAMPLE_SNAPSHOT = CustomerReturnSnapshot(
    external_id=RETURN_ID,
    order_external_id="a3405c27-b01c-4357-9bea-e13925708b46",
    created_at=datetime(2020, 1, 11, 9, 36, 57, tzinfo=UTC),
    status="DELIVERED",
    items=(
        CustomerReturnItemSnapshot(
            order_line_external_id="",
            name="Product name",
            quantity=Decimal("1"),
            reason="MISTAKE",
            comment="Purchased by mistake",
        ),
    ),
    reference_number="1234/Z04A",
    buyer_email="user-email@allegro.pl",
    buyer_name="User_Login",
    parcels=(
        ReturnParcelSnapshot(
            carrier="ALLEGRO", waybill="AD00R28X72", sent_at=datetime(2020, 1, 11, 8, 36, 57, 663000, tzinfo=UTC)
        ),
    ),
)


def _adapter(base_url, exchanges, *, import_days=90):
    client = build_client(
        PlatformHttp(),
        base_url=base_url,
        seller_id=SELLER_ID,
        token_provider=lambda: "test-access-token",
        session=exchanges.session,
    )
    return AllegroAdapter(client=client, seller_id=SELLER_ID, import_days=import_days, now=lambda: NOW)


def test_declares_customer_returns_and_implements_them():
    assert Capability.customer_returns in AllegroAdapter.capabilities
    assert missing_operations(AllegroAdapter) == ()


# reading


def test_first_read_starts_at_the_import_window_and_maps_the_example(prism_allegro):
    exchanges = Exchanges()

    page = _adapter(prism_allegro, exchanges, import_days=30).fetch_customer_returns("")

    assert page == CustomerReturnPage((EXAMPLE_SNAPSHOT,), cursor="2020-01-11T09:36:57.000Z", has_more=False)
    assert exchanges.calls() == [
        ("GET", "/order/customer-returns?createdAt.gte=2026-01-30T12%3A00%3A00.000Z&limit=100&offset=0"),
        ("GET", f"/order/checkout-forms/{RETURN_ID}"),
    ]
    assert exchanges.request_violations() == []
    assert exchanges.responses[0].request.headers["Accept"] == BETA_MEDIA_TYPE


def test_cursor_is_the_lower_bound_of_the_next_read(prism_allegro):
    exchanges = Exchanges()

    _adapter(prism_allegro, exchanges).fetch_customer_returns("2026-02-03T04:05:06.789Z")

    assert exchanges.calls()[0] == (
        "GET",
        "/order/customer-returns?createdAt.gte=2026-02-03T04%3A05%3A06.789Z&limit=100&offset=0",
    )
    assert exchanges.request_violations() == []


def test_cursor_round_trips_and_refuses_a_time_without_zone():
    moment = datetime(2026, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)

    assert read_cursor(cursor_for(moment)) == moment
    with pytest.raises(ValueError, match="has no time zone"):
        read_cursor("2026-02-03T04:05:06")


class StubReturnsClient:
    """Answers pages of returns by offset, and checkout forms by id (NotFound for unknown ones)."""

    def __init__(self, pages, forms=None):
        self.pages = pages
        self.forms = forms or {}
        self.asked = []

    def get_customer_returns(self, params):
        self.asked.append(("returns", params["createdAt.gte"], params["offset"]))
        index = params["offset"] // params["limit"]
        items = self.pages[index] if index < len(self.pages) else []
        return {"count": len(items), "customerReturns": items}

    def get_checkout_form(self, form_id):
        self.asked.append(("form", form_id))
        if form_id not in self.forms:
            raise NotFound("no such form", platform="allegro", method="GET", url="/order/checkout-forms")
        return self.forms[form_id]


def _return(return_id, created_at, order_id="order-1", items=None):
    return {
        "id": return_id,
        "orderId": order_id,
        "createdAt": created_at,
        "status": "CREATED",
        "buyer": {"email": "Buyer+X@allegromail.pl", "login": "buyer"},
        "items": items if items is not None else [{"offerId": "offer-1", "quantity": 1, "name": "Mug"}],
    }


def _form(*lines):
    return {
        "lineItems": [{"id": line_id, "offer": {"id": offer_id}, "quantity": qty} for line_id, offer_id, qty in lines]
    }


def test_returns_are_sorted_deduplicated_and_the_cursor_is_the_latest_creation(monkeypatch):
    monkeypatch.setattr("adapters.allegro.adapter.RETURNS_PAGE_LIMIT", 2)
    stub = StubReturnsClient(
        [
            [_return("r-2", "2026-02-02T10:00:00Z"), _return("r-1", "2026-02-01T10:00:00Z")],
            [_return("r-2", "2026-02-02T10:00:00Z"), _return("r-3", "2026-02-02T10:00:00.500Z")],
            [],
        ],
        forms={"order-1": _form(("line-1", "offer-1", 2))},
    )

    page = AllegroAdapter(client=stub, seller_id=SELLER_ID, now=lambda: NOW).fetch_customer_returns(
        "2026-02-01T00:00:00.000Z"
    )

    assert [snapshot.external_id for snapshot in page.returns] == ["r-1", "r-2", "r-3"]
    assert page.cursor == "2026-02-02T10:00:00.500Z"
    assert page.has_more is False
    assert stub.asked == [
        ("returns", "2026-02-01T00:00:00.000Z", 0),
        ("form", "order-1"),
        ("returns", "2026-02-01T00:00:00.000Z", 2),
        ("returns", "2026-02-01T00:00:00.000Z", 4),
    ]
    assert page.returns[0].buyer_email == "buyer+x@allegromail.pl"


def test_a_full_last_page_asks_for_more(monkeypatch):
    monkeypatch.setattr("adapters.allegro.adapter.RETURNS_PAGE_LIMIT", 1)
    monkeypatch.setattr("adapters.allegro.adapter.RETURNS_PAGES_PER_CALL", 2)
    stub = StubReturnsClient(
        [[_return("r-1", "2026-02-01T10:00:00Z")], [_return("r-2", "2026-02-01T11:00:00Z")]],
        forms={"order-1": _form(("line-1", "offer-1", 1))},
    )

    page = AllegroAdapter(client=stub, seller_id=SELLER_ID, now=lambda: NOW).fetch_customer_returns("")

    assert page.has_more is True
    assert page.cursor == "2026-02-01T11:00:00.000Z"


def test_no_return_keeps_the_cursor():
    stub = StubReturnsClient([[]])

    page = AllegroAdapter(client=stub, seller_id=SELLER_ID).fetch_customer_returns("2026-02-01T00:00:00.000Z")

    assert page == CustomerReturnPage((), cursor="2026-02-01T00:00:00.000Z", has_more=False)


def test_items_find_their_order_lines_by_offer_and_quantity():
    items = [
        {"offerId": "offer-1", "quantity": 1, "name": "Mug", "reason": {"type": "damaged", "userComment": "Cracked"}},
        {"offerId": "offer-1", "quantity": 1, "name": "Mug"},
        {"offerId": "offer-9", "quantity": 1, "name": "Unknown"},
    ]
    lines = offer_lines(_form(("line-1", "offer-1", 1), ("line-2", "offer-1", 1)))

    snapshot = map_customer_return(_return("r-1", "2026-02-01T10:00:00Z", items=items), lines)

    assert [(item.order_line_external_id, item.reason, item.comment) for item in snapshot.items] == [
        ("line-1", "DAMAGED", "Cracked"),
        ("line-2", "", ""),
        ("", "", ""),
    ]


def test_an_order_allegro_no_longer_has_leaves_the_lines_empty():
    stub = StubReturnsClient([[_return("r-1", "2026-02-01T10:00:00Z")]])

    page = AllegroAdapter(client=stub, seller_id=SELLER_ID).fetch_customer_returns("2026-02-01T00:00:00.000Z")

    assert page.returns[0].items[0].order_line_external_id == ""


def test_mapping_the_stored_example():
    data = example_json("allegro", "customer-returns.json")["customerReturns"][0]

    assert map_customer_return(data) == EXAMPLE_SNAPSHOT


# rejecting


def test_rejection_is_posted_with_the_beta_media_type(prism_allegro):
    exchanges = Exchanges()

    result = _adapter(prism_allegro, exchanges).reject_customer_return(
        CustomerReturnRejection(RETURN_ID, "refund_rejected", "  The returned item is damaged.  ")
    )

    assert result == PlatformActionResult(is_success=True)
    assert exchanges.calls() == [("POST", f"/order/customer-returns/{RETURN_ID}/rejection")]
    assert exchanges.request_violations() == []
    assert exchanges.bodies(f"/order/customer-returns/{RETURN_ID}/rejection") == [
        {"rejection": {"code": "REFUND_REJECTED", "reason": "The returned item is damaged."}}
    ]
    sent = exchanges.responses[0].request.headers
    assert (sent["Content-Type"], sent["Accept"]) == (BETA_MEDIA_TYPE, BETA_MEDIA_TYPE)


@pytest.mark.parametrize(
    ("code", "message", "answer"),
    [
        ("NOT_A_CODE", "Damaged.", "'NOT_A_CODE' is not an Allegro code"),
        ("REFUND_REJECTED", "   ", "the reason must have 1 to 250 characters"),
        ("REFUND_REJECTED", "x" * 251, "the reason must have 1 to 250 characters"),
    ],
)
def test_rejection_outside_allegros_rules_is_refused_without_asking(prism_allegro, code, message, answer):
    exchanges = Exchanges()

    result = _adapter(prism_allegro, exchanges).reject_customer_return(
        CustomerReturnRejection(RETURN_ID, code, message)
    )

    assert result == PlatformActionResult(is_success=False, message=answer)
    assert exchanges.calls() == []


def _scripted_adapter(url):
    fake = FakeTime()
    http = PlatformHttp(rate_limiter=InProcessRateLimiter(clock=fake.clock), clock=fake.clock, sleep=fake.sleep)
    client = build_client(http, base_url=url, seller_id=SELLER_ID, token_provider=lambda: "test-access-token")
    return AllegroAdapter(client=client, seller_id=SELLER_ID)


BETA = {"Content-Type": BETA_MEDIA_TYPE}
REFUSED = (422, BETA, json.dumps({"errors": [{"code": "X", "userMessage": "Return cannot be rejected now"}]}).encode())


def test_allegros_refusal_is_an_unsuccessful_result_with_its_message(server):
    server.answer(REFUSED, (200, BETA, json.dumps({"id": RETURN_ID, "status": "IN_TRANSIT"}).encode()))

    result = _scripted_adapter(server.url).reject_customer_return(
        CustomerReturnRejection(RETURN_ID, "ITEM_FIXED", "Repaired.")
    )

    assert result == PlatformActionResult(is_success=False, message="Return cannot be rejected now")
    assert [(request.method, request.path) for request in server.received] == [
        ("POST", f"/order/customer-returns/{RETURN_ID}/rejection"),
        ("GET", f"/order/customer-returns/{RETURN_ID}"),
    ]


def test_a_return_already_rejected_counts_as_success(server):
    rejected = {"id": RETURN_ID, "status": "REJECTED", "rejection": {"code": "ITEM_FIXED", "reason": "Repaired."}}
    server.answer(REFUSED, (200, BETA, json.dumps(rejected).encode()))

    result = _scripted_adapter(server.url).reject_customer_return(
        CustomerReturnRejection(RETURN_ID, "ITEM_FIXED", "Repaired.")
    )

    assert result == PlatformActionResult(is_success=True, message="already rejected on Allegro")


def test_the_core_offers_exactly_the_rejection_codes_and_message_limit_the_adapter_sends():
    """The core validates a rejection before any I/O, so it keeps Allegro's codes and limit itself; they must agree."""
    from adapters.allegro import returns
    from retino_core.accounts.models import Platform
    from retino_core.intake import platform_returns

    assert platform_returns.REJECTION_CODES[Platform.allegro] == returns.REJECTION_CODES
    assert platform_returns.PLATFORM_MESSAGE_LIMITS[Platform.allegro] == returns.REJECTION_REASON_MAX_LENGTH
