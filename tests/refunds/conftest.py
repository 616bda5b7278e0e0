"""Channels of each platform whose adapters talk to the Prism mocks (or a local peer), and a job runtime.

The process-wide adapter registry is swapped for a fresh one per test (``platforms``) and given
factories that build the real adapters against the mock's URL with a recording HTTP session and
no retry waits; the core code under test finds them through ``get_adapter`` as in production.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import requests
from sqlalchemy import select

from adapters.allegro import adapter as allegro_adapter
from adapters.allegro import mapping as allegro_mapping
from adapters.allegro.client import build_client as build_allegro_client
from adapters.shoptet.adapter import ShoptetAdapter
from adapters.shoptet.client import ShoptetClient
from adapters.woocommerce_bridge import mapping as woocommerce_mapping
from adapters.woocommerce_bridge.adapter import WooCommerceAdapter
from adapters.woocommerce_bridge.client import WooCommerceClient, WooCommerceCredentials
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import Platform
from retino_core.accounts.permissions import Role
from retino_core.cases.actions import open_case
from retino_core.cases.models import CaseOrigin
from retino_core.jobs import OutboxJob
from retino_core.money import Money
from retino_core.orders.actions import upsert_order
from retino_core.platforms import registry as registry_module
from retino_core.platforms.http import PlatformHttp, RetryPolicy
from retino_core.platforms.registry import AdapterRegistry
from retino_core.runtime import build_runtime
from tests.adapters.examples import example_bytes

#: The seller id of the Allegro channel (any: Prism does not check it).
ALLEGRO_SELLER_ID = "437848322"
ALLEGRO_TOKEN = "test-access-token"
#: The order code the Shoptet spec's invoice and credit-note examples belong to.
SHOPTET_ORDER_CODE = "2017000017"


@dataclass
class Wire:
    """Every response the adapters received, in order, with the request that caused it."""

    responses: list[requests.Response] = field(default_factory=list)
    #: ``(method, path)`` → a status the first such response is replaced with (an answer "lost" on the way).
    replace_first: dict[tuple[str, str], int] = field(default_factory=dict)

    def session(self) -> requests.Session:
        session = requests.Session()
        session.hooks["response"].append(self._record)
        return session

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        key = (response.request.method or "", response.request.path_url)
        status = self.replace_first.pop(key, None)
        if status is not None:
            response.status_code = status
            response._content = b'{"errors": [{"message": "lost on the way"}]}'
        self.responses.append(response)
        return response

    @property
    def calls(self) -> list[tuple[str, str]]:
        return [(response.request.method or "", response.request.path_url) for response in self.responses]

    def bodies(self, method: str, path: str) -> list[Any]:
        return [
            json.loads(response.request.body or b"")
            for response in self.responses
            if (response.request.method, response.request.path_url) == (method, path)
        ]

    def request_violations(self) -> list[str]:
        """Prism's complaints about our requests (the vendors' own examples break their response schemas)."""
        found = []
        for response in self.responses:
            for violation in json.loads(response.headers.get("sl-violations", "[]")):
                if violation.get("location", [""])[0] == "request":
                    found.append(violation["message"])
        return found


@pytest.fixture
def wire() -> Wire:
    return Wire()


def _http() -> PlatformHttp:
    return PlatformHttp(retry=RetryPolicy(max_attempts=1), sleep=lambda seconds: None)


def woocommerce_factory(root: str, wire: Wire) -> Any:
    """Like the real factory (credentials from the channel, ValueError without), but at ``root`` over ``wire``."""

    def create(*, channel: Any, cipher: CredentialCipher, **runtime: Any) -> WooCommerceAdapter:
        credentials = WooCommerceCredentials.from_channel(channel, cipher)
        client = WooCommerceClient.build(
            _http(),
            root=root,
            credentials=credentials,
            installation_key=f"woocommerce:{channel.id}",
            session=wire.session(),
        )
        return WooCommerceAdapter(client=client, webhook_secret=credentials.webhook_secret)

    return create


def allegro_factory(base_url: str, wire: Wire, *, stored_token: bool = False) -> Any:
    """The adapter at ``base_url``; with ``stored_token`` it reads the channel's token as production does."""

    def create(*, channel: Any, cipher: CredentialCipher, **runtime: Any) -> allegro_adapter.AllegroAdapter:
        provider = allegro_adapter.stored_token_provider(channel, cipher) if stored_token else (lambda: ALLEGRO_TOKEN)
        client = build_allegro_client(
            _http(),
            base_url=base_url,
            seller_id=channel.external_shop_id,
            token_provider=provider,
            session=wire.session(),
        )
        return allegro_adapter.AllegroAdapter(client=client, seller_id=channel.external_shop_id)

    return create


