"""A Shoptet adapter talking to the Prism mock of the official spec, and a log of what it exchanged."""

import json

import pytest
import requests

from adapters.shoptet.adapter import ShoptetAdapter
from adapters.shoptet.client import ShoptetClient
from retino_core.platforms.http import PlatformHttp, RetryPolicy

#: The example ``eshopId`` of the stored webhook payloads.
ESHOP_ID = "222651"
#: The example ``signatureKey`` the stored webhook test vector was signed with.
SIGNATURE_KEY = "8a5e881b19ad6cc0bc986587b22e30be"
ACCESS_TOKEN = "test-api-access-token"


class Exchanges:
    """Every response the client received, with its request; asserts Prism found nothing wrong with the requests."""

    def __init__(self):
        self.responses = []

    def record(self, response, *args, **kwargs):
        self.responses.append(response)

    @property
    def requests(self):
        return [(response.request.method, response.request.path_url) for response in self.responses]

    def request_violations(self):
        """Prism's complaints about our requests (response-side ones come from the vendor's own examples)."""
        found = []
        for response in self.responses:
            for violation in json.loads(response.headers.get("sl-violations", "[]")):
                if violation["location"][0] == "request":
                    found.append(violation["message"])
        return found

    def assert_all_valid(self):
        assert [response.status_code for response in self.responses if not 200 <= response.status_code < 300] == []
        assert self.request_violations() == []


@pytest.fixture
def exchanges():
    return Exchanges()


@pytest.fixture
def shoptet_http():
    """No waiting between retries in tests."""
    return PlatformHttp(retry=RetryPolicy(max_attempts=2, backoff_base=0.0), sleep=lambda seconds: None)


@pytest.fixture
def shoptet_client(prism_shoptet, shoptet_http, exchanges):
    session = requests.Session()
    session.hooks["response"].append(exchanges.record)
    client = ShoptetClient(
        shoptet_http, eshop_id=ESHOP_ID, access_token=lambda: ACCESS_TOKEN, base_url=prism_shoptet, session=session
    )
    yield client
    client.close()


@pytest.fixture
def shoptet_adapter(shoptet_client):
    return ShoptetAdapter(shoptet_client, signature_key=SIGNATURE_KEY)
