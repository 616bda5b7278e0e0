"""The widget's script and JSON: CORS only for the shop's domains, languages, the badge, the closed shop, 404s."""

from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace_app.storefront.widget import origin_allowed
from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.accounts.models import AccountStatus
from retino_core.case_types.models import CaseType
from retino_core.channels.actions import update_widget_settings
from retino_core.channels.snippets import loader_snippet
from retino_core.ratings.models import CertificateSnapshot, CertificateState

#: These tests are not about rate limits (see conftest.py).
RATE_LIMITS = False

SHOP = "https://shop.example.test"


@pytest.fixture
def account(make_account):
    return make_account(name="Tričkárna", country="CZ")


@pytest.fixture
def channel(session, account, make_channel):
    channel = make_channel(account, shop_url=f"{SHOP}/eshop", default_language="cs")
    session.commit()
    return channel


def _settings(session, account, channel, **payload):
    update_widget_settings(session, account=account, actor=Actor.system("test"), channel_id=channel.id, payload=payload)
    session.commit()


def _certificate(session, account, state, *, share="0.9600", count=42):
    now = clock.now()
    session.add(
        CertificateSnapshot(
            account_id=account.id,
            computed_at=now,
            computed_on=now.date(),
            period_start=now - timedelta(days=92),
            period_end=now,
            ratings_count=count,
            satisfied_count=int(Decimal(share) * count),
            share=Decimal(share),
            state=state,
        )
    )
    session.commit()


def test_the_json_lists_the_offered_types_and_labels_in_the_channels_language(client, channel):
    response = client.get(f"/storefront/{channel.public_id}/widget.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    base = f"/storefront/{channel.public_id}/"
    assert response.json == {
        "available": True,
        "language": "cs",
        "side": "right",
        "shop_url": f"{SHOP}/eshop",
        "portal_url": f"{base}?lang=cs",
        "case_types": [
            {"code": "return", "name": "Vratka", "url": f"{base}start?type=return&lang=cs"},
            {"code": "complaint", "name": "Reklamace", "url": f"{base}start?type=complaint&lang=cs"},
            {"code": "withdrawal", "name": "Odstoupení od smlouvy", "url": f"{base}withdraw?lang=cs"},
            {"code": "missing_item", "name": "Chybějící zboží", "url": f"{base}start?type=missing_item&lang=cs"},
        ],
        "badge": None,
        "labels": {
            "open": "Vrácení zboží a reklamace",
            "close": response.json["labels"]["close"],
            "unavailable": "Služba vrácení zboží a reklamací není dostupná",
            "contact": response.json["labels"]["contact"],
        },
    }
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Origin" in response.vary


def test_lang_overrides_the_channels_language_and_an_unknown_one_is_ignored(client, channel):
    german = client.get(f"/storefront/{channel.public_id}/widget.json?lang=de").json
    assert german["language"] == "de"
    assert [case_type["name"] for case_type in german["case_types"]] == [
        "Rücksendung",
        "Reklamation",
        "Widerruf",
        "Fehlender Artikel",
    ]
    assert german["portal_url"] == f"/storefront/{channel.public_id}/?lang=de"
    unknown = client.get(f"/storefront/{channel.public_id}/widget.json?lang=xx").json
    assert unknown["language"] == "cs"
    assert unknown["case_types"][0]["name"] == "Vratka"
    browser = client.get(f"/storefront/{channel.public_id}/widget.json", headers={"Accept-Language": "pl"}).json
    assert browser["language"] == "cs"


def test_cors_allows_only_the_channels_shop_origin(client, channel):
    url = f"/storefront/{channel.public_id}/widget.json"
    allowed = client.get(url, headers={"Origin": SHOP})
    assert allowed.headers["Access-Control-Allow-Origin"] == SHOP
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    for origin in ("https://evil.example.test", "http://shop.example.test", "https://shop.example.test:8443", "null"):
        refused = client.get(url, headers={"Origin": origin})
        assert refused.status_code == 200
        assert "Access-Control-Allow-Origin" not in refused.headers, origin
        assert "Origin" in refused.vary
    assert "Access-Control-Allow-Origin" not in client.get(url).headers


def test_cors_follows_the_stored_shop_domains_with_wildcards(session, client, account, channel):
    _settings(session, account, channel, shop_domains=["https://*.example.cz", "http://localhost:8000"])
    url = f"/storefront/{channel.public_id}/widget.json"
    for origin in ("https://www.example.cz", "https://a.b.example.cz", "http://localhost:8000"):
        assert client.get(url, headers={"Origin": origin}).headers["Access-Control-Allow-Origin"] == origin
    for origin in (SHOP, "https://example.cz", "https://evilexample.cz", "http://www.example.cz", "http://localhost"):
        assert "Access-Control-Allow-Origin" not in client.get(url, headers={"Origin": origin}).headers, origin


def test_origin_matching_is_exact_or_a_subdomain_wildcard():
    domains = ("https://shop.example.cz", "https://*.example.sk", "http://127.0.0.1:5000")
    assert origin_allowed("https://shop.example.cz", domains)
    assert origin_allowed("HTTPS://SHOP.example.cz:443", domains)
    assert origin_allowed("https://eshop.example.sk", domains)
    assert origin_allowed("http://127.0.0.1:5000", domains)
    assert not origin_allowed("https://example.sk", domains)
    assert not origin_allowed("https://*.example.sk", domains)
    assert not origin_allowed("https://shop.example.cz.evil.test", domains)
    assert not origin_allowed("http://127.0.0.1:5001", domains)
    assert not origin_allowed("https://shop.example.cz/path", domains)
    assert not origin_allowed("", domains)


def test_the_merchants_choice_of_types_and_side_is_what_the_widget_offers(session, client, account, channel):
    complaint = session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == "complaint"))
    _settings(session, account, channel, badge_side="left", offered_case_type_ids=[complaint.id])
    data = client.get(f"/storefront/{channel.public_id}/widget.json?lang=en").json
    assert data["side"] == "left"
    url = f"/storefront/{channel.public_id}/start?type=complaint&lang=en"
    assert data["case_types"] == [{"code": "complaint", "name": "Complaint", "url": url}]


