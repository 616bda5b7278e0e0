from decimal import Decimal

import pytest

from marketplace_app import create_app
from marketplace_app.platforms import adapter_for, adapter_runtime, register_adapters
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import Platform, SalesChannel
from retino_core.config import Settings
from retino_core.money import Money
from retino_core.platforms import registry as registry_module
from retino_core.platforms.http import InProcessRateLimiter, PlatformHttp
from retino_core.platforms.interface import (
    Capability,
    OrderSnapshot,
    RefundRequest,
    RefundResult,
    WebhookDelivery,
    WebhookSetup,
    WebhookVerification,
)
from retino_core.platforms.protocol import CAPABILITY_OPERATIONS, PlatformAdapter, missing_operations
from retino_core.platforms.registry import AdapterRegistry, build_adapter_runtime, get_adapter, register

SETTINGS = Settings(secret_key="registry-test-secret-" + "k" * 32, environment="testing")


class RefundingAdapter(PlatformAdapter):
    """Our own test double of the port: refunds and webhooks, nothing else."""

    platform = "woocommerce"
    capabilities = frozenset({Capability.refund, Capability.webhooks})

    def __init__(self, *, channel, settings, cipher, http, tokens, credentials):
        self.channel = channel
        self.settings = settings
        self.http = http
        self.credentials = cipher.decrypt(channel.credentials_encrypted)

    def fetch_order(self, external_id: str) -> OrderSnapshot:
        raise LookupError(external_id)

    def issue_refund(self, request: RefundRequest) -> RefundResult:
        return RefundResult(is_success=True, external_id=f"refund-for-{request.idempotency_key}")

    def verify_webhook(self, delivery: WebhookDelivery) -> WebhookVerification:
        if delivery.headers.get("X-WC-Webhook-Signature") != self.credentials["secret"]:
            return WebhookVerification.invalid("signature does not match")
        return WebhookVerification.valid(delivery.headers["X-WC-Webhook-Delivery-ID"])

    def ensure_webhooks(self, callback_url: str) -> WebhookSetup:
        return WebhookSetup(created=(callback_url,))


class CreditNoteClaimingAdapter(PlatformAdapter):
    """Declares credit notes and storefront injection but implements neither."""

    platform = "shoptet"
    capabilities = frozenset({Capability.credit_note, Capability.storefront_injection})

    def fetch_order(self, external_id: str) -> OrderSnapshot:
        raise LookupError(external_id)


def _channel(platform=Platform.woocommerce, signing="wc-secret"):
    return SalesChannel(
        platform=platform,
        name="Shop",
        external_shop_id="https://shop.example.test",
        country="CZ",
        currency="CZK",
        default_language="cs",
        credentials_encrypted=CredentialCipher(SETTINGS.secret_key).encrypt({"secret": signing}),
    )


def test_adapters_say_what_they_support():
    adapter = RefundingAdapter(**build_adapter_runtime(SETTINGS), channel=_channel())
    assert adapter.supports(Capability.refund) is True
    assert adapter.supports(Capability.webhooks) is True
    assert adapter.supports(Capability.credit_note) is False
    assert adapter.supports(Capability.storefront_injection) is False
    assert missing_operations(adapter) == ()
    assert missing_operations(RefundingAdapter) == ()


def test_declared_capabilities_without_their_operations_are_found():
    assert missing_operations(CreditNoteClaimingAdapter) == (
        "issue_credit_note",
        "inject_storefront",
        "remove_storefront",
    )


def test_every_capability_names_existing_port_operations():
    assert set(CAPABILITY_OPERATIONS) == set(Capability)
    for operations in CAPABILITY_OPERATIONS.values():
        for operation in operations:
            assert callable(getattr(PlatformAdapter, operation))
    assert [capability.value for capability in Capability] == [
        "refund",
        "credit_note",
        "customer_returns",
        "messaging",
        "storefront_injection",
        "order_note",
        "webhooks",
        "polling",
    ]


def test_get_adapter_builds_the_channels_platform_adapter_with_the_runtime():
    # given
    registry = AdapterRegistry()
    registry.register("woocommerce", RefundingAdapter)
    http = PlatformHttp(rate_limiter=InProcessRateLimiter())
    channel = _channel()
    # when
    adapter = registry.get_adapter(channel, **build_adapter_runtime(SETTINGS, http=http))
    # then
    assert isinstance(adapter, RefundingAdapter)
    assert adapter.channel is channel
    assert adapter.settings is SETTINGS
    assert adapter.http is http
    assert adapter.credentials == {"secret": "wc-secret"}
    refund = RefundRequest("1234", Money(Decimal("6.45"), "CZK"), "return", idempotency_key="case-7-refund-1")
    assert adapter.issue_refund(refund) == RefundResult(is_success=True, external_id="refund-for-case-7-refund-1")


