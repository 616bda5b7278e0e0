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


def test_a_shoptet_channel_has_no_adapter_until_its_install_flow_exists(app, make_account, make_channel):
    channel = make_channel(make_account(), platform=Platform.shoptet)
    with app.app_context(), pytest.raises(LookupError):
        adapter_for(channel)
