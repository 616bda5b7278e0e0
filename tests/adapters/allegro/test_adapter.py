"""The Allegro adapter against the Prism mock of Allegro's official spec.

Every exchange is recorded through a response hook: each test asserts that the mock answered 2xx
and raised no violation about the request we sent (violations of the *response* come from the
vendor's own examples and are ignored, see retino_core.testing.prism).
"""

import json
import uuid
from decimal import Decimal

import pytest
import requests

from adapters.allegro import client as client_module
from adapters.allegro.adapter import AllegroAdapter, create_adapter
from adapters.allegro.client import MESSAGING_RATE_LIMIT, PUBLIC_MEDIA_TYPE, SANDBOX_API_URL, build_client
from adapters.allegro.mapping import map_order, parse_json
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import Platform, SalesChannel
from retino_core.config import Settings
from retino_core.money import Money
from retino_core.platforms.http import AuthExpired, InProcessRateLimiter, Invalid, NotFound, PlatformHttp
from retino_core.platforms.interface import Capability, OrderChangePage, RefundRequest, RefundResult
from retino_core.platforms.protocol import missing_operations
from tests.adapters.examples import example_bytes, example_json

SETTINGS = Settings(secret_key="allegro-adapter-test-secret-" + "k" * 32, environment="testing")
CIPHER = CredentialCipher(SETTINGS.secret_key)
SELLER_ID = "437848322"
FORM_ID = "29738e61-7f6a-11e8-ac45-09db60ede9d6"
LINE_ID = "62ae358b-8f65-4fc4-9c77-bedf604a2e2b"
PAYMENT_ID = "0f8f1d13-7e9e-11e8-9b00-c5b0dfb78ea6"


class FakeTime:
    """A clock that only moves when the client sleeps, and the list of those sleeps."""

    def __init__(self):
        self.now = 1_000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Exchanges:
    """The requests sent and the responses received through one session."""

    def __init__(self):
        self.session = requests.Session()
        self.responses = []
        self.session.hooks["response"].append(self._record)

    def _record(self, response, *args, **kwargs):
        self.responses.append(response)

    def calls(self):
        return [(response.request.method, response.request.path_url) for response in self.responses]

    def request_violations(self):
        """Prism's complaints about our requests: the status when not 2xx, and every request-side violation."""
        problems = []
        for response in self.responses:
            if not 200 <= response.status_code < 300:
                problems.append((response.request.path_url, response.status_code, response.text[:300]))
            for violation in json.loads(response.headers.get("sl-violations", "[]")):
                if violation.get("location", [""])[0] == "request":
                    problems.append((response.request.path_url, violation["message"]))
        return problems

    def bodies(self, path):
        return [json.loads(response.request.body) for response in self.responses if response.request.path_url == path]


def _adapter(base_url, exchanges, *, http=None):
    client = build_client(
        http or PlatformHttp(),
        base_url=base_url,
        seller_id=SELLER_ID,
        token_provider=lambda: "test-access-token",
        session=exchanges.session,
    )
    return AllegroAdapter(client=client, seller_id=SELLER_ID)


def _channel(credentials=None):
    return SalesChannel(
        platform=Platform.allegro,
        name="Allegro",
        external_shop_id=SELLER_ID,
        country="PL",
        currency="PLN",
        default_language="pl",
        credentials_encrypted=CIPHER.encrypt(credentials) if credentials is not None else None,
    )


# The adapter's shape


def test_declares_polling_refund_messaging_and_returns_and_implements_them():
    assert AllegroAdapter.capabilities == frozenset(
        {Capability.polling, Capability.refund, Capability.messaging, Capability.customer_returns}
    )
    assert missing_operations(AllegroAdapter) == ()
    assert Capability.webhooks not in AllegroAdapter.capabilities
    assert "verify_webhook" not in vars(AllegroAdapter)