def test_get_adapter_refuses_a_platform_without_an_adapter():
    registry = AdapterRegistry()
    registry.register("woocommerce", RefundingAdapter)
    with pytest.raises(LookupError, match="no adapter registered for 'allegro'"):
        registry.get_adapter(_channel(Platform.allegro), **build_adapter_runtime(SETTINGS))


def test_the_default_registry_is_used_by_the_module_functions(monkeypatch):
    monkeypatch.setattr(registry_module, "default_registry", AdapterRegistry())
    register("woocommerce", RefundingAdapter)
    adapter = get_adapter(_channel(), **build_adapter_runtime(SETTINGS))
    assert isinstance(adapter, RefundingAdapter)
    assert registry_module.default_registry.platforms == ("woocommerce",)
    with pytest.raises(ValueError, match="already registered"):
        register("woocommerce", RefundingAdapter)


def test_the_runtime_paces_with_redis_only_when_configured(redis_url):
    assert isinstance(build_adapter_runtime(SETTINGS)["http"].rate_limiter, InProcessRateLimiter)
    redis_runtime = build_adapter_runtime(SETTINGS.with_overrides(redis_url=redis_url))
    assert type(redis_runtime["http"].rate_limiter).__name__ == "RedisRateLimiter"


def test_webhook_verification_is_valid_with_a_key_or_invalid_with_a_reason():
    assert WebhookVerification.valid("d-1") == WebhookVerification(is_valid=True, reason="", dedupe_key="d-1")
    assert WebhookVerification.invalid("no signature") == WebhookVerification(
        is_valid=False, reason="no signature", dedupe_key=""
    )
    with pytest.raises(ValueError, match="a valid delivery has a dedupe key"):
        WebhookVerification(is_valid=True)
    with pytest.raises(ValueError, match="an invalid delivery has a reason"):
        WebhookVerification(is_valid=False, dedupe_key="d-1")


def test_a_test_adapter_verifies_deliveries_through_the_port():
    adapter = RefundingAdapter(**build_adapter_runtime(SETTINGS), channel=_channel(signing="s3"))
    good = WebhookDelivery({"X-WC-Webhook-Signature": "s3", "X-WC-Webhook-Delivery-ID": "41"}, b"{}")
    bad = WebhookDelivery({"X-WC-Webhook-Signature": "nope", "X-WC-Webhook-Delivery-ID": "41"}, b"{}")
    assert adapter.verify_webhook(good) == WebhookVerification.valid("41")
    assert adapter.verify_webhook(bad) == WebhookVerification.invalid("signature does not match")


def test_wiring_registers_factories_once_and_refuses_mistakes():
    registry = AdapterRegistry()
    assert register_adapters(registry, {"woocommerce": RefundingAdapter}) == ("woocommerce",)
    assert register_adapters(registry, {"woocommerce": RefundingAdapter}) == ("woocommerce",)
    assert registry.factory_for("woocommerce") is RefundingAdapter
    with pytest.raises(ValueError, match="already registered"):
        register_adapters(registry, {"woocommerce": CreditNoteClaimingAdapter})
    with pytest.raises(ValueError, match="'magento' is not a platform"):
        register_adapters(registry, {"magento": RefundingAdapter})
    assert registry.platforms == ("woocommerce",)


def test_the_app_wires_the_registry_and_builds_adapters_with_its_runtime(settings, engine):
    # given
    app = create_app(settings)
    registry = AdapterRegistry()
    register_adapters(registry, {"woocommerce": RefundingAdapter})
    channel = _channel()
    channel.credentials_encrypted = CredentialCipher(settings.secret_key).encrypt({"secret": "from-app"})
    try:
        with app.app_context():
            # when
            adapter = adapter_for(channel, registry=registry)
            # then
            assert isinstance(adapter, RefundingAdapter)
            assert adapter.settings is settings
            assert adapter.http is adapter_runtime()["http"]
            assert adapter.credentials == {"secret": "from-app"}
        # a second app in the same process wires the same registry without complaint
        second = create_app(settings)
        second.extensions["retino_runtime"].close()
    finally:
        app.extensions["retino_runtime"].close()


def test_the_refund_request_keeps_its_old_shape():
    request = RefundRequest("1234", Money(Decimal("1.00"), "EUR"), "damaged")
    assert request.idempotency_key == ""
    assert request.line_amounts == ()
