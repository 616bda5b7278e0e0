"""The portal's headers: framed only by the channel's shop domains, no inline styles, no X-Frame-Options."""

import pytest

from retino_core.accounts.actor import Actor
from retino_core.channels.actions import update_widget_settings

#: These tests are not about rate limits (see conftest.py).
RATE_LIMITS = False


@pytest.fixture
def channel(session, make_account, make_channel):
    account = make_account(name="Tričkárna", country="CZ")
    channel = make_channel(account, shop_url="https://shop.example.test")
    update_widget_settings(
        session,
        account=account,
        actor=Actor.system("test"),
        channel_id=channel.id,
        payload={"shop_domains": ["https://shop.example.test", "https://*.example.cz"]},
    )
    session.commit()
    return channel


def test_the_portal_may_be_framed_by_the_shop_domains_only_and_allows_no_inline_style(client, channel):
    response = client.get(f"/storefront/{channel.public_id}/")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://shop.example.test https://*.example.cz;" in policy
    assert "style-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "X-Frame-Options" not in response.headers
    assert response.headers.get("Set-Cookie") is None


def test_an_unknown_channel_is_a_plain_404_that_no_one_may_frame(client, channel):
    response = client.get("/storefront/not-a-channel/")
    assert response.status_code == 404
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_admin_keeps_its_own_policy_and_is_never_framed(client, channel):
    response = client.get("/admin/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
