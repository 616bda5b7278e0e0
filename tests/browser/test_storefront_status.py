"""The shopper's status page in Debian's Chromium: a reply with a photo, then a rating that earns the badge."""

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.cases.actions import close_case, open_case
from retino_core.cases.models import CaseAttachment, CaseOrigin
from retino_core.jobs import JobContext
from retino_core.messaging.models import InboundMessage
from retino_core.ratings.models import Rating
from retino_core.ratings.tasks import compute_certificates

SYSTEM = Actor.system()


def closed_case(session, account, name):
    case = open_case(
        session,
        account=account,
        actor=SYSTEM,
        payload={
            "case_type": "complaint",
            "customer_email": "jana@example.test",
            "customer_name": "Jana Kupcová",
            "items": [{"name": name, "quantity": "1", "reason": "defect"}],
            "notify_customer": False,
        },
        origin=CaseOrigin.storefront,
    )
    close_case(session, account=account, actor=SYSTEM, case=case, status="rejected", notify_customer=False)
    return case


@pytest.fixture
def shop(session, make_account, make_channel):
    """Nine happy ratings already (one short of a verdict) and a closed case not yet rated."""
    account = make_account(name="Hrnkárna", country="CZ")
    channel = make_channel(account, default_language="cs")
    for index in range(9):
        rated = closed_case(session, account, f"Hrnek {index}")
        session.add(
            Rating(
                account_id=account.id,
                case_id=rated.id,
                score=5,
                language="cs",
                created_at=clock.now() - timedelta(days=3),
            )
        )
    case = closed_case(session, account, "Konvice")
    case.channel_id = channel.id
    session.commit()
    return account, channel, case


@pytest.fixture
def server(settings, engine):
    from tests.browser.conftest import serve

    yield from serve(settings)


def png_file(tmp_path):
    path = tmp_path / "konvice.png"
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_reply_and_a_rating_that_earns_the_badge_from_the_status_page(server, page, session, settings, shop, tmp_path):
    _, channel, case = shop
    context = JobContext(session=session, settings=settings, mailer=None, storage=None, account_id=None)
    compute_certificates(context)
    session.commit()
    page.goto(f"{server}/storefront/{channel.public_id}/certificate?lang=en")
    assert "does not hold the Effortless returns certificate" in page.locator("#certificate-state").inner_text()
    widget_config = f"{server}/storefront/{channel.public_id}/widget.json?lang=en"
    assert page.request.get(widget_config).json()["badge"] is None

    # a reply with a photo
    page.goto(f"{server}/s/{case.access_token}?lang=en")
    assert page.locator("h1").inner_text() == f"Case {case.number}"
    page.fill("#reply-body", "Posílám fotku prasklé konvice.")
    page.set_input_files("#reply-files", str(png_file(tmp_path)))
    page.click("form.reply button[type=submit]")
    page.wait_for_url("**sent=1**")
    assert page.locator("[role=status]").first.inner_text() == "Your message has been sent to the shop."
    assert page.locator(".message-customer").last.locator(".prewrap").inner_text() == "Posílám fotku prasklé konvice."
    assert page.locator(".message-customer a").inner_text() == "konvice.png"
    session.expire_all()
    [message] = session.scalars(select(InboundMessage)).all()
    assert (message.case_id, message.read_at) == (case.id, None)
    assert session.scalars(select(CaseAttachment.inbound_message_id)).all() == [message.id]

    # the rating, the tenth one: the night's job awards the certificate
    page.click("text=Rate how your case was handled")
    page.check("input[name=score][value='5']")
    page.fill("#rate-comment", "Rychlé a bez potíží.")
    page.click("button[type=submit]")
    assert page.locator("[role=status]").inner_text() == "Thank you for your rating: 5 out of 5."
    session.expire_all()
    compute_certificates(context)
    session.commit()
    page.goto(f"{server}/storefront/{channel.public_id}/certificate?lang=en")
    assert page.locator("#certificate-state").inner_text() == "This shop holds the Effortless returns certificate."
    assert "10 of 10 ratings were 4 or 5 stars" in page.locator(".certificate-figures").inner_text()
    # and the widget's badge appears with the figures
    badge = page.request.get(widget_config).json()["badge"]
    assert (badge["percent"], badge["ratings_count"]) == (100, 10)
