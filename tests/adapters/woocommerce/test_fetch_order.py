from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from adapters.woocommerce_bridge import adapter as woocommerce_adapter
from adapters.woocommerce_bridge.adapter import WooCommerceAdapter, create_adapter
from adapters.woocommerce_bridge.client import WooCommerceCredentials, api_root
from adapters.woocommerce_bridge.errors import PayloadError
from adapters.woocommerce_bridge.mapping import map_order, parse_json
from retino_core.accounts.credentials import CredentialCipher
from retino_core.config import Settings
from retino_core.money import Money
from retino_core.platforms.http import NotFound, PlatformHttp
from retino_core.platforms.interface import Capability
from retino_core.platforms.protocol import missing_operations
from tests.adapters.examples import example_bytes
from tests.adapters.woocommerce.helpers import CREDENTIALS, assert_validated, build_adapter

SECRET_KEY = "a-test-secret-key-long-enough-for-anything"


def _channel(credentials, shop_url="https://shop.example.com/"):
    cipher = CredentialCipher(SECRET_KEY)
    encrypted = cipher.encrypt(credentials) if credentials is not None else None
    return SimpleNamespace(id=7, shop_url=shop_url, credentials_encrypted=encrypted), cipher


def test_adapter_implements_every_operation_of_its_capabilities():
    assert missing_operations(WooCommerceAdapter) == ()
    assert WooCommerceAdapter.capabilities == frozenset(
        {Capability.webhooks, Capability.polling, Capability.refund, Capability.order_note}
    )
    assert WooCommerceAdapter.platform == "woocommerce"


def test_api_root_is_the_wc_v3_namespace_of_an_https_store():
    assert api_root("https://shop.example.com/") == "https://shop.example.com/wp-json/wc/v3"
    assert api_root(" https://example.com/shop ") == "https://example.com/shop/wp-json/wc/v3"
    for refused in ("http://shop.example.com", "shop.example.com", "https://", ""):
        with pytest.raises(ValueError, match="must start with https://"):
            api_root(refused)


def test_credentials_read_with_defaults_and_refuse_missing_keys():
    credentials = WooCommerceCredentials.from_mapping({"consumer_key": "ck_1", "consumer_secret": "cs_1"})

    assert credentials == WooCommerceCredentials("ck_1", "cs_1", "", False, 90)
    assert "cs_1" not in repr(credentials)
    assert "ck_1" not in repr(credentials)
    with pytest.raises(ValueError, match="need consumer_key and consumer_secret"):
        WooCommerceCredentials.from_mapping({"consumer_key": "ck_1"})
    with pytest.raises(ValueError, match="api_refund must be true or false"):
        WooCommerceCredentials.from_mapping({"consumer_key": "ck", "consumer_secret": "cs", "api_refund": "yes"})
    with pytest.raises(ValueError, match="import_days must be a positive whole number"):
        WooCommerceCredentials.from_mapping({"consumer_key": "ck", "consumer_secret": "cs", "import_days": 0})


def test_factory_builds_the_adapter_from_the_channel_without_io():
    channel, cipher = _channel(
        {"consumer_key": "ck_1", "consumer_secret": "cs_1", "webhook_secret": "whs", "api_refund": True}
    )

    adapter = create_adapter(channel=channel, settings=Settings(), cipher=cipher, http=PlatformHttp())

    assert adapter.client.http.base_url == "https://shop.example.com/wp-json/wc/v3"
    assert adapter.client.http.installation_key == "woocommerce:7"
    assert adapter.api_refund is True
    assert adapter.import_days == 90
    assert adapter.supports(Capability.refund) is True
    assert adapter.supports(Capability.storefront_injection) is False


def test_factory_refuses_a_channel_not_connected_yet():
    channel, cipher = _channel(None)

    with pytest.raises(ValueError, match="has no WooCommerce credentials yet"):
        create_adapter(channel=channel, settings=Settings(), cipher=cipher, http=PlatformHttp())


def test_fetch_order_sends_a_request_the_spec_accepts(prism_woocommerce):
    adapter, wire = build_adapter(prism_woocommerce)

    # Prism answers with type placeholders ("total": "string"), which the mapping rightly refuses.
    with pytest.raises(PayloadError, match=r"^order.line_items\[0\].quantity must be positive, got 0$"):
        adapter.fetch_order("727")

    assert wire.calls == [("GET", "/orders/727")]
    assert_validated(wire)
    assert wire.responses[0].request.headers["Authorization"].startswith("Basic ")


def test_fetch_order_of_an_id_that_is_not_a_number_is_not_found_without_a_request(prism_woocommerce):
    adapter, wire = build_adapter(prism_woocommerce)

    for external_id in ("abc", "", "0", "-5", "7.5", "٣"):
        with pytest.raises(NotFound):
            adapter.fetch_order(external_id)
    assert wire.calls == []


def test_fetch_order_maps_the_stored_order_example():
    """The mapping fetch_order applies, on the docs' real order (the mock only answers placeholders)."""
    order = parse_json(example_bytes("woocommerce", "order-webhook-payload.order.created.json"))

    snapshot = map_order(order)

    assert (snapshot.external_id, snapshot.code, snapshot.currency) == ("727", "727", "USD")
    assert snapshot.total == Money(Decimal("29.35"), "USD")
    assert snapshot.ordered_at == datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC)
    assert [(line.external_id, line.quantity, line.unit_price) for line in snapshot.lines] == [
        ("315", 2, Money(Decimal("3.23"), "USD")),
        ("316", 1, Money(Decimal("12.90"), "USD")),
    ]


def test_module_exports_only_what_exists():
    assert all(hasattr(woocommerce_adapter, name) for name in woocommerce_adapter.__all__)


def test_refunds_are_manual_unless_the_merchant_chose_the_gateway():
    assert CREDENTIALS.api_refund is False
