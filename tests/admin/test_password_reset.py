"""Forgotten password: the same answer for every address, a real e-mail, a link that works once for an hour."""

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace_app import create_app
from retino_core import clock
from retino_core.accounts.actions import password_reset_token
from retino_core.accounts.models import User
from retino_core.accounts.permissions import Role
from retino_core.messaging.models import OutboundEmail
from tests.admin.conftest import sign_in
from tests.messaging.conftest import smtp_server  # noqa: F401

NEW_PASSWORD = "úplně nové heslo 42"


@pytest.fixture
def smtp_app(settings, engine, smtp_server):  # noqa: F811
    app = create_app(settings.with_overrides(smtp_url=smtp_server.url))
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    yield app
    app.extensions["retino_runtime"].close()


def reset_link(body: str) -> str:
    return re.search(r"http://shop\.example\.test(/admin/password/reset/\S+)", body).group(1)


def without_csrf_token(page: str) -> str:
    page = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', page)
    return re.sub(r'name="csrf-token" content="[^"]*"', 'name="csrf-token" content=""', page)


def test_known_and_unknown_addresses_get_the_same_answer(app, shop, session):
    client = app.test_client()
    known = client.post("/admin/password/forgot", data={"email": shop.members[Role.agent].email})
    unknown = client.post("/admin/password/forgot", data={"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 200
    # the form's fresh CSRF token is signed with the current second, so it alone may differ
    assert without_csrf_token(known.get_data(as_text=True)) == without_csrf_token(unknown.get_data(as_text=True))
    emails = session.scalars(select(OutboundEmail).where(OutboundEmail.template == "password_reset")).all()
    assert [email.to_address for email in emails] == [shop.members[Role.agent].email]
    assert emails[0].case_id is None


def test_the_link_arrives_by_smtp_and_sets_a_new_password_once(smtp_app, shop, smtp_server, session):  # noqa: F811
    email = shop.members[Role.agent].email
    signed_in = smtp_app.test_client()
    sign_in(signed_in, email)
    client = smtp_app.test_client()
    assert client.post("/admin/password/forgot", data={"email": email.upper()}).status_code == 200
    [mail] = smtp_server.received
    assert mail.recipients == [email]
    link = reset_link(mail.message.get_body(("plain",)).get_content())
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login"
    assert signed_in.get("/admin/").status_code == 302  # every session ended
    sign_in(smtp_app.test_client(), email, NEW_PASSWORD)
    reused = client.post(link, data={"password": "další heslo 12345", "password_confirm": "další heslo 12345"})
    assert reused.status_code == 404
    sign_in(smtp_app.test_client(), email, NEW_PASSWORD)


def test_an_expired_or_tampered_link_is_refused(app, shop, settings, session):
    user = session.get(User, shop.members[Role.agent].id)
    with time_machine.travel(clock.now() - timedelta(hours=1, minutes=1), tick=False):
        old = password_reset_token(user, secret_key=settings.secret_key)
    fresh = password_reset_token(user, secret_key=settings.secret_key)
    forged = password_reset_token(user, secret_key="another-secret-key-" + "y" * 32)
    client = app.test_client()
    form = {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    assert client.post(f"/admin/password/reset/{old}", data=form).status_code == 404
    assert client.post(f"/admin/password/reset/{forged}", data=form).status_code == 404
    assert client.post(f"/admin/password/reset/{fresh[:-3]}abc", data=form).status_code == 404
    session.expire_all()
    assert session.get(User, user.id).password_hash == user.password_hash


def test_a_short_or_mismatched_password_is_refused(app, shop, settings, session):
    user = session.get(User, shop.members[Role.agent].id)
    token = password_reset_token(user, secret_key=settings.secret_key)
    client = app.test_client()
    short = client.post(f"/admin/password/reset/{token}", data={"password": "short", "password_confirm": "short"})
    assert short.status_code == 422
    mismatch = client.post(f"/admin/password/reset/{token}", data={"password": NEW_PASSWORD, "password_confirm": "x"})
    assert mismatch.status_code == 422
    session.expire_all()
    assert session.get(User, user.id).password_hash == user.password_hash


def test_both_pages_are_public_and_the_request_is_rate_limited(csrf_app, shop):
    csrf_app.config["WTF_CSRF_ENABLED"] = False
    client = csrf_app.test_client()
    assert client.get("/admin/password/forgot").status_code == 200
    assert client.get("/admin/password/reset/not-a-token").status_code == 404
    statuses = [client.post("/admin/password/forgot", data={"email": "x@example.test"}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
