"""The shopper's status page ``/s/<token>``: what it shows, the reply box, files, the protocol, rating, refusals."""

import io
import re
import secrets
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from marketplace_app.storefront.form_tokens import SALT as FORM_SALT
from retino_core import clock
from retino_core.accounts.actions import deactivate_account
from retino_core.accounts.actor import Actor
from retino_core.accounts.permissions import Role
from retino_core.cases.actions import add_attachment, add_note, close_case, open_case
from retino_core.cases.models import CaseAttachment, CaseHistory, CaseOrigin
from retino_core.messaging.actions import send_customer_message
from retino_core.messaging.models import InboundMessage, InboundSource
from retino_core.ratings.models import Rating

#: These tests are not about rate limits (see conftest.py).
RATE_LIMITS = False

SHOP = "https://shop.example.test"


@pytest.fixture
def shop(session, make_account, make_member, make_channel, make_order):
    account = make_account(name="Tričkárna", country="CZ")
    _, owner = make_member(account, Role.owner)
    channel = make_channel(account, shop_url=f"{SHOP}/eshop", default_language="cs")
    order = make_order(channel)
    return account, owner, order


def new_case(session, account, order, *, line=0):
    case = open_case(
        session,
        account=account,
        actor=Actor.customer(order.customer_email),
        payload={
            "case_type": "complaint",
            "order_id": order.id,
            "items": [{"order_item_id": order.items[line].id, "quantity": "1", "defect_description": "Rozpáraný šev"}],
            "notify_customer": False,
        },
        origin=CaseOrigin.storefront,
    )
    session.commit()
    return case


