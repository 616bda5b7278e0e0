"""Our snippets go into the e-shop through ``POST /api/template-include``, validated by the spec's mock."""

import json

from retino_core.accounts.models import ChannelStatus, Platform, SalesChannel
from retino_core.channels.tasks import inject_snippets
from retino_core.config import Settings

SETTINGS = Settings(public_base_url="https://returns.example")


def test_the_loader_goes_into_the_footer_and_the_link_onto_the_order_confirmation(shoptet_adapter, exchanges):
    channel = SalesChannel(
        platform=Platform.shoptet,
        public_id="ch_1",
        name="Shop",
        external_shop_id="222651",
        country="CZ",
        currency="CZK",
        default_language="cs",
        status=ChannelStatus.connected,
    )

    assert inject_snippets(SETTINGS, channel, shoptet_adapter) is True

    exchanges.assert_all_valid()
    bodies = [
        json.loads(response.request.body)
        for response in exchanges.responses
        if response.request.path_url == "/api/template-include"
    ]
    assert bodies == [
        {
            "data": {
                "snippets": [
                    {
                        "location": "common-footer",
                        "html": '<script src="https://returns.example/storefront/ch_1/widget.js" async></script>',
                    }
                ]
            }
        },
        {
            "data": {
                "snippets": [
                    {
                        "location": "order-confirmed",
                        "html": '<p class="retino-order-confirmed">Potřebujete vrátit zboží nebo podat reklamaci? '
                        '<a href="https://returns.example/storefront/ch_1/" data-retino-open="">'
                        "Otevřít formulář</a></p>",
                    }
                ]
            }
        },
    ]
    assert channel.status is ChannelStatus.connected
