"""The write operations against the Prism mock: each request must be one the official spec accepts."""

import json
from decimal import Decimal

import pytest

from adapters.shoptet.adapter import CreditNoteRefused, credit_note_items, credit_note_marker, find_credit_note
from retino_core.money import Money
from retino_core.platforms.interface import (
    CaseStatusUpdate,
    CreditNoteRequest,
    CreditNoteResult,
    StorefrontInjectionRequest,
    StorefrontInjectionResult,
    WebhookSetup,
)

#: The order code of the spec's invoice and credit-note examples.
ORDER_CODE = "2017000017"
LOADER = '<script src="https://widget.example/loader.js" data-channel="ch_1" async></script>'


def _bodies(exchanges, method, path):
    return [
        json.loads(response.request.body)
        for response in exchanges.responses
        if (response.request.method, response.request.path_url) == (method, path)
    ]


# storefront


def test_inject_storefront_posts_the_snippet(shoptet_adapter, exchanges):
    result = shoptet_adapter.inject_storefront(StorefrontInjectionRequest("common-footer", LOADER))

    assert result == StorefrontInjectionResult("common-footer", True)
    exchanges.assert_all_valid()
    assert _bodies(exchanges, "POST", "/api/template-include") == [
        {"data": {"snippets": [{"location": "common-footer", "html": LOADER}]}}
    ]


def test_inject_order_confirmed_badge(shoptet_adapter, exchanges):
    html = '<a href="https://returns.example/r/ch_1">Return or complaint</a>'

    assert shoptet_adapter.inject_storefront(StorefrontInjectionRequest("order-confirmed", html)) == (
        StorefrontInjectionResult("order-confirmed", True)
    )
    exchanges.assert_all_valid()


def test_html_of_exactly_8192_characters_is_sent(shoptet_adapter, exchanges):
    html = "<!--" + "é" * (8192 - 7) + "-->"
    assert len(html) == 8192

    assert shoptet_adapter.inject_storefront(StorefrontInjectionRequest("common-footer", html)).is_success is True
    exchanges.assert_all_valid()


def test_html_over_8192_characters_is_refused_before_any_call(shoptet_adapter, exchanges):
    html = "<p>" + "x" * 8186 + "</p>"

    result = shoptet_adapter.inject_storefront(StorefrontInjectionRequest("common-footer", html))

    assert result == StorefrontInjectionResult(
        "common-footer", False, "HTML has 8193 characters; Shoptet takes at most 8192"
    )
    assert exchanges.responses == []


def test_unknown_location_is_refused_before_any_call(shoptet_adapter, exchanges):
    result = shoptet_adapter.inject_storefront(StorefrontInjectionRequest("product-detail", LOADER))

    assert result == StorefrontInjectionResult(
        "product-detail", False, "unknown location; Shoptet takes common-header, common-footer, order-confirmed"
    )
    assert exchanges.responses == []


def test_empty_html_is_refused_before_any_call(shoptet_adapter, exchanges):
    result = shoptet_adapter.inject_storefront(StorefrontInjectionRequest("common-footer", "  "))

    assert result == StorefrontInjectionResult("common-footer", False, "empty HTML; remove the snippet instead")
    assert exchanges.responses == []


def test_remove_storefront_deletes_the_location(shoptet_adapter, exchanges):
    assert shoptet_adapter.remove_storefront("order-confirmed") == StorefrontInjectionResult("order-confirmed", True)
    exchanges.assert_all_valid()
    assert exchanges.requests == [("DELETE", "/api/template-include/order-confirmed")]


# order history


def test_push_case_status_adds_a_system_history_record(shoptet_adapter, exchanges):
    shoptet_adapter.push_case_status(CaseStatusUpdate(ORDER_CODE, "R-2024-0007", "Approved", is_closed=False))

    exchanges.assert_all_valid()
    assert _bodies(exchanges, "POST", f"/api/orders/{ORDER_CODE}/history") == [
        {"data": {"text": "R-2024-0007: Approved", "type": "system"}}
    ]


# webhooks


def test_register_order_webhooks_adds_the_missing_event(shoptet_adapter, exchanges):
    """The spec's example lists ``order:create`` at this URL already, so only ``order:update`` is added."""
    setup = shoptet_adapter.ensure_webhooks("https://myapplication.tld/orders.php")

    assert setup == WebhookSetup(created=("order:update",))
    exchanges.assert_all_valid()
    assert _bodies(exchanges, "POST", "/api/webhooks") == [
        {"data": [{"event": "order:update", "url": "https://myapplication.tld/orders.php"}]}
    ]
    assert ("DELETE", "/api/webhooks/992801") not in exchanges.requests


def test_register_order_webhooks_replaces_our_old_url(shoptet_adapter, exchanges):
    setup = shoptet_adapter.ensure_webhooks("https://returns.example/hooks/shoptet/ch_1")

    assert setup == WebhookSetup(created=("order:create", "order:update"), removed=("order:create",))
    exchanges.assert_all_valid()
    assert ("DELETE", "/api/webhooks/992801") in exchanges.requests
    assert _bodies(exchanges, "POST", "/api/webhooks") == [
        {
            "data": [
                {"event": "order:create", "url": "https://returns.example/hooks/shoptet/ch_1"},
                {"event": "order:update", "url": "https://returns.example/hooks/shoptet/ch_1"},
            ]
        }
    ]