def test_factory_builds_without_io_and_defaults_to_production():
    adapter = create_adapter(
        channel=_channel({"access_token": "stored-token"}), settings=SETTINGS, cipher=CIPHER, http=PlatformHttp()
    )

    assert adapter.supports(Capability.refund)
    assert not adapter.supports(Capability.webhooks)
    assert adapter.client.http.base_url == "https://api.allegro.pl"
    assert adapter.client.http.installation_key == "allegro:437848322"


def test_factory_takes_the_sandbox_host():
    adapter = create_adapter(
        channel=_channel({"access_token": "stored-token"}),
        settings=SETTINGS,
        cipher=CIPHER,
        http=PlatformHttp(),
        api_url=SANDBOX_API_URL,
    )

    assert adapter.client.http.base_url == "https://api.allegro.pl.allegrosandbox.pl"


def test_factory_sends_the_stored_token_with_vendor_accept(prism_allegro):
    exchanges = Exchanges()
    adapter = create_adapter(
        channel=_channel({"access_token": "stored-token"}),
        settings=SETTINGS,
        cipher=CIPHER,
        http=PlatformHttp(),
        api_url=prism_allegro,
    )
    adapter.client.http._session.hooks["response"].append(exchanges._record)

    adapter.fetch_order(FORM_ID)

    assert exchanges.request_violations() == []
    sent = exchanges.responses[0].request.headers
    assert (sent["Authorization"], sent["Accept"]) == ("Bearer stored-token", PUBLIC_MEDIA_TYPE)


def test_token_provider_is_asked_on_every_request(prism_allegro):
    exchanges = Exchanges()
    tokens = iter(["first-token", "second-token"])
    client = build_client(
        PlatformHttp(),
        base_url=prism_allegro,
        seller_id=SELLER_ID,
        token_provider=lambda: next(tokens),
        session=exchanges.session,
    )
    adapter = AllegroAdapter(client=client, seller_id=SELLER_ID)

    adapter.fetch_order(FORM_ID)
    adapter.fetch_order(FORM_ID)

    assert [response.request.headers["Authorization"] for response in exchanges.responses] == [
        "Bearer first-token",
        "Bearer second-token",
    ]


def test_channel_without_token_raises_auth_expired_before_sending(prism_allegro):
    adapter = create_adapter(
        channel=_channel(), settings=SETTINGS, cipher=CIPHER, http=PlatformHttp(), api_url=prism_allegro
    )

    with pytest.raises(AuthExpired, match="no Allegro access token is stored for this channel"):
        adapter.fetch_order(FORM_ID)


def test_exchange_check_catches_a_request_the_spec_refuses(prism_allegro):
    """The negative control of ``request_violations``: a refund body missing its required fields."""
    exchanges = Exchanges()
    adapter = _adapter(prism_allegro, exchanges)

    with pytest.raises(Invalid):
        adapter.client.create_refund({"payment": {"id": PAYMENT_ID}})

    assert exchanges.request_violations()[0][:2] == ("/payments/refunds", 422)
    assert [problem[1] for problem in exchanges.request_violations()[1:]] == [
        "Request body must have required property 'order'",
        "Request body must have required property 'commandId'",
        "Request body must have required property 'reason'",
    ]


# (1) fetch_order


def test_fetch_order_maps_the_checkout_form(prism_allegro):
    exchanges = Exchanges()

    snapshot = _adapter(prism_allegro, exchanges).fetch_order(FORM_ID)

    assert snapshot == map_order(parse_json(example_bytes("allegro", "checkout-form.json")))
    assert snapshot.external_id == FORM_ID
    assert snapshot.total == Money(Decimal("123.45"), "PLN")
    assert exchanges.calls() == [("GET", f"/order/checkout-forms/{FORM_ID}")]
    assert exchanges.request_violations() == []


def test_fetch_order_refuses_an_id_that_is_not_a_uuid_without_asking(prism_allegro):
    exchanges = Exchanges()

    with pytest.raises(NotFound, match="'42' is not an Allegro checkout-form id"):
        _adapter(prism_allegro, exchanges).fetch_order("42")
    assert exchanges.calls() == []


