"""The HTML shops embed: the widget loader and the order-confirmation link, in the channel's language."""

import pytest

from retino_core.accounts.models import Platform, SalesChannel
from retino_core.channels.snippets import loader_snippet, order_confirmed_snippet, portal_url, widget_script_url
from retino_core.config import Settings

SETTINGS = Settings(public_base_url="https://returns.example")


def _channel(language="cs"):
    return SalesChannel(
        platform=Platform.shoptet,
        public_id="ch_Abc-123",
        name="Shop",
        external_shop_id="1",
        country="CZ",
        currency="CZK",
        default_language=language,
    )


def test_the_loader_is_one_async_script_tag_without_inline_code():
    assert loader_snippet(widget_script_url(SETTINGS, _channel())) == (
        '<script src="https://returns.example/storefront/ch_Abc-123/widget.js" async></script>'
    )
    assert loader_snippet("https://r.example/w.js?a=1&b=2", language="sk") == (
        '<script src="https://r.example/w.js?a=1&amp;b=2" data-lang="sk" async></script>'
    )


@pytest.mark.parametrize(
    ("language", "question", "link"),
    [
        ("cs", "Potřebujete vrátit zboží nebo podat reklamaci?", "Otevřít formulář"),
        ("sk", "Potrebujete vrátiť tovar alebo podať reklamáciu?", "Otvoriť formulár"),
        ("pl", "Chcesz zwrócić towar lub złożyć reklamację?", "Otwórz formularz"),
        ("de", "Möchten Sie etwas zurücksenden oder reklamieren?", "Zum Rücksendeformular"),
        ("hu", "Vissza szeretne küldeni valamit, vagy panaszt tenne?", "Az űrlap megnyitása"),
        ("en", "Need to return something or file a complaint?", "Open the returns form"),
    ],
)
def test_the_order_confirmation_link_speaks_the_channels_language(language, question, link):
    assert order_confirmed_snippet(SETTINGS, _channel(language)) == (
        f'<p class="retino-order-confirmed">{question} '
        f'<a href="https://returns.example/storefront/ch_Abc-123/" data-retino-open="">{link}</a></p>'
    )


def test_an_unknown_channel_language_falls_back_to_english():
    assert "Open the returns form" in order_confirmed_snippet(SETTINGS, _channel("it"))


def test_the_portal_url_ends_with_a_slash():
    assert portal_url(SETTINGS, _channel()) == "https://returns.example/storefront/ch_Abc-123/"