def test_renew_signature_key(shoptet_client, exchanges):
    assert shoptet_client.renew_signature_key() == "8a5e881b19ad6cc0bc986587b22e30be"
    exchanges.assert_all_valid()


# credit notes


def _credit_request(amount="242.00", lines=()):
    return CreditNoteRequest(
        order_external_id=ORDER_CODE,
        amount=Money(Decimal(amount), "CZK"),
        reason="Return R-2024-0007",
        idempotency_key="refund-17-1",
        line_quantities=lines,
    )


def test_credit_note_for_the_whole_invoice(shoptet_adapter, exchanges):
    result = shoptet_adapter.issue_credit_note(_credit_request())

    assert result == CreditNoteResult(True, external_id="00000008")
    exchanges.assert_all_valid()
    assert _bodies(exchanges, "POST", "/api/invoices/2015000001/credit-note") == [
        {"data": {"reasonRemark": "Return R-2024-0007 [ref refund-17-1]"}}
    ]
    assert ("GET", "/api/credit-notes?invoiceCode=2015000001&page=1&itemsPerPage=50") in exchanges.requests


def test_credit_note_refused_when_amount_differs_from_the_invoice(shoptet_adapter, exchanges):
    result = shoptet_adapter.issue_credit_note(_credit_request(amount="100.00"))

    assert result == CreditNoteResult(False, message="Shoptet would credit 242.00 CZK, the refund is 100.00 CZK")
    exchanges.assert_all_valid()
    assert _bodies(exchanges, "POST", "/api/invoices/2015000001/credit-note") == []


def test_credit_note_refused_for_a_line_the_invoice_does_not_have(shoptet_adapter, exchanges):
    """The spec's order example (item code ``40/ZEL``) and invoice example (``159``) share no product."""
    result = shoptet_adapter.issue_credit_note(_credit_request(lines=(("342", Decimal("1")),)))

    assert result == CreditNoteResult(False, message="order line 342 (40/ZEL) has 0 matching invoice items")
    exchanges.assert_all_valid()
    assert _bodies(exchanges, "POST", "/api/invoices/2015000001/credit-note") == []


def test_credit_note_request_with_items_is_valid(shoptet_client, exchanges):
    note = shoptet_client.create_credit_note(
        "2015000001", {"reasonRemark": "x [ref k]", "items": [{"invoiceItemId": 123, "amount": "1.000"}]}
    )

    assert note["code"] == "00000008"
    exchanges.assert_all_valid()


def _order(*items):
    return {"items": list(items)}


def _invoice(*items):
    return {"price": {"currencyCode": "CZK", "withVat": "999.00"}, "items": list(items)}


def _order_item(item_id, code, item_type="product"):
    return {"itemId": item_id, "code": code, "itemType": item_type}


def _invoice_item(item_id, code, amount="2.000", unit="121.00", item_type="product"):
    return {"itemId": item_id, "code": code, "itemType": item_type, "amount": amount, "unitPrice": {"withVat": unit}}


def test_credit_note_items_match_invoice_items_by_code_and_type():
    items, total = credit_note_items(
        _order(_order_item(342, "40/ZEL"), _order_item(343, "SHIP", "shipping")),
        _invoice(_invoice_item(7, "SHIP", "1.000", "99.00", "shipping"), _invoice_item(8, "40/ZEL")),
        [("342", Decimal("2")), ("343", Decimal("1"))],
    )

    assert items == [{"invoiceItemId": 8, "amount": "2.000"}, {"invoiceItemId": 7, "amount": "1.000"}]
    assert total == Money(Decimal("341.00"), "CZK")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ((("999", Decimal("1")),), "order line 999 is not in the order"),
        ((("342", Decimal("3")),), "cannot credit 3 of order line 342 (40/ZEL)"),
        ((("342", Decimal("0")),), "cannot credit 0 of order line 342 (40/ZEL)"),
    ],
)
def test_credit_note_items_refuse_what_the_invoice_cannot_credit(lines, message):
    with pytest.raises(CreditNoteRefused) as refused:
        credit_note_items(_order(_order_item(342, "40/ZEL")), _invoice(_invoice_item(8, "40/ZEL")), lines)

    assert str(refused.value) == message


def test_credit_note_items_refuse_an_ambiguous_match():
    with pytest.raises(CreditNoteRefused) as refused:
        credit_note_items(
            _order(_order_item(342, "40/ZEL")),
            _invoice(_invoice_item(8, "40/ZEL"), _invoice_item(9, "40/ZEL")),
            [("342", Decimal("1"))],
        )

    assert str(refused.value) == "order line 342 (40/ZEL) has 2 matching invoice items"


def test_an_earlier_note_with_the_marker_is_found():
    notes = [
        {"code": "0000000006", "reasonRemark": "Order cancellation"},
        {"code": "0000000007", "reasonRemark": f"Return R-1 {credit_note_marker('refund-17-1')}"},
    ]

    assert find_credit_note(notes, credit_note_marker("refund-17-1")) == "0000000007"
    assert find_credit_note(notes, credit_note_marker("refund-17-2")) == ""