def test_fetch_order_maps_rejected_token_to_auth_expired(prism_allegro):
    exchanges = Exchanges()
    client = build_client(
        PlatformHttp(),
        base_url=prism_allegro,
        seller_id=SELLER_ID,
        token_provider=lambda: "",
        session=exchanges.session,
    )
    client.http._session.auth = None

    with pytest.raises(AuthExpired):
        AllegroAdapter(client=client, seller_id=SELLER_ID).fetch_order(FORM_ID)


# (2) fetch_order_changes


def test_empty_cursor_starts_at_the_latest_event(prism_allegro):
    exchanges = Exchanges()

    page = _adapter(prism_allegro, exchanges).fetch_order_changes("")

    latest = exchanges.responses[0].json()["latestEvent"]["id"]
    assert page == OrderChangePage((), cursor=latest, has_more=False)
    assert exchanges.calls() == [("GET", "/order/event-stats")]
    assert exchanges.request_violations() == []


def test_cursor_reads_the_events_after_it(prism_allegro):
    exchanges = Exchanges()

    page = _adapter(prism_allegro, exchanges).fetch_order_changes("1532603898317400")

    assert page == OrderChangePage(("88ae369b-8f65-4fc4-9c77-bedf604a2e2b",), cursor="1532603898317497")
    assert exchanges.calls() == [("GET", "/order/events?limit=1000&from=1532603898317400")]
    assert exchanges.request_violations() == []


class StubEventsClient:
    """Answers the event journal with a given page, to test the reading of pages Prism cannot vary."""

    def __init__(self, events, stats=None):
        self.events = events
        self.stats = stats if stats is not None else {}
        self.asked = []

    def get_event_stats(self):
        self.asked.append("event-stats")
        return self.stats

    def get_order_events(self, from_event_id=""):
        self.asked.append(f"events from {from_event_id!r}")
        return {"events": self.events}


def _event(event_id, form_id=None):
    order = {"seller": {"id": SELLER_ID}, "buyer": {}, "lineItems": []}
    if form_id:
        order["checkoutForm"] = {"id": form_id, "revision": "1"}
    return {"id": event_id, "type": "READY_FOR_PROCESSING", "occurredAt": "2026-01-01T10:00:00Z", "order": order}


def test_events_give_each_form_once_in_order_and_the_last_event_as_cursor():
    stub = StubEventsClient(
        [_event("11", "form-b"), _event("12", "form-a"), _event("13", "form-b"), _event("14"), _event("15", "form-c")]
    )

    page = AllegroAdapter(client=stub, seller_id=SELLER_ID).fetch_order_changes("10")

    assert page == OrderChangePage(("form-b", "form-a", "form-c"), cursor="15", has_more=False)
    assert stub.asked == ["events from '10'"]


def test_no_events_keep_the_cursor():
    stub = StubEventsClient([])

    assert AllegroAdapter(client=stub, seller_id=SELLER_ID).fetch_order_changes("10") == OrderChangePage((), "10")


def test_full_page_asks_for_more(monkeypatch):
    monkeypatch.setattr("adapters.allegro.adapter.EVENTS_PAGE_LIMIT", 2)
    stub = StubEventsClient([_event("11", "form-a"), _event("12", "form-b")])

    page = AllegroAdapter(client=stub, seller_id=SELLER_ID).fetch_order_changes("10")

    assert page == OrderChangePage(("form-a", "form-b"), cursor="12", has_more=True)


def test_seller_without_events_reads_the_journal_from_its_start():
    stub = StubEventsClient([_event("1", "form-a")], stats={})

    page = AllegroAdapter(client=stub, seller_id=SELLER_ID).fetch_order_changes("")

    assert page == OrderChangePage(("form-a",), cursor="1")
    assert stub.asked == ["event-stats", "events from ''"]


# (3) refunds


def _refund(**overrides):
    values = {
        "order_external_id": FORM_ID,
        "amount": Money(Decimal("123.45"), "PLN"),
        "reason": "Return RMA-2024-0001 accepted",
        "line_amounts": ((LINE_ID, Money(Decimal("123.45"), "PLN")),),
        "idempotency_key": "case-7-refund-1",
    }
    values.update(overrides)
    return RefundRequest(**values)


