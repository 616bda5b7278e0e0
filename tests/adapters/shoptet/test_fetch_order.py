from decimal import Decimal

from adapters.shoptet.adapter import ShoptetAdapter
from adapters.shoptet.client import ShoptetClient
from adapters.shoptet.mapping import map_order, parse_json
from retino_core.money import Money
from retino_core.platforms.http import PlatformHttp
from retino_core.platforms.interface import Capability
from retino_core.platforms.protocol import missing_operations
from tests.adapters.examples import example_bytes
from tests.adapters.shoptet.conftest import ACCESS_TOKEN, ESHOP_ID


def test_adapter_implements_every_declared_operation():
    assert missing_operations(ShoptetAdapter) == ()
    assert ShoptetAdapter.capabilities == frozenset(
        {
            Capability.webhooks,
            Capability.polling,
            Capability.credit_note,
            Capability.storefront_injection,
            Capability.order_note,
        }
    )
    assert ShoptetAdapter.platform == "shoptet"


def test_fetch_order_maps_the_spec_example(shoptet_adapter, exchanges):
    snapshot = shoptet_adapter.fetch_order("2017000092")

    exchanges.assert_all_valid()
    assert exchanges.requests == [("GET", "/api/orders/2017000092")]
    expected = map_order(parse_json(example_bytes("shoptet", "order-detail.response.json"))["data"]["order"])
    assert snapshot == expected
    assert (snapshot.external_id, snapshot.code, snapshot.total) == (
        "2017000092",
        "2017000092",
        Money(Decimal("242.00"), "CZK"),
    )


def test_every_request_carries_token_and_content_type(shoptet_adapter, exchanges):
    shoptet_adapter.fetch_order("2017000092")

    sent = exchanges.responses[0].request.headers
    assert sent["Shoptet-Access-Token"] == ACCESS_TOKEN
    assert sent["Content-Type"] == "application/json"


def test_token_provider_is_asked_on_every_request(prism_shoptet, shoptet_http):
    handed_out = []

    def provider():
        handed_out.append(f"token-{len(handed_out) + 1}")
        return handed_out[-1]

    client = ShoptetClient(shoptet_http, eshop_id=ESHOP_ID, access_token=provider, base_url=prism_shoptet)
    client.get_order("2017000092")
    client.get_order("2017000092")
    client.close()

    assert handed_out == ["token-1", "token-2"]


def test_order_code_is_one_path_segment(shoptet_adapter, exchanges):
    shoptet_adapter.fetch_order("AB/12 3")

    assert exchanges.requests == [("GET", "/api/orders/AB%2F12%203")]


def test_client_paces_under_the_installation_key():
    client = ShoptetClient(PlatformHttp(), eshop_id=ESHOP_ID, access_token=lambda: ACCESS_TOKEN)

    assert (client.http.installation_key, client.http.base_url) == ("shoptet:222651", "https://api.myshoptet.com")
    client.close()