def shoptet_factory(base_url: str, wire: Wire) -> Any:
    def create(*, channel: Any, **runtime: Any) -> ShoptetAdapter:
        client = ShoptetClient(
            _http(),
            eshop_id=channel.external_shop_id,
            access_token=lambda: "test-api-access-token",
            base_url=base_url,
            session=wire.session(),
        )
        return ShoptetAdapter(client, signature_key="test-signature-key")

    return create


@pytest.fixture
def platforms(monkeypatch: pytest.MonkeyPatch) -> AdapterRegistry:
    """An empty registry in place of the process-wide one, for this test only."""
    registry = AdapterRegistry()
    monkeypatch.setattr(registry_module, "default_registry", registry)
    return registry


@pytest.fixture
def runtime(settings, engine):
    built = build_runtime(settings, engine=engine)
    yield built
    built.close()


@pytest.fixture
def encrypt(settings):
    cipher = CredentialCipher(settings.secret_key)
    return cipher.encrypt


@dataclass
class Shop:
    account: Any
    owner: Any
    owner_user: Any
    channel: Any
    order: Any


@pytest.fixture
def woo_shop(session, make_account, make_member, make_channel, encrypt) -> Shop:
    """A WooCommerce channel with the stored example order 727 (USD 29.35; lines 315 ×2 at 3.23, 316 ×1 at 12.90)."""
    account = make_account()
    user, owner = make_member(account, Role.owner)
    channel = make_channel(
        account,
        platform=Platform.woocommerce,
        currency="USD",
        shop_url="https://shop.example.test",
        credentials_encrypted=encrypt({"consumer_key": "ck_1", "consumer_secret": "cs_1", "webhook_secret": "s"}),
    )
    snapshot = woocommerce_mapping.map_order(
        woocommerce_mapping.parse_json(example_bytes("woocommerce", "order-webhook-payload.order.created.json"))
    )
    order = upsert_order(session, account=account, channel=channel, snapshot=snapshot)
    session.flush()
    return Shop(account, owner, user, channel, order)


@pytest.fixture
def allegro_shop(session, make_account, make_member, make_channel, encrypt) -> Shop:
    """An Allegro channel with the spec's checkout form (PLN 123.45, one line of 1 at 123.45)."""
    account = make_account(country="PL", default_currency="PLN")
    user, owner = make_member(account, Role.owner)
    channel = make_channel(
        account,
        platform=Platform.allegro,
        currency="PLN",
        external_shop_id=ALLEGRO_SELLER_ID,
        credentials_encrypted=encrypt({"access_token": "stored-token"}),
    )
    snapshot = allegro_mapping.map_order(allegro_mapping.parse_json(example_bytes("allegro", "checkout-form.json")))
    order = upsert_order(session, account=account, channel=channel, snapshot=snapshot)
    session.flush()
    return Shop(account, owner, user, channel, order)


@pytest.fixture
def shoptet_shop(session, make_account, make_member, make_channel, make_order, encrypt) -> Shop:
    """A Shoptet channel with order 2017000017: two T-shirts at 121.00 CZK, the spec's invoice total (242.00)."""
    account = make_account()
    user, owner = make_member(account, Role.owner)
    channel = make_channel(
        account, platform=Platform.shoptet, external_shop_id="222651", credentials_encrypted=encrypt({"oauth": "t"})
    )
    order = make_order(channel, [("Tričko", "2", "121.00")], external_id=SHOPTET_ORDER_CODE, code=SHOPTET_ORDER_CODE)
    return Shop(account, owner, user, channel, order)


def open_for(session, shop: Shop, quantities: dict[str, str] | None = None, **payload: Any) -> Any:
    """Open a return for ``shop``'s order claiming ``quantities`` by order line id (default: one of each line)."""
    lines = {item.external_id: item for item in shop.order.items}
    wanted = quantities or {external_id: "1" for external_id in lines}
    case = open_case(
        session,
        account=shop.account,
        actor=shop.owner,
        payload={
            "case_type": "return",
            "order_id": shop.order.id,
            "items": [
                {"order_item_id": lines[external_id].id, "quantity": quantity, "reason": ""}
                for external_id, quantity in wanted.items()
            ],
            "notify_customer": False,
            **payload,
        },
        origin=CaseOrigin.agent,
    )
    session.flush()
    return case


def outbox_rows(session, job_name: str) -> list[OutboxJob]:
    return list(session.scalars(select(OutboxJob).where(OutboxJob.job_name == job_name).order_by(OutboxJob.id)))


def money(amount: str, currency: str) -> Money:
    return Money(Decimal(amount), currency)