def test_refund_by_quantity_with_a_deterministic_command_id(prism_allegro):
    exchanges = Exchanges()
    adapter = _adapter(prism_allegro, exchanges)

    result = adapter.issue_refund(_refund())

    assert result.is_success
    assert result.external_id == exchanges.responses[-1].json()["id"]
    assert exchanges.calls() == [("GET", f"/order/checkout-forms/{FORM_ID}"), ("POST", "/payments/refunds")]
    assert exchanges.request_violations() == []
    command_id = str(
        uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "urn:retino:allegro:payment-refund"), f"{SELLER_ID}:case-7-refund-1")
    )
    assert exchanges.bodies("/payments/refunds") == [
        {
            "payment": {"id": PAYMENT_ID},
            "order": {"id": FORM_ID},
            "commandId": command_id,
            "reason": "REFUND",
            "lineItems": [{"id": LINE_ID, "type": "QUANTITY", "quantity": 1}],
            "sellerComment": "Return RMA-2024-0001 accepted",
        }
    ]
    sent = exchanges.responses[-1].request.headers
    assert (sent["Content-Type"], sent["Accept"]) == (PUBLIC_MEDIA_TYPE, PUBLIC_MEDIA_TYPE)


def test_retried_refund_sends_the_same_command_id_and_another_key_another(prism_allegro):
    exchanges = Exchanges()
    adapter = _adapter(prism_allegro, exchanges)

    adapter.issue_refund(_refund())
    adapter.issue_refund(_refund())
    adapter.issue_refund(_refund(idempotency_key="case-7-refund-2"))

    first, again, other = (body["commandId"] for body in exchanges.bodies("/payments/refunds"))
    assert first == again
    assert other != first
    assert uuid.UUID(first).version == 5


def test_partial_line_amount_goes_as_amount_and_the_rest_to_delivery(prism_allegro):
    exchanges = Exchanges()

    result = _adapter(prism_allegro, exchanges).issue_refund(
        _refund(
            amount=Money(Decimal("60.00"), "PLN"),
            reason="complaint",
            line_amounts=((LINE_ID, Money(Decimal("50"), "PLN")),),
        )
    )

    assert result.is_success
    assert exchanges.request_violations() == []
    body = exchanges.bodies("/payments/refunds")[0]
    assert body["reason"] == "COMPLAINT"
    assert "sellerComment" not in body
    assert body["lineItems"] == [{"id": LINE_ID, "type": "AMOUNT", "value": {"amount": "50.00", "currency": "PLN"}}]
    assert body["delivery"] == {"value": {"amount": "10.00", "currency": "PLN"}}


def test_refund_without_lines_refunds_every_line_in_full(prism_allegro):
    exchanges = Exchanges()

    result = _adapter(prism_allegro, exchanges).issue_refund(_refund(line_amounts=(), reason="REFUND"))

    assert result.is_success
    assert exchanges.request_violations() == []
    assert exchanges.bodies("/payments/refunds")[0]["lineItems"] == [{"id": LINE_ID, "type": "QUANTITY", "quantity": 1}]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"line_amounts": (("00000000-0000-4000-8000-000000000000", Money(Decimal("1"), "PLN")),)},
            f"line 00000000-0000-4000-8000-000000000000 is not in order {FORM_ID}",
        ),
        (
            {"amount": Money(Decimal("1"), "EUR"), "line_amounts": ((LINE_ID, Money(Decimal("1"), "EUR")),)},
            f"line {LINE_ID} is in PLN, the refund in EUR",
        ),
        (
            {"line_amounts": ((LINE_ID, Money(Decimal("1"), "EUR")),)},
            f"line {LINE_ID} is refunded in EUR, the refund in PLN",
        ),
        (
            {"line_amounts": ((LINE_ID, Money(Decimal("100"), "PLN")), (LINE_ID, Money(Decimal("100"), "PLN")))},
            f"line {LINE_ID}: 200.00 PLN is not between 0 and 123.45",
        ),
        (
            {"line_amounts": ((LINE_ID, Money(Decimal("200"), "PLN")),)},
            f"line {LINE_ID}: 200.00 PLN is not between 0 and 123.45",
        ),
        (
            {"amount": Money(Decimal("300"), "PLN")},
            "the refund 300.00 PLN is more than the lines (123.45 PLN) and delivery",
        ),
        (
            {"amount": Money(Decimal("100"), "PLN")},
            "the lines add up to 123.45 PLN, more than the refund 100.00 PLN",
        ),
    ],
)
def test_refund_that_does_not_fit_the_order_is_refused_without_posting(prism_allegro, overrides, message):
    exchanges = Exchanges()

    result = _adapter(prism_allegro, exchanges).issue_refund(_refund(**overrides))

    assert result == RefundResult(is_success=False, message=message)
    assert exchanges.calls() == [("GET", f"/order/checkout-forms/{FORM_ID}")]


