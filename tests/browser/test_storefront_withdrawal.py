"""The withdrawal function in Debian's Chromium, with the acknowledgement e-mail caught by aiosmtpd."""

import time

import pytest
from sqlalchemy import select

from retino_core.withdrawals.models import WithdrawalStatement
from tests.messaging.conftest import smtp_server  # noqa: F401 - fixture


@pytest.fixture
def shop_server(settings, engine, session_factory, make_account, make_channel, make_order, session, smtp_server):  # noqa: F811
    from tests.browser.conftest import serve

    account = make_account(name="Tričkárna", country="CZ")
    channel = make_channel(account)
    make_order(channel, code="20260001")
    session.commit()
    for base in serve(settings.with_overrides(smtp_url=smtp_server.url)):
        yield base, channel.public_id


def _wait_for_mail(smtp_server, count=1, timeout=10.0):  # noqa: F811
    deadline = time.monotonic() + timeout
    while len(smtp_server.received) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return smtp_server.received


def test_a_shopper_withdraws_and_gets_the_acknowledgement(shop_server, page, session, smtp_server):  # noqa: F811
    base, public_id = shop_server
    page.goto(f"{base}/storefront/{public_id}/withdraw?lang=en")
    page.fill("#customer_name", "Petr Dvořák")
    page.fill("#order_code", "20260001")
    page.fill("#customer_email", "petr.dvorak@example.test")
    page.click("button[type=submit]")
    page.locator("button.withdraw-confirm").wait_for()
    # the cap only
    page.locator("label.withdraw-item", has_text="Kšiltovka").locator("input").check()
    page.click("button.withdraw-confirm")
    statement_box = page.locator("#withdraw-statement")
    statement_box.wait_for()
    shown = statement_box.inner_text()
    assert shown.startswith("Withdrawal from the contract\n")
    assert "- 1 × Kšiltovka\n" in shown
    assert "Tričko" not in shown
    [received] = _wait_for_mail(smtp_server)
    assert received.recipients == ["petr.dvorak@example.test"]
    body = received.message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    session.expire_all()
    statement = session.scalars(select(WithdrawalStatement)).one()
    assert statement.statement_text == shown
    assert statement.statement_text + "\n" in body
    assert f"Date and time of the withdrawal: {shown.splitlines()[-1].split(': ', 1)[1]}\n" in body
    page.click("text=View case status")
    page.wait_for_url(f"{base}/s/{statement.case.access_token}")
