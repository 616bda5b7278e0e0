"""The demo shop pages of ``make run``: each embeds its demo channel's widget as its platform will."""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from marketplace_app import create_app
from marketplace_app.demo import DEMO_SHOPS_ORIGIN, build_demo
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import Platform, SalesChannel
from retino_core.cases.models import Case
from retino_core.channels.queries import widget_settings
from retino_core.orders.models import Order


@pytest.fixture
def app(settings, engine):
    app = create_app(settings)
    app.config.update(RATELIMIT_ENABLED=False)
    yield app
    app.extensions["retino_runtime"].close()


@pytest.fixture
def demo(session, settings):
    account = build_demo(session, CredentialCipher(settings.secret_key))
    session.commit()
    return account


def _channel(session, account, platform):
    return session.scalar(SalesChannel.select_for_account(account.id).where(SalesChannel.platform == platform))


def test_the_shoptet_and_woocommerce_pages_embed_their_channels_widget(app, session, demo):
    """One demo for several checks: building it takes seconds."""
    client = app.test_client()
    shoptet = _channel(session, demo, Platform.shoptet)
    page = client.get("/demo/shops/shoptet")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    snippet = f'<script src="http://localhost/storefront/{shoptet.public_id}/widget.js" data-lang="cs" async></script>'
    assert html.count(snippet) == 1
    assert html.index(snippet) > html.index('<div id="footer">')
    assert 'id="return-link"' in html
    assert 'data-retino-open="return"' in html

    woocommerce = _channel(session, demo, Platform.woocommerce)
    html = client.get("/demo/shops/woocommerce").get_data(as_text=True)
    assert (
        f'<script src="http://localhost/storefront/{woocommerce.public_id}/widget.js?ver=1.0.0" id="retino-widget-js" '
        'data-lang="sk" async data-wp-strategy="async"></script>'
    ) in html
    assert f'<a href="http://localhost/storefront/{woocommerce.public_id}/" data-retino-open="">' in html

    for platform in Platform:
        channel = _channel(session, demo, platform)
        assert DEMO_SHOPS_ORIGIN in widget_settings(session, channel=channel).shop_domains
    home = client.get("/").get_data(as_text=True)
    for name in ("shoptet", "woocommerce", "allegro"):
        assert f'href="/demo/shops/{name}"' in home


def test_the_allegro_email_has_the_direct_link_filled_with_an_order_without_a_case(app, session, demo):
    channel = _channel(session, demo, Platform.allegro)
    html = app.test_client().get("/demo/shops/allegro").get_data(as_text=True)
    assert "<script" not in html
    start = html.index('id="direct-link" href="') + len('id="direct-link" href="')
    link = html[start : html.index('"', start)].replace("&amp;", "&")
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"http://localhost/storefront/{channel.public_id}/start"
    query = parse_qs(parts.query)
    order = session.scalar(select(Order).where(Order.account_id == demo.id, Order.code == query["order"][0]))
    assert order.channel_id == channel.id
    assert query == {"type": ["return"], "email": [order.customer_email], "order": [order.code]}
    assert session.scalar(select(Case.id).where(Case.order_id == order.id)) is None
    assert "start?type=return&amp;email={email}&amp;order={order_code}" in html


def test_unknown_pages_and_a_missing_demo_are_404(app):
    client = app.test_client()
    assert client.get("/demo/shops/shoptet").status_code == 404
    assert client.get("/demo/shops/magento").status_code == 404


def test_a_production_installation_serves_no_demo_shop(settings, engine, demo):
    app = create_app(settings.with_overrides(environment="production"))
    try:
        for name in ("shoptet", "woocommerce", "allegro"):
            assert app.test_client().get(f"/demo/shops/{name}").status_code == 404
    finally:
        app.extensions["retino_runtime"].close()