def test_refund_needs_an_idempotency_key(prism_allegro):
    exchanges = Exchanges()

    with pytest.raises(ValueError, match=r"needs request\.idempotency_key"):
        _adapter(prism_allegro, exchanges).issue_refund(_refund(idempotency_key=""))
    assert exchanges.calls() == []


class StubRefundClient:
    def __init__(self, answer):
        self.answer = answer

    def get_checkout_form(self, checkout_form_id):
        return example_json("allegro", "checkout-form.json")

    def create_refund(self, body):
        return self.answer


def test_refund_canceled_by_allegro_is_unsuccessful():
    stub = StubRefundClient({"id": "b5b1c4a9-0000-4000-8000-000000000001", "status": "CANCELED"})

    result = AllegroAdapter(client=stub, seller_id=SELLER_ID).issue_refund(_refund())

    assert result == RefundResult(
        is_success=False, external_id="b5b1c4a9-0000-4000-8000-000000000001", message="Allegro refund status CANCELED"
    )


# messaging


def test_message_goes_to_the_buyer_login_of_the_order(prism_allegro):
    exchanges = Exchanges()

    _adapter(prism_allegro, exchanges).send_buyer_message(FORM_ID, "Your return form: https://returns.example/r/abc")

    assert exchanges.calls() == [("GET", f"/order/checkout-forms/{FORM_ID}"), ("POST", "/messaging/messages")]
    assert exchanges.request_violations() == []
    assert exchanges.bodies("/messaging/messages") == [
        {
            "recipient": {"login": "User_Login"},
            "text": "Your return form: https://returns.example/r/abc",
            "order": {"id": FORM_ID},
        }
    ]
    sent = exchanges.responses[-1].request.headers
    assert (sent["Content-Type"], sent["Accept"]) == (PUBLIC_MEDIA_TYPE, PUBLIC_MEDIA_TYPE)


def test_messages_are_paced_at_one_per_second_per_seller(prism_allegro):
    fake = FakeTime()
    http = PlatformHttp(rate_limiter=InProcessRateLimiter(clock=fake.clock), clock=fake.clock, sleep=fake.sleep)
    exchanges = Exchanges()
    adapter = _adapter(prism_allegro, exchanges, http=http)

    adapter.send_buyer_message(FORM_ID, "first")
    adapter.send_buyer_message(FORM_ID, "second")
    adapter.send_buyer_message(FORM_ID, "third")

    assert MESSAGING_RATE_LIMIT.per_second == 1
    assert fake.sleeps == [1.0, 1.0]
    assert [body["text"] for body in exchanges.bodies("/messaging/messages")] == ["first", "second", "third"]
    assert exchanges.request_violations() == []


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_message_text_must_fit_allegro(prism_allegro, text):
    exchanges = Exchanges()

    with pytest.raises(ValueError, match="an Allegro message has 1 to 2000 characters"):
        _adapter(prism_allegro, exchanges).send_buyer_message(FORM_ID, text)
    assert exchanges.calls() == []


def test_client_module_names_the_hosts():
    assert client_module.PRODUCTION_API_URL == "https://api.allegro.pl"
    assert client_module.SANDBOX_API_URL == "https://api.allegro.pl.allegrosandbox.pl"
