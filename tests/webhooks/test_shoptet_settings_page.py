"""The add-on settings link: the e-shop's OAuth server vouches for its administrator, who is signed in to us."""

import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from marketplace_app import create_app
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import Membership, Platform, User
from retino_core.accounts.permissions import Role
from tests.adapters.shoptet.oauth_peer import CLIENT_ID
from tests.local_server import serving

ESHOP_ID = "222651"
ADMIN_CODE = "admin-verification-code"


class EshopPeer:
    """The e-shop side: ``GET /api/eshop`` naming its OAuth server, and that server's token and resource."""

    def __init__(self):
        self.url = ""
        self.project_id = 222651
        self.user_email = "Jana@Shop.example"
        self.token_requests = []

    def handler(self):
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, status, body):
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                parts = urlsplit(self.path)
                if parts.path == "/api/eshop":
                    urls = [{"ident": "oauth", "url": f"{peer.url}/action/OAuthServer/"}]
                    return self._json(200, {"data": {"urls": urls}, "errors": None, "metadata": {}})
                if parts.path == "/action/OAuthServer/resource":
                    assert parse_qs(parts.query) == {"method": ["getBasicEshop"]}
                    if self.headers.get("Authorization") != "Bearer admin-token":
                        return self._json(401, {})
                    user = {"email": peer.user_email, "name": "Jana Nováková"}
                    return self._json(
                        200, {"success": True, "data": {"project": {"id": peer.project_id}, "user": user}}
                    )
                return self._json(404, {})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                peer.token_requests.append(body)
                if self.path == "/action/OAuthServer/token" and body.get("code") == ADMIN_CODE:
                    return self._json(200, {"access_token": "admin-token", "token_type": "bearer"})
                return self._json(400, {"error": "invalid_grant"})

            def log_message(self, format, *args):
                return None

        return Handler


@pytest.fixture
def eshop_peer():
    peer = EshopPeer()
    with serving(peer.handler()) as url:
        peer.url = url
        yield peer


@pytest.fixture
def app(settings, engine, shoptet_oauth_peer, eshop_peer):
    app = create_app(
        settings.with_overrides(
            shoptet_oauth_url=shoptet_oauth_peer.url, shoptet_client_id=CLIENT_ID, shoptet_api_url=eshop_peer.url
        )
    )
    yield app
    app.extensions["retino_runtime"].close()


@pytest.fixture
def channel(session, settings, make_account, make_channel, shoptet_oauth_peer):
    channel = make_channel(
        make_account(),
        platform=Platform.shoptet,
        external_shop_id=ESHOP_ID,
        credentials_encrypted=CredentialCipher(settings.secret_key).encrypt(
            {"oauth_access_token": shoptet_oauth_peer.oauth_token, "signature_key": "k"}
        ),
    )
    session.commit()
    return channel


def _open(client, eshop=ESHOP_ID, code=ADMIN_CODE):
    return client.get("/connect/shoptet/settings", query_string={"eshop": eshop, "lang": "cs", "code": code})


def _members(session, account_id):
    session.expire_all()
    return session.execute(
        select(User.email, Membership.role, Membership.is_active)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.account_id == account_id)
        .order_by(User.email)
    ).all()


def test_a_verified_admin_is_signed_in_as_the_owner_of_a_fresh_account(app, session, channel, eshop_peer):
    client = app.test_client()

    response = _open(client)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/settings/channels/{channel.id}"
    assert eshop_peer.token_requests == [
        {
            "client_id": CLIENT_ID,
            "code": ADMIN_CODE,
            "grant_type": "authorization_code",
            "redirect_uri": "http://shop.example.test/connect/shoptet/settings",
            "scope": "basic_eshop",
        }
    ]
    assert _members(session, channel.account_id) == [("jana@shop.example", Role.owner, True)]
    assert client.get(f"/admin/settings/channels/{channel.id}").status_code == 200


def test_when_the_account_has_an_owner_a_new_admin_joins_as_manager(app, session, channel, make_member):
    from retino_core.accounts.models import Account

    make_member(session.get(Account, channel.account_id), Role.owner, email="owner@shop.example")
    session.commit()

    assert _open(app.test_client()).status_code == 302
    assert _members(session, channel.account_id) == [
        ("jana@shop.example", Role.manager, True),
        ("owner@shop.example", Role.owner, True),
    ]


def test_an_existing_member_keeps_their_role(app, session, channel, make_member):
    from retino_core.accounts.models import Account

    make_member(session.get(Account, channel.account_id), Role.agent, email="jana@shop.example")
    session.commit()

    assert _open(app.test_client()).status_code == 302
    assert _members(session, channel.account_id) == [("jana@shop.example", Role.agent, True)]


def test_a_deactivated_member_is_not_let_back_in(app, session, channel, make_member):
    from retino_core.accounts.models import Account

    user, _ = make_member(session.get(Account, channel.account_id), Role.agent, email="jana@shop.example")
    session.scalars(select(Membership).where(Membership.user_id == user.id)).one().is_active = False
    session.commit()
    client = app.test_client()

    assert _open(client).status_code == 403
    assert client.get("/admin/").status_code == 302


def test_a_refused_code_a_foreign_eshop_or_an_unknown_one_signs_nobody_in(app, session, channel, eshop_peer):
    client = app.test_client()

    assert _open(client, code="wrong").status_code == 403
    eshop_peer.project_id = 999
    assert _open(client).status_code == 403
    assert _open(client, eshop="12345").status_code == 404
    assert _open(client, eshop="not-a-number").status_code == 404
    assert _members(session, channel.account_id) == []
    assert session.scalar(select(User.id)) is None
    assert client.get("/admin/").status_code == 302
