"""Build a WooCommerce adapter pointed at the Prism mock and record what went over the wire."""

import json
from dataclasses import dataclass, field

import requests

from adapters.woocommerce_bridge.adapter import WooCommerceAdapter
from adapters.woocommerce_bridge.client import WooCommerceClient, WooCommerceCredentials
from retino_core.platforms.http import PlatformHttp, RetryPolicy

#: The test vector in woocommerce/examples/order-webhook.headers.json was signed with this secret.
STORED_SECRET = "s3cret-from-webhook-create"
CREDENTIALS = WooCommerceCredentials(consumer_key="ck_test", consumer_secret="cs_test", webhook_secret=STORED_SECRET)


@dataclass
class Wire:
    """Every response the client received, in order, with the request that caused it."""

    responses: list[requests.Response] = field(default_factory=list)

    def record(self, response, *args, **kwargs):
        self.responses.append(response)
        return response

    @property
    def calls(self):
        return [(response.request.method, response.request.path_url) for response in self.responses]

    def request_body(self, index):
        return json.loads(self.responses[index].request.body)


def request_violations(response):
    """Prism's complaints about the request (``sl-violations`` entries located in the request)."""
    raw = response.headers.get("sl-violations")
    if raw is None:
        return []
    return [item["message"] for item in json.loads(raw) if item.get("location", ["request"])[0] == "request"]


def assert_validated(wire):
    """Every request was accepted by the mock: a 2xx answer and no violation about the request."""
    assert [(call, response.status_code) for call, response in zip(wire.calls, wire.responses, strict=True)] == [
        (call, 200) for call in wire.calls
    ]
    assert [request_violations(response) for response in wire.responses] == [[] for _ in wire.responses]


def build_adapter(root, *, credentials=CREDENTIALS, **options):
    wire = Wire()
    session = requests.Session()
    session.hooks["response"].append(wire.record)
    http = PlatformHttp(retry=RetryPolicy(max_attempts=1), sleep=lambda seconds: None)
    client = WooCommerceClient.build(
        http, root=root, credentials=credentials, installation_key="woocommerce:test", session=session
    )
    adapter = WooCommerceAdapter(
        client=client,
        webhook_secret=credentials.webhook_secret,
        api_refund=credentials.api_refund,
        import_days=credentials.import_days,
        **options,
    )
    return adapter, wire
