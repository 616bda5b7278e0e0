"""Signing in and out, lockout, sessions that die with the token, the account switcher, headers."""

from sqlalchemy import select

from retino_core.accounts.models import Membership, User
from retino_core.accounts.permissions import Role
from retino_core.testing.plugin import TEST_PASSWORD
from tests.admin.conftest import sign_in


def test_anonymous_is_sent_to_the_login_page(app):
    response = app.test_client().get("/admin/?q=abc")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login?next=/admin/?q%3Dabc"


def test_login_lands_on_the_page_asked_for_and_never_off_site(app, shop):
    client = app.test_client()
    response = client.post(
        "/admin/login?next=/admin/?open=1", data={"email": shop.members[Role.agent].email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/admin/?open=1"
    other = app.test_client()
    response = other.post(
        "/admin/login?next=//evil.example/x", data={"email": shop.members[Role.agent].email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/admin/"


def test_wrong_password_is_refused_in_the_users_language(app, shop):
    response = app.test_client().post(
        "/admin/login",
        data={"email": shop.members[Role.agent].email, "password": "nope"},
        headers={"Accept-Language": "cs"},
    )
    assert response.status_code == 401
    assert "Nesprávný e-mail nebo heslo." in response.get_data(as_text=True)


def test_five_failures_lock_even_the_right_password_out(app, shop, session):
    client = app.test_client()
    email = shop.members[Role.agent].email
    for _ in range(5):
        assert client.post("/admin/login", data={"email": email, "password": "nope"}).status_code == 401
    assert client.post("/admin/login", data={"email": email, "password": TEST_PASSWORD}).status_code == 401
    session.expire_all()
    user = session.scalar(select(User).where(User.email == email))
    assert user.failed_login_count == 5
    assert user.locked_until is not None


def test_logout_kills_the_old_cookie_too(app, shop):
    client = app.test_client()
    sign_in(client, shop.members[Role.agent].email)
    stolen_cookie = client.get_cookie("session").value
    assert client.post("/admin/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen_cookie)
    assert thief.get("/admin/").status_code == 302


def test_a_disabled_user_is_signed_out_at_once(app, shop, session):
    client = app.test_client()
    sign_in(client, shop.members[Role.agent].email)
    user = session.get(User, shop.members[Role.agent].id)
    user.is_active = False
    session.commit()
    assert client.get("/admin/").status_code == 302


def test_a_removed_member_has_no_account(app, shop, session):
    client = app.test_client()
    sign_in(client, shop.members[Role.agent].email)
    membership = session.scalar(select(Membership).where(Membership.user_id == shop.members[Role.agent].id))
    membership.is_active = False
    session.commit()
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "Nejste členem žádného účtu" in response.get_data(as_text=True)


def test_one_user_in_two_accounts_switches_between_them(app, shop, other_shop, session):
    user = shop.members[Role.agent]
    session.add(Membership(account_id=other_shop.account_id, user_id=user.id, role=Role.viewer))
    session.commit()
    client = app.test_client()
    sign_in(client, user.email)
    assert "Tričkárna" in client.get("/admin/").get_data(as_text=True)
    assert client.post("/admin/account", data={"account_id": other_shop.account_id}).status_code == 302
    body = client.get("/admin/").get_data(as_text=True)
    assert other_shop.case.number in body
    assert f'<option value="{other_shop.account_id}" selected>Cizí obchod</option>' in body


def test_switching_to_a_foreign_account_is_404(app, shop, other_shop, client_for):
    client = client_for(Role.owner)
    assert client.post("/admin/account", data={"account_id": other_shop.account_id}).status_code == 404


def test_login_form_needs_the_csrf_token(csrf_app, shop):
    response = csrf_app.test_client().post(
        "/admin/login", data={"email": shop.members[Role.agent].email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 400


def test_login_is_rate_limited_per_address(csrf_app, shop):
    csrf_app.config["WTF_CSRF_ENABLED"] = False
    client = csrf_app.test_client()
    statuses = [
        client.post("/admin/login", data={"email": "x@example.test", "password": "x"}).status_code for _ in range(11)
    ]
    assert statuses == [401] * 10 + [429]


def test_every_response_carries_the_security_headers(app):
    response = app.test_client().get("/admin/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "object-src 'none'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "base-uri 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_session_cookie_is_http_only_and_lax(app, shop):
    client = app.test_client()
    response = client.post("/admin/login", data={"email": shop.members[Role.agent].email, "password": TEST_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_vendor_files_are_served_from_the_npm_install(app):
    with app.test_client().get("/static/vendor/htmx.min.js") as response:
        assert response.status_code == 200
        assert b"htmx" in response.data[:2000]
    assert app.test_client().get("/static/vendor/../package.json").status_code == 404
    assert app.test_client().get("/static/vendor/evil.js").status_code == 404
