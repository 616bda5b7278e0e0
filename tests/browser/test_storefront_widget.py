"""The widget on the demo Shoptet page, in Debian's Chromium: async, the badge on keyboard focus,
the portal in the overlay's iframe, Escape and focus return; and a phone-sized viewport."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace_app.demo import DEMO_SHOPS_ORIGIN, build_demo
from retino_core.accounts.actor import Actor
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import Account, AccountStatus, Platform, SalesChannel
from retino_core.channels.actions import update_widget_settings

#: The shadow root's parts, by the classes widget.js gives them.
LAUNCHER, BADGE, OVERLAY, CLOSE = "retino-widget button.l", "retino-widget a.b", "retino-widget .o", "retino-widget .x"
ACTIVE_IN_WIDGET = (
    "() => { const host = document.querySelector('retino-widget');"
    " return document.activeElement === host"
    " && host.shadowRoot.activeElement ? host.shadowRoot.activeElement.tagName.toLowerCase() + '.'"
    " + host.shadowRoot.activeElement.className : null; }"
)


@pytest.fixture
def shoptet(settings, engine, session_factory):
    """The demo served live, its Shoptet channel framable by the live origin; the demo earns the certificate."""
    from tests.browser.conftest import serve

    with session_factory() as session:
        account = build_demo(session, CredentialCipher(settings.secret_key))
        session.commit()
    server = serve(settings)
    base = next(server)
    with session_factory() as session:
        account = session.scalar(select(Account).where(Account.slug == "demo"))
        channel = session.scalar(
            SalesChannel.select_for_account(account.id).where(SalesChannel.platform == Platform.shoptet)
        )
        update_widget_settings(
            session,
            account=account,
            actor=Actor.system("test"),
            channel_id=channel.id,
            payload={"shop_domains": [DEMO_SHOPS_ORIGIN, base]},
        )
        session.commit()
        public_id = channel.public_id
    yield base, public_id
    server.close()


def _widget_ready(page):
    page.wait_for_selector(LAUNCHER)


def test_the_widget_on_the_shoptet_demo_page(shoptet, page):
    base, public_id = shoptet
    page.add_init_script(
        "window.__shifts = 0; new PerformanceObserver(list => list.getEntries().forEach("
        "entry => { window.__shifts += entry.value; })).observe({type: 'layout-shift', buffered: true});"
    )
    page.goto(f"{base}/demo/shops/shoptet")
    _widget_ready(page)
    # loaded async, never render-blocking, and nothing on the page moved
    timing = page.evaluate(
        "() => performance.getEntriesByType('resource').filter(e => e.name.endsWith('/widget.js'))"
        ".map(e => e.renderBlockingStatus)"
    )
    assert timing == ["non-blocking"]
    assert page.evaluate("document.querySelector('script[src$=\"/widget.js\"]').async") is True
    assert page.evaluate("window.__shifts") == 0

    # the badge: collapsed to a tab at the right edge, expanded on keyboard focus (Tab)
    width = page.viewport_size["width"]
    badge = page.locator(BADGE)
    assert badge.get_attribute("href") == f"{base}/storefront/{public_id}/certificate?lang=cs"
    # the demo's shoppers rated 14 closed cases, 13 of them 4 or 5 stars: 92 % (rounded down)
    assert "92" in badge.inner_text()
    assert "14" in badge.inner_text()
    collapsed = badge.bounding_box()
    assert collapsed["x"] > width - 60
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate(ACTIVE_IN_WIDGET) == "a.b right":
            break
    else:
        pytest.fail("Tab never reached the badge")
    page.wait_for_function(
        f"() => {{ const box = document.querySelector('retino-widget').shadowRoot.querySelector('a.b')"
        f".getBoundingClientRect(); return box.right <= {width} + 1 && box.left < {width} - 120; }}"
    )

    # the launcher opens the choice of types in the iframe; focus moves into the dialog
    page.locator(LAUNCHER).click()
    overlay = page.locator(OVERLAY)
    expect(overlay).to_be_visible()
    assert page.locator("retino-widget [role=dialog]").get_attribute("aria-modal") == "true"
    assert page.evaluate(ACTIVE_IN_WIDGET) == "button.x"
    frame = page.frame_locator("retino-widget iframe")
    expect(frame.locator("a.portal-choice")).to_have_count(3)
    expect(frame.locator("a.portal-withdraw")).to_have_count(1)
    assert page.locator("retino-widget iframe").get_attribute("src") == f"{base}/storefront/{public_id}/?lang=cs"
    # the trap: Shift+Tab from the close button wraps into the portal, Tab out of it comes back
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(ACTIVE_IN_WIDGET) == "iframe."
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate(ACTIVE_IN_WIDGET) != "iframe.":
            break
    assert page.evaluate(ACTIVE_IN_WIDGET) == "button.x"
    # Escape closes, focus returns to the launcher
    page.keyboard.press("Escape")
    expect(overlay).to_be_hidden()
    assert page.evaluate(ACTIVE_IN_WIDGET) == "button.l right"

    # a page's own link (data-retino-open, a pre-filled direct link) opens that address, then Escape
    link = page.locator("#return-link")
    order_code = page.locator(".order-code").inner_text()
    link.focus()
    page.keyboard.press("Enter")
    expect(overlay).to_be_visible()
    expect(frame.locator("#order_code")).to_have_value(order_code)
    assert "start?type=return" in page.locator("retino-widget iframe").get_attribute("src")
    assert page.url == f"{base}/demo/shops/shoptet"
    page.keyboard.press("Escape")
    expect(overlay).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "return-link"


def test_the_widget_in_a_phone_sized_viewport(shoptet, browser):
    base, _ = shoptet
    context = browser.new_context(
        locale="cs-CZ", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        page.goto(f"{base}/demo/shops/shoptet")
        _widget_ready(page)
        launcher = page.locator(LAUNCHER).bounding_box()
        assert launcher["x"] + launcher["width"] <= 390
        page.locator(LAUNCHER).tap()
        dialog = page.locator("retino-widget [role=dialog]").bounding_box()
        assert (dialog["x"], dialog["y"], dialog["width"], dialog["height"]) == (0, 0, 390, 844)
        frame = page.frame_locator("retino-widget iframe")
        expect(frame.locator("a.portal-choice")).to_have_count(3)
        page.locator(CLOSE).tap()
        expect(page.locator(OVERLAY)).to_be_hidden()
    finally:
        context.close()


def test_a_deactivated_shop_shows_the_notice_and_no_badge_and_files_nothing(shoptet, page, session_factory):
    base, public_id = shoptet
    with session_factory() as session:
        account = session.scalar(select(Account).where(Account.slug == "demo"))
        account.status = AccountStatus.deactivated
        session.commit()
    page.goto(f"{base}/demo/shops/shoptet")
    _widget_ready(page)
    assert page.locator(BADGE).count() == 0
    page.locator(LAUNCHER).click()
    notice = page.locator("retino-widget .u")
    expect(notice).to_contain_text("Služba vrácení zboží a reklamací není dostupná")
    assert page.locator("retino-widget iframe").count() == 0
    # the portal itself, opened directly, says the same and takes nothing in
    page.goto(f"{base}/storefront/{public_id}/")
    expect(page.locator("h1")).to_have_text("Služba vrácení zboží a reklamací není dostupná")