@pytest.fixture
def case(session, shop):
    account, _, order = shop
    return new_case(session, account, order)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (3, 3), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def form_token(client, url):
    page = client.get(url)
    assert page.status_code == 200
    return re.search(r'name="form_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def messages(session):
    session.expire_all()
    return session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()


def test_the_page_shows_status_items_deadlines_and_the_thread_without_internal_notes(session, client, shop, case):
    account, owner, _ = shop
    add_note(session, account=account, actor=owner, case=case, body="INTERNAL: customer is difficult")
    send_customer_message(
        session,
        account=account,
        actor=owner,
        case=case,
        subject="Dotaz k reklamaci",
        body="Pošlete prosím fotku.",
        runtime_settings=client.application.extensions["retino_settings"],
    )
    session.commit()
    # when
    response = client.get(f"/s/{case.access_token}")
    # then
    assert response.status_code == 200
    assert '<html lang="cs">' in response.get_data(as_text=True)
    assert case.status.name("cs") in response.get_data(as_text=True)
    html = client.get(f"/s/{case.access_token}?lang=en").get_data(as_text=True)
    assert f"Case {case.number}" in html
    assert case.status.name("en") in html
    assert "The shop has received your request and will look at it soon." in html
    assert "Tričko s potiskem" in html
    assert "Rozpáraný šev" in html
    assert "The shop must settle your complaint by" in html
    assert "Dotaz k reklamaci" in html
    assert "Pošlete prosím fotku." in html
    assert "INTERNAL" not in html
    assert f"frame-ancestors {SHOP}" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    assert '<html lang="de">' in client.get(f"/s/{case.access_token}?lang=de").get_data(as_text=True)


def test_unknown_tokens_are_the_same_plain_404(client, case):
    answers = [
        client.get(f"/s/{token}")
        for token in (secrets.token_urlsafe(24), "a", "x" * 65, "y" * 500, case.access_token[:-1])
    ]
    assert [answer.status_code for answer in answers] == [404] * 5
    assert len({answer.get_data() for answer in answers}) == 1
    assert case.number not in answers[0].get_data(as_text=True)
    assert client.post(f"/s/{secrets.token_urlsafe(24)}/messages", data={"body": "x"}).status_code == 404
    assert client.get(f"/s/{secrets.token_urlsafe(24)}/rate").status_code == 404
    assert client.get(f"/s/{secrets.token_urlsafe(24)}/protocol.pdf").status_code == 404


def test_a_reply_with_a_photo_lands_in_the_case_unread(session, client, case):
    url = f"/s/{case.access_token}"
    token = form_token(client, url)
    # when
    response = client.post(
        f"{url}/messages",
        data={"form_token": token, "body": "Fotka v příloze.", "files": [(io.BytesIO(png()), "šev.png")]},
        content_type="multipart/form-data",
    )
    # then
    assert response.status_code == 303
    assert response.headers["Location"] == f"{url}?sent=1#thread"
    [message] = messages(session)
    assert (message.case_id, message.source, message.body_text, message.read_at) == (
        case.id,
        InboundSource.portal,
        "Fotka v příloze.",
        None,
    )
    assert message.from_address == case.customer_email
    [attachment] = session.scalars(select(CaseAttachment)).all()
    assert (attachment.inbound_message_id, attachment.content_type) == (message.id, "image/png")
    kinds = session.scalars(select(CaseHistory.kind).where(CaseHistory.case_id == case.id)).all()
    assert "customer_message_received" in kinds
    page = client.get(f"{url}?sent=1&lang=en").get_data(as_text=True)
    assert "Your message has been sent to the shop." in page
    assert "Fotka v příloze." in page
    # a double-click sends the same form twice: one message
    again = client.post(f"{url}/messages", data={"form_token": token, "body": "Fotka v příloze."})
    assert again.status_code == 303
    assert len(messages(session)) == 1


@pytest.mark.parametrize("token", [None, "", "forged", "x" * 600])
def test_a_missing_or_forged_form_token_is_400_and_stores_nothing(session, client, case, token):
    data = {"body": "Hello"}
    if token is not None:
        data["form_token"] = token
    response = client.post(f"/s/{case.access_token}/messages?lang=en", data=data)
    assert response.status_code == 400
    assert "This form has expired or is not valid. Reload the page and try again." in response.get_data(as_text=True)
    assert messages(session) == []


def test_a_form_token_of_another_case_purpose_or_key_is_refused(session, client, shop, case, settings):
    from itsdangerous import URLSafeTimedSerializer

    account, _, order = shop
    other = new_case(session, account, order, line=1)
    other_token = form_token(client, f"/s/{other.access_token}")
    wrong_key = URLSafeTimedSerializer("another-secret-key", salt=FORM_SALT).dumps(
        {"p": "message", "b": f"case:{case.id}", "k": "n"}
    )
    wrong_purpose = URLSafeTimedSerializer(settings.secret_key, salt=FORM_SALT).dumps(
        {"p": "rate", "b": f"case:{case.id}", "k": "n"}
    )
    for token in (other_token, wrong_key, wrong_purpose):
        response = client.post(f"/s/{case.access_token}/messages", data={"form_token": token, "body": "Hi"})
        assert response.status_code == 400
    assert messages(session) == []


def test_an_expired_form_token_is_refused(session, client, case, time_machine):
    time_machine.move_to(clock.now() - timedelta(hours=2, minutes=1), tick=False)
    token = form_token(client, f"/s/{case.access_token}")
    time_machine.move_to(clock.now() + timedelta(hours=2, minutes=1), tick=False)
    response = client.post(f"/s/{case.access_token}/messages", data={"form_token": token, "body": "Late"})
    assert response.status_code == 400
    assert messages(session) == []


def test_bad_input_gives_a_clear_message_and_stores_nothing(session, client, case):
    url = f"/s/{case.access_token}"
    empty = client.post(f"{url}/messages?lang=en", data={"form_token": form_token(client, url), "body": "  "})
    assert empty.status_code == 422
    assert "Write a message." in empty.get_data(as_text=True)
    not_an_image = client.post(
        f"{url}/messages?lang=en",
        data={"form_token": form_token(client, url), "body": "Hi", "files": [(io.BytesIO(b"MZ\x90\x00exe"), "a.png")]},
        content_type="multipart/form-data",
    )
    assert not_an_image.status_code == 422
    page = not_an_image.get_data(as_text=True)
    assert "Only JPEG, PNG, WebP and PDF files are accepted." in page
    assert ">Hi</textarea>" in page
    too_many = client.post(
        f"{url}/messages?lang=en",
        data={
            "form_token": form_token(client, url),
            "body": "Hi",
            "files": [(io.BytesIO(png()), f"{index}.png") for index in range(6)],
        },
        content_type="multipart/form-data",
    )
    assert too_many.status_code == 422
    assert "Attach at most 5 files to one message." in too_many.get_data(as_text=True)
    assert messages(session) == []
    assert session.scalar(select(func.count()).select_from(CaseAttachment)) == 0


def test_files_are_served_only_to_their_case_and_only_the_shoppers(session, client, shop, case, app):
    account, owner, order = shop
    other = new_case(session, account, order, line=1)
    storage = app.extensions["retino_runtime"].storage
    customer = Actor.customer(case.customer_email)
    own = add_attachment(
        session, account=account, actor=customer, case=case, storage=storage, filename="a.png", data=png()
    )
    staff = add_attachment(
        session, account=account, actor=owner, case=case, storage=storage, filename="b.png", data=png()
    )
    foreign = add_attachment(
        session, account=account, actor=customer, case=other, storage=storage, filename="c.png", data=png()
    )
    session.commit()
    url = f"/s/{case.access_token}/attachments"
    # when
    served = client.get(f"{url}/{own.id}")
    # then
    assert served.status_code == 200
    assert served.headers["Content-Disposition"] == "attachment; filename=a.png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Type"] == "image/png"
    assert served.data == storage.read(own.storage_key)
    assert client.get(f"{url}/{foreign.id}").status_code == 404
    assert client.get(f"{url}/{staff.id}").status_code == 404
    assert client.get(f"{url}/99999999999999999999").status_code == 404
    assert client.get(f"/s/{other.access_token}/attachments/{own.id}").status_code == 404
    page = client.get(f"/s/{case.access_token}").get_data(as_text=True)
    assert "a.png" in page
    assert "b.png" not in page


