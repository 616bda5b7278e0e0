"""Fixtures for the admin: an app, a shop with one member per role, and a signed-in client per role."""

from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from marketplace_app import create_app
from retino_core.accounts.permissions import Role
from retino_core.cases.actions import open_case
from retino_core.cases.models import CaseOrigin
from retino_core.testing.plugin import TEST_PASSWORD


@pytest.fixture
def app(settings, engine):
    app = create_app(settings)
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    yield app
    app.extensions["retino_runtime"].close()


@pytest.fixture
def csrf_app(settings, engine):
    """The app with CSRF protection on, as in production."""
    app = create_app(settings)
    yield app
    app.extensions["retino_runtime"].close()


@dataclass
class Shop:
    account: Any
    members: dict[Role, Any]
    actors: dict[Role, Any]
    channel: Any
    order: Any
    case: Any

    @property
    def account_id(self) -> int:
        return self.account.id


def build_shop(session, make_account, make_member, make_channel, make_order, *, name: str) -> Shop:
    account = make_account(name=name, country="CZ")
    members, actors = {}, {}
    for role in Role:
        user, actor = make_member(account, role, email=f"{role.value}@{account.slug}.example.test")
        members[role], actors[role] = user, actor
    channel = make_channel(account)
    order = make_order(channel)
    case = open_case(
        session,
        account=account,
        actor=actors[Role.owner],
        payload={
            "case_type": "complaint",
            "order_id": order.id,
            "items": [{"order_item_id": order.items[0].id, "quantity": "1", "reason": "defect"}],
            "notify_customer": False,
        },
        origin=CaseOrigin.storefront,
    )
    session.commit()
    return Shop(account, members, actors, channel, order, case)


@pytest.fixture
def shop(session, make_account, make_member, make_channel, make_order) -> Shop:
    return build_shop(session, make_account, make_member, make_channel, make_order, name="Tričkárna")


@pytest.fixture
def other_shop(session, make_account, make_member, make_channel, make_order) -> Shop:
    return build_shop(session, make_account, make_member, make_channel, make_order, name="Cizí obchod")


def sign_in(client: FlaskClient, email: str, password: str = TEST_PASSWORD) -> None:
    response = client.post("/admin/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def client_for(app, shop):
    """``client_for(Role.agent)`` → a test client signed in as that role's member of ``shop``."""

    def factory(role: Role, of: Shop | None = None) -> FlaskClient:
        target = of or shop
        client = app.test_client()
        sign_in(client, target.members[role].email)
        return client

    return factory
