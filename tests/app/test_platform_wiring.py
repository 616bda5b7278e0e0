"""The app builds each channel's adapter from its stored credentials, through the registry, without I/O."""

import pytest

from marketplace_app import create_app
from marketplace_app.platforms import adapter_for
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import Platform
from retino_core.platforms.interface import Capability
from retino_core.platforms.protocol import missing_operations


@pytest.fixture
def app(settings, engine):
    app = create_app(settings)
    yield app
    app.extensions["retino_runtime"].close()


def test_woocommerce_and_allegro_channels_get_their_adapters(app, settings, make_account, make_channel):
    cipher = CredentialCipher(settings.secret_key)
    account = make_account()
    woocommerce = make_channel(
        account,
        platform=Platform.woocommerce,
        credentials_encrypted=cipher.encrypt({"consumer_key": "ck_1", "consumer_secret": "cs_1"}),
    )
    allegro = make_channel(
        account, platform=Platform.allegro, credentials_encrypted=cipher.encrypt({"access_token": "token"})
    )
    with app.app_context():
        built = {channel.platform: adapter_for(channel) for channel in (woocommerce, allegro)}
    assert {platform: adapter.platform for platform, adapter in built.items()} == {
        Platform.woocommerce: "woocommerce",
        Platform.allegro: "allegro",
    }
    assert built[Platform.woocommerce].supports(Capability.refund)
    assert not built[Platform.allegro].supports(Capability.webhooks)
    assert [missing_operations(adapter) for adapter in built.values()] == [(), ()]


def test_a_shoptet_channel_gets_its_adapter_once_the_add_on_is_configured_and_installed(
    app, settings, engine, make_account, make_channel
):
    cipher = CredentialCipher(settings.secret_key)
    installed = make_channel(
        make_account(),
        platform=Platform.shoptet,
        credentials_encrypted=cipher.encrypt({"oauth_access_token": "oauth", "signature_key": "key"}),
    )
    not_installed = make_channel(make_account(), platform=Platform.shoptet)
    with app.app_context(), pytest.raises(ValueError, match="the Shoptet add-on is not configured"):
        adapter_for(installed)
    configured = create_app(
        settings.with_overrides(
            shoptet_oauth_url="https://partner.example/action/ApiOAuthServer", shoptet_client_id="c"
        )
    )
    try:
        with configured.app_context():
            adapter = adapter_for(installed)
            with pytest.raises(ValueError, match="has no OAuth token; install the add-on again"):
                adapter_for(not_installed)
    finally:
        configured.extensions["retino_runtime"].close()
    assert adapter.platform == "shoptet"
    assert adapter.supports(Capability.storefront_injection)
    assert missing_operations(adapter) == ()
