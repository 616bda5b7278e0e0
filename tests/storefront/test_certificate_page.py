"""The public certificate page: the figures of the last computation, the rule, the closed shop, 404s."""

import secrets
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from retino_core.accounts.actions import deactivate_account
from retino_core.accounts.permissions import Role
from retino_core.ratings.models import CertificateSnapshot, CertificateState

#: These tests are not about rate limits (see conftest.py).
RATE_LIMITS = False

SHOP = "https://shop.example.test"


@pytest.fixture
def shop(session, make_account, make_channel):
    account = make_account(name="Tričkárna", country="CZ")
    channel = make_channel(account, shop_url=f"{SHOP}/eshop", default_language="cs")
    session.commit()
    return account, channel


def snapshot(session, account, state, *, day, satisfied=27, count=30, share="0.9000"):
    session.add(
        CertificateSnapshot(
            account_id=account.id,
            computed_at=datetime(2026, 6, day, 2, 0, tzinfo=UTC),
            computed_on=datetime(2026, 6, day, tzinfo=UTC).date(),
            period_start=datetime(2026, 3, day, 2, 0, tzinfo=UTC),
            period_end=datetime(2026, 6, day, 2, 0, tzinfo=UTC),
            ratings_count=count,
            satisfied_count=satisfied,
            share=Decimal(share),
            state=state,
        )
    )
    session.commit()


def test_the_page_lists_the_figures_of_the_latest_computation(session, client, shop):
    account, channel = shop
    snapshot(session, account, CertificateState.not_earned, day=14, satisfied=8, count=10, share="0.8000")
    snapshot(session, account, CertificateState.earned, day=15)
    # when
    response = client.get(f"/storefront/{channel.public_id}/certificate?lang=en")
    # then
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tričkárna" in html
    assert "This shop holds the Effortless returns certificate." in html
    assert "90%" in html
    assert "27 of 30 ratings were 4 or 5 stars" in html
    assert "March 15, 2026 to June 15, 2026" in html
    assert "at least 90 % of at least 10 ratings" in html
    assert "at 85 % or more" in html
    assert f"frame-ancestors {SHOP}" in response.headers["Content-Security-Policy"]


def test_a_suspended_certificate_says_so(session, client, shop):
    account, channel = shop
    snapshot(session, account, CertificateState.suspended, day=15, satisfied=25, count=30, share="0.8333")
    html = client.get(f"/storefront/{channel.public_id}/certificate?lang=en").get_data(as_text=True)
    assert "This shop's Effortless returns certificate is suspended." in html
    assert "83.3%" in html


def test_a_shop_never_computed_has_no_figures(client, shop):
    _, channel = shop
    response = client.get(f"/storefront/{channel.public_id}/certificate?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This shop does not hold the Effortless returns certificate." in html
    assert "No ratings have been evaluated for this shop yet." in html


def test_the_page_speaks_the_channel_language_and_lang_overrides(client, shop):
    _, channel = shop
    assert '<html lang="cs">' in client.get(f"/storefront/{channel.public_id}/certificate").get_data(as_text=True)
    assert '<html lang="pl">' in client.get(f"/storefront/{channel.public_id}/certificate?lang=pl").get_data(
        as_text=True
    )


def test_an_unknown_channel_is_404(client, shop):
    assert client.get(f"/storefront/{secrets.token_urlsafe(16)}/certificate").status_code == 404
    assert client.get(f"/storefront/{'x' * 65}/certificate").status_code == 404


def test_a_deactivated_account_shows_the_unavailable_page(session, client, shop, make_member):
    account, channel = shop
    snapshot(session, account, CertificateState.earned, day=15)
    _, owner = make_member(account, Role.owner)
    deactivate_account(session, account=account, actor=owner)
    session.commit()
    response = client.get(f"/storefront/{channel.public_id}/certificate?lang=en")
    assert response.status_code == 200
    assert "The returns service is not available" in response.get_data(as_text=True)
    assert "holds the Effortless" not in response.get_data(as_text=True)
