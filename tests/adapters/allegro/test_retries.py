"""Which Allegro writes are repeated after a failure: the refund (deduped by its commandId), never a message."""

import json
from decimal import Decimal

import pytest

from adapters.allegro.adapter import AllegroAdapter
from adapters.allegro.client import PUBLIC_MEDIA_TYPE, build_client
from retino_core.money import Money
from retino_core.platforms.http import InProcessRateLimiter, PlatformHttp, Unavailable
from retino_core.platforms.interface import RefundRequest, RefundResult
from tests.adapters.allegro.test_adapter import FORM_ID, LINE_ID, SELLER_ID, FakeTime
from tests.adapters.examples import example_bytes

VENDOR = {"Content-Type": PUBLIC_MEDIA_TYPE}
UNAVAILABLE = (503, {"Content-Type": PUBLIC_MEDIA_TYPE, "Retry-After": "2"}, b'{"errors":[{"message":"busy"}]}')
REFUND_ID = "b5b1c4a9-0000-4000-8000-000000000001"


def _adapter(url):
    fake = FakeTime()
    http = PlatformHttp(rate_limiter=InProcessRateLimiter(clock=fake.clock), clock=fake.clock, sleep=fake.sleep)
    client = build_client(http, base_url=url, seller_id=SELLER_ID, token_provider=lambda: "test-access-token")
    return AllegroAdapter(client=client, seller_id=SELLER_ID), fake


def test_refund_is_retried_with_the_same_command_id(server):
    server.answer(
        (200, VENDOR, example_bytes("allegro", "checkout-form.json")),
        UNAVAILABLE,
        UNAVAILABLE,
        (200, VENDOR, json.dumps({"id": REFUND_ID, "status": "IN_PROGRESS"}).encode()),
    )
    adapter, fake = _adapter(server.url)

    result = adapter.issue_refund(
        RefundRequest(
            FORM_ID,
            Money(Decimal("123.45"), "PLN"),
            "REFUND",
            line_amounts=((LINE_ID, Money(Decimal("123.45"), "PLN")),),
            idempotency_key="case-7-refund-1",
        )
    )

    assert result == RefundResult(is_success=True, external_id=REFUND_ID)
    posts = [request for request in server.received if request.method == "POST"]
    assert [request.path for request in posts] == ["/payments/refunds"] * 3
    assert len({request.body for request in posts}) == 1
    assert json.loads(posts[0].body)["commandId"] == adapter.command_id("case-7-refund-1")
    assert fake.sleeps == [2.0, 2.0]


def test_message_is_sent_once_even_when_allegro_fails(server):
    server.answer((200, VENDOR, example_bytes("allegro", "checkout-form.json")), UNAVAILABLE)
    adapter, _ = _adapter(server.url)

    with pytest.raises(Unavailable, match="busy"):
        adapter.send_buyer_message(FORM_ID, "Your return form: https://returns.example/r/abc")
    assert [(request.method, request.path) for request in server.received] == [
        ("GET", f"/order/checkout-forms/{FORM_ID}"),
        ("POST", "/messaging/messages"),
    ]


def test_refund_refused_by_allegro_is_an_unsuccessful_result(server):
    server.answer(
        (200, VENDOR, example_bytes("allegro", "checkout-form.json")),
        (
            422,
            VENDOR,
            json.dumps(
                {"errors": [{"code": "VALIDATION_ERROR", "userMessage": "Refund exceeds the paid amount"}]}
            ).encode(),
        ),
    )
    adapter, _ = _adapter(server.url)

    result = adapter.issue_refund(
        RefundRequest(FORM_ID, Money(Decimal("123.45"), "PLN"), "REFUND", idempotency_key="case-7-refund-1")
    )

    assert result == RefundResult(is_success=False, message="Refund exceeds the paid amount")
