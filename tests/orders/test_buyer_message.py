"""The link to our returns form, sent once to a paid order's buyer through Allegro's message centre."""

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from adapters.allegro import adapter as allegro_adapter
from adapters.allegro.client import PUBLIC_MEDIA_TYPE
from adapters.allegro.install import AllegroHosts
from marketplace_app import create_app
from marketplace_app.platforms import register_adapters
from retino_core import clock
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import ChannelStatus, Platform
from retino_core.orders.models import Order
from retino_core.orders.tasks import (
    buyer_message_due,
    buyer_message_text,
    claim_order_for_message,
    form_link,
    message_buyer,
)
from tests.adapters.allegro.test_adapter import Exchanges
from tests.platforms.conftest import server  # noqa: F401 - the scripted peer, for a failing Allegro

FORM_ID = "29738e61-7f6a-11e8-ac45-09db60ede9d6"


@pytest.fixture(autouse=True)
def _adapters():
    register_adapters()


@pytest.fixture
def allegro(session, make_account, make_channel, make_order, settings):
    """A Polish account with an Allegro channel that messages buyers, and one paid order."""
    account = make_account(country="PL", name="Sklep Kubek")
    channel = make_channel(
        account,
        platform=Platform.allegro,
        external_shop_id="46968690",
        name="kubek_sklep",
        country="PL",
        currency="PLN",
        default_language="pl",
        message_buyers=True,
        credentials_encrypted=CredentialCipher(settings.secret_key).encrypt({"access_token": "stored-token"}),
    )
    order = make_order(
        channel,
        external_id=FORM_ID,
        code=FORM_ID,
        customer_email="buyer+abc@allegromail.pl",
        paid_at=clock.now() - timedelta(hours=1),
    )
    session.commit()
    return account, channel, order


# when a message is due


def test_a_paid_order_of_a_messaging_channel_is_due(session, allegro):
    _, channel, order = allegro

    assert buyer_message_due(session, channel, order) is True


@pytest.mark.parametrize(
    "change",
    [
        lambda channel, order: setattr(channel, "message_buyers", False),
        lambda channel, order: setattr(order, "paid_at", None),
        lambda channel, order: setattr(order, "buyer_messaged_at", clock.now()),
        lambda channel, order: setattr(channel, "status", ChannelStatus.disabled),
        lambda channel, order: setattr(channel, "platform", Platform.woocommerce),
    ],
    ids=["setting-off", "unpaid", "messaged", "disabled", "no-messaging"],
)
def test_an_order_is_not_due_otherwise(session, allegro, change):
    _, channel, order = allegro
    change(channel, order)

    assert buyer_message_due(session, channel, order) is False


# the text


def test_the_link_is_the_pre_filled_direct_link_with_encoded_values(settings, allegro):
    _, channel, order = allegro

    assert form_link(settings, channel, order) == (
        f"http://shop.example.test/storefront/{channel.public_id}/start"
        f"?type=return&order={FORM_ID}&email=buyer%2Babc%40allegromail.pl"
    )


def test_the_text_is_polish_by_default_and_signed_with_the_shops_name(settings, allegro):
    account, channel, order = allegro

    text = buyer_message_text(settings, account, channel, order)

    assert text.startswith("Dzień dobry,\n\ndziękujemy za zamówienie w Sklep Kubek.")
    assert form_link(settings, channel, order) in text
    assert text.endswith("Pozdrawiamy\nSklep Kubek")


@pytest.mark.parametrize(
    ("language", "greeting"),
    [
        ("cs", "Dobrý den,"),
        ("sk", "Dobrý deň,"),
        ("en", "Hello,"),
        ("de", "Guten Tag,"),
        ("hu", "Jó napot kívánunk!"),
        ("pl", "Dzień dobry,"),
        ("fr", "Dzień dobry,"),
        ("", "Dzień dobry,"),
    ],
)
def test_the_text_speaks_the_orders_language(settings, allegro, language, greeting):
    account, channel, order = allegro
    order.language = language

    assert buyer_message_text(settings, account, channel, order).splitlines()[0] == greeting