def test_an_earned_certificate_shows_the_badge_with_its_figures(session, client, account, channel):
    _certificate(session, account, CertificateState.earned, share="0.9650", count=42)
    data = client.get(f"/storefront/{channel.public_id}/widget.json?lang=en").json
    assert data["badge"] == {
        "percent": 96,
        "ratings_count": 42,
        "url": f"/storefront/{channel.public_id}/certificate?lang=en",
    }
    assert data["labels"]["badge_title"] == "Effortless returns"
    assert data["labels"]["badge_share"] == "96% satisfied"
    assert data["labels"]["badge_count"] == "42 ratings"
    czech = client.get(f"/storefront/{channel.public_id}/widget.json").json
    assert czech["labels"]["badge_share"].startswith("96\xa0%")


@pytest.mark.parametrize("state", [CertificateState.suspended, CertificateState.not_earned])
def test_no_badge_unless_the_certificate_is_earned(session, client, account, channel, state):
    _certificate(session, account, state, share="0.8400", count=30)
    data = client.get(f"/storefront/{channel.public_id}/widget.json").json
    assert data["badge"] is None
    assert "badge_title" not in data["labels"]


def test_a_deactivated_account_says_the_service_is_unavailable_and_shows_no_badge(session, client, account, channel):
    _certificate(session, account, CertificateState.earned)
    account.status = AccountStatus.deactivated
    account.deactivated_at = clock.now()
    session.commit()
    response = client.get(f"/storefront/{channel.public_id}/widget.json", headers={"Origin": SHOP})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    data = response.json
    assert data["available"] is False
    assert data["case_types"] == []
    assert data["badge"] is None
    assert data["shop_url"] == f"{SHOP}/eshop"
    assert data["labels"]["unavailable"] == "Služba vrácení zboží a reklamací není dostupná"
    script = client.get(f"/storefront/{channel.public_id}/widget.js")
    assert script.status_code == 200
    assert script.mimetype == "text/javascript"


def test_an_unknown_channel_is_a_404_for_script_and_json(client, channel):
    for name in ("widget.js", "widget.json"):
        assert client.get(f"/storefront/no-such-channel/{name}").status_code == 404
        assert client.get(f"/storefront/{'x' * 200}/{name}").status_code == 404


def test_the_script_is_static_cacheable_and_revalidated_by_etag(client, channel):
    response = client.get(f"/storefront/{channel.public_id}/widget.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    etag = response.headers["ETag"]
    assert response.get_data(as_text=True).startswith("/*\n * Retino storefront widget")
    again = client.get(f"/storefront/{channel.public_id}/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_the_loader_snippet_is_one_async_script_tag():
    assert loader_snippet("https://retino.example/storefront/abc/widget.js", language="cs") == (
        '<script src="https://retino.example/storefront/abc/widget.js" data-lang="cs" async></script>'
    )
    assert loader_snippet('https://x.example/"><b>', language=None) == (
        '<script src="https://x.example/&#34;&gt;&lt;b&gt;" async></script>'
    )
