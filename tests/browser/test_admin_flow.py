"""A merchant's day in the admin, in Debian's Chromium: sign in, filter, search, work a case, reply, create one.

Screenshots of the inbox and the case detail are written to docs/screenshots/ for the README.
"""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace_app.demo import DEMO_EMAIL, DEMO_PASSWORD, build_demo
from retino_core.accounts.credentials import CredentialCipher
from retino_core.cases.models import Case, CaseNote
from tests.messaging.conftest import smtp_server  # noqa: F401 - fixture

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def demo_server(settings, engine, session_factory, smtp_server):  # noqa: F811
    from tests.browser.conftest import serve

    with session_factory() as session:
        build_demo(session, CredentialCipher(settings.secret_key))
        session.commit()
    yield from serve(settings.with_overrides(smtp_url=smtp_server.url))


def test_a_merchants_day(demo_server, page, session, smtp_server):  # noqa: F811
    base = demo_server
    # sign in
    page.goto(f"{base}/admin/")
    page.fill("#email", DEMO_EMAIL)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    assert page.locator("table.cases tbody tr").count() == 44
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "inbox.png"), full_page=False)

    # filter: overdue only
    page.select_option("#deadline", "overdue")
    page.click("form.filters button.primary")
    page.wait_for_url("**deadline=overdue**")
    overdue_rows = page.locator("table.cases tbody tr").count()
    assert 0 < overdue_rows < 44

    # search by a three-letter infix of a customer name without diacritics
    page.goto(f"{base}/admin/?q=dvo")
    rows = page.locator("table.cases tbody tr")
    assert rows.count() >= 1
    first_number = rows.first.locator("strong").inner_text()

    # open the case, move it on, add a note, reply to the customer
    rows.first.locator("a").first.click()
    page.wait_for_url(re.compile(r".*/admin/cases/\d+$"))
    assert page.locator("h1").first.inner_text().startswith(first_number)
    status_buttons = page.locator("form[action$='/status'] button[name=to_status]")
    target = status_buttons.first.get_attribute("value")
    status_buttons.first.click()
    page.wait_for_load_state("networkidle")
    page.fill("#note-body", "Zákazník volal, posíláme štítek.")
    page.click("form[action$='/notes'] button[type=submit]")
    page.wait_for_selector("text=Zákazník volal, posíláme štítek.")
    page.fill("#reply-body", "Dobrý den, štítek je v příloze.")
    page.click("form[action$='/reply'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(page.url.split("#")[0])
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "case-detail.png"), full_page=False)

    case = session.scalar(select(Case).where(Case.number == first_number))
    session.refresh(case)
    assert case.status.code == target
    notes = session.scalars(select(CaseNote.body).where(CaseNote.case_id == case.id)).all()
    assert "Zákazník volal, posíláme štítek." in notes
    replies = [mail for mail in smtp_server.received if mail.message["Subject"] == f"Re: {first_number}"]
    assert len(replies) == 1
    assert "štítek je v příloze" in replies[0].message.get_body(("plain",)).get_content()

    # create a case by hand from an order found by infix
    page.goto(f"{base}/admin/cases/new")
    page.fill("#order-q", "kowal")
    page.wait_for_selector("#order-results a")
    page.locator("#order-results a").first.click()
    page.wait_for_url("**/admin/cases/new?order=*")
    page.select_option("#case_type", "complaint")
    page.wait_for_load_state("networkidle")
    page.locator("input[type=checkbox][name$='-include']").first.check()
    page.click("button[value=create]")
    page.wait_for_url(re.compile(r".*/admin/cases/\d+$"))
    assert page.locator("h1").first.inner_text().startswith("R000")

    # statistics draw their charts (Chart.js from npm, no inline script)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/admin/statistics")
    page.wait_for_function("() => document.querySelectorAll('canvas').length > 0 && window.Chart !== undefined")
    page.wait_for_timeout(300)
    drawn = page.evaluate("() => [...document.querySelectorAll('canvas')].filter(c => window.Chart.getChart(c)).length")
    assert drawn >= 2
    assert errors == []
    page.screenshot(path=str(SCREENSHOTS / "statistics.png"), full_page=False)