def test_the_branding_of_the_language_names_the_shop(session, settings, allegro):
    account, channel, order = allegro
    order.language = "cs"
    branding = next(branding for branding in account.brandings if branding.language == "cs")
    branding.shop_name = "Hrnky.cz"
    session.flush()

    assert buyer_message_text(settings, account, channel, order).endswith("S pozdravem\nHrnky.cz")


# the job


@pytest.fixture
def exchanges(monkeypatch):
    """Every request the adapters built in the jobs send, recorded (the jobs build their own clients)."""
    recorded = Exchanges()
    original = allegro_adapter.build_client

    def build_client(*args, **kwargs):
        return original(*args, **{**kwargs, "session": recorded.session})

    monkeypatch.setattr(allegro_adapter, "build_client", build_client)
    return recorded


@pytest.fixture
def runtime_for(settings, engine, monkeypatch):
    apps = []

    def factory(api_url):
        monkeypatch.setattr(
            allegro_adapter, "hosts_for", lambda environment: AllegroHosts("http://127.0.0.1:9", api_url)
        )
        app = create_app(settings)
        apps.append(app)
        return app.extensions["retino_runtime"]

    yield factory
    for app in apps:
        app.extensions["retino_runtime"].close()


def _run(runtime, order):
    with runtime.unit_of_work() as job_session:
        message_buyer(runtime.job_context(job_session, account_id=order.account_id), order.id)


def _messaged_at(session, order):
    session.rollback()
    return session.scalar(select(Order.buyer_messaged_at).where(Order.id == order.id))


def test_the_job_sends_the_link_once_however_often_it_runs(
    session, settings, allegro, exchanges, runtime_for, prism_allegro
):
    account, channel, order = allegro
    runtime = runtime_for(prism_allegro)

    _run(runtime, order)
    _run(runtime, order)

    assert exchanges.calls() == [("GET", f"/order/checkout-forms/{FORM_ID}"), ("POST", "/messaging/messages")]
    assert exchanges.request_violations() == []
    (body,) = exchanges.bodies("/messaging/messages")
    assert body == {
        "recipient": {"login": "User_Login"},
        "text": buyer_message_text(settings, account, channel, order),
        "order": {"id": FORM_ID},
    }
    assert exchanges.responses[-1].request.headers["Content-Type"] == PUBLIC_MEDIA_TYPE
    assert _messaged_at(session, order) is not None


def test_a_failed_send_is_not_retried(session, allegro, exchanges, runtime_for, server):  # noqa: F811
    _, _, order = allegro
    form = json.dumps({"id": FORM_ID, "buyer": {"login": "User_Login"}}).encode()
    server.answer(
        (200, {"Content-Type": PUBLIC_MEDIA_TYPE}, form),
        (503, {"Content-Type": PUBLIC_MEDIA_TYPE}, b'{"errors":[{"message":"busy"}]}'),
    )
    runtime = runtime_for(server.url)

    _run(runtime, order)
    _run(runtime, order)

    assert [(request.method, request.path) for request in server.received] == [
        ("GET", f"/order/checkout-forms/{FORM_ID}"),
        ("POST", "/messaging/messages"),
    ]
    assert _messaged_at(session, order) is not None


def test_a_message_no_longer_wanted_is_not_sent(session, allegro, exchanges, runtime_for, prism_allegro):
    _, channel, order = allegro
    channel.message_buyers = False
    session.commit()

    _run(runtime_for(prism_allegro), order)

    assert exchanges.calls() == []
    assert _messaged_at(session, order) is None


def test_of_racing_claims_exactly_one_wins(session_factory, allegro):
    _, _, order = allegro
    results = []
    start = threading.Barrier(4)

    def claim():
        start.wait(5)
        results.append(claim_order_for_message(session_factory, account_id=order.account_id, order_id=order.id))

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert sorted(results) == [False, False, False, True]


def test_another_accounts_order_cannot_be_claimed(session_factory, allegro, make_account, session):
    _, _, order = allegro
    other = make_account()
    session.commit()

    assert claim_order_for_message(session_factory, account_id=other.id, order_id=order.id) is False