def test_the_protocol_downloads_as_a_pdf(client, case):
    response = client.get(f"/s/{case.access_token}/protocol.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{case.number}.pdf"'
    assert response.data.startswith(b"%PDF")


def test_a_deactivated_account_shows_unavailable_and_takes_nothing(session, client, shop, case):
    account, owner, _ = shop
    url = f"/s/{case.access_token}"
    token = form_token(client, url)
    deactivate_account(session, account=account, actor=owner)
    session.commit()
    page = client.get(f"{url}?lang=en")
    assert page.status_code == 200
    assert "The returns service is not available" in page.get_data(as_text=True)
    assert case.number not in page.get_data(as_text=True)
    assert f'href="{SHOP}/eshop"' in page.get_data(as_text=True)
    posted = client.post(f"{url}/messages", data={"form_token": token, "body": "Hello"})
    assert posted.status_code == 403
    assert messages(session) == []
    assert client.post(f"{url}/rate", data={"form_token": token, "score": "5"}).status_code == 403
    assert client.get(f"{url}/protocol.pdf?lang=en").get_data(as_text=True) == page.get_data(as_text=True)


def test_the_csrf_exempt_forms_still_work_without_any_cookie(client, case, session):
    url = f"/s/{case.access_token}"
    token = form_token(client, url)
    client.delete_cookie("session")
    response = client.post(f"{url}/messages", data={"form_token": token, "body": "Bez cookies"})
    assert response.status_code == 303
    assert [message.body_text for message in messages(session)] == ["Bez cookies"]
    assert "Set-Cookie" not in client.get(url).headers


# Rating from the status link ``/s/<token>/rate``: only after closing, once, a score of 1 to 5.


def close(session, shop, case):
    account, owner, _ = shop
    close_case(session, account=account, actor=owner, case=case, status="rejected", notify_customer=False)
    session.commit()


def ratings(session):
    session.expire_all()
    return session.scalars(select(Rating)).all()


def test_an_open_case_says_it_can_be_rated_later_and_refuses_a_rating(session, client, shop, case):
    url = f"/s/{case.access_token}/rate?lang=en"
    page = client.get(url)
    assert page.status_code == 200
    assert "You can rate the case once it is closed." in page.get_data(as_text=True)
    assert 'name="score"' not in page.get_data(as_text=True)
    token = form_token(client, f"/s/{case.access_token}")  # any token of this case's page, wrong purpose
    assert client.post(url, data={"form_token": token, "score": "5"}).status_code == 400
    assert ratings(session) == []


def test_a_closed_case_is_rated_once_with_the_score_preselected_from_the_email(session, client, shop, case):
    close(session, shop, case)
    url = f"/s/{case.access_token}/rate"
    page = client.get(f"{url}?score=4&lang=en").get_data(as_text=True)
    assert 'value="4" checked' in page
    assert 'value="5" checked' not in page
    token = form_token(client, url)
    # when
    response = client.post(f"{url}?lang=en", data={"form_token": token, "score": "5", "comment": "Super, díky!"})
    # then
    assert response.status_code == 303
    assert response.headers["Location"] == f"{url}?lang=en"
    [rating] = ratings(session)
    assert (rating.case_id, rating.score, rating.comment, rating.language) == (case.id, 5, "Super, díky!", "cs")
    thanks = client.get(f"{url}?lang=en").get_data(as_text=True)
    assert "Thank you for your rating: 5 out of 5." in thanks
    assert 'name="score"' not in thanks
    status = client.get(f"/s/{case.access_token}?lang=en").get_data(as_text=True)
    assert "You rated this case 5 out of 5. Thank you." in status
    # a second rating, even with the still valid form token
    again = client.post(f"{url}?lang=en", data={"form_token": token, "score": "1"})
    assert again.status_code == 409
    assert "This case has already been rated." in again.get_data(as_text=True)
    assert [r.score for r in ratings(session)] == [5]


@pytest.mark.parametrize("score", ["0", "6", "", "abc", "4.5", "-1", "99999999999999999999"])
def test_a_bad_score_is_422_with_a_clear_message(session, client, shop, case, score):
    close(session, shop, case)
    url = f"/s/{case.access_token}/rate?lang=en"
    response = client.post(url, data={"form_token": form_token(client, url), "score": score, "comment": "hm"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a rating from 1 to 5." in html
    assert ">hm</textarea>" in html
    assert ratings(session) == []


def test_a_missing_or_forged_rating_token_is_400(session, client, shop, case):
    close(session, shop, case)
    url = f"/s/{case.access_token}/rate?lang=en"
    assert client.post(url, data={"score": "5"}).status_code == 400
    assert client.post(url, data={"score": "5", "form_token": "forged"}).status_code == 400
    assert ratings(session) == []
