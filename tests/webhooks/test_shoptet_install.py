"""The Shoptet add-on end to end: install URL → OAuth code exchange → install job → webhooks and sync.

The OAuth server is a local peer (it is not in the API spec); the Shoptet API is the Prism mock of
the official spec, so every request our jobs send is validated against it.
"""

import hashlib
import hmac
import json

import pytest
from sqlalchemy import func, select

from adapters.shoptet.tasks import process_shoptet_delivery
from marketplace_app import create_app
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import (
    Account,
    AccountStatus,
    ChannelStatus,
    Invitation,
    Platform,
    Role,
    SalesChannel,
)
from retino_core.jobs import OutboxJob, OutboxStatus
from retino_core.orders.models import Order
from retino_core.webhooks.actions import accept_delivery
from retino_core.webhooks.models import WebhookDelivery
from tests.adapters.examples import example_bytes, example_json
from tests.adapters.shoptet.oauth_peer import CLIENT_ID, GOOD_CODE

ESHOP_ID = "222651"
SIGNATURE_KEY = "8a5e881b19ad6cc0bc986587b22e30be"


@pytest.fixture
def app(shoptet_settings, engine):
    app = create_app(shoptet_settings)
    yield app
    app.extensions["retino_runtime"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def _install(client, code=GOOD_CODE):
    return client.get("/connect/shoptet/install", query_string={"code": code})


def _credentials(settings, channel):
    return CredentialCipher(settings.secret_key).decrypt(channel.credentials_encrypted)


def _jobs(session):
    session.rollback()
    rows = session.execute(select(OutboxJob.job_name, OutboxJob.status).order_by(OutboxJob.id)).all()
    session.rollback()
    return [(name.rsplit(".", 1)[-1], status) for name, status in rows]


def test_install_exchanges_the_code_creates_the_account_and_finishes_in_jobs(
    client, session, shoptet_oauth_peer, shoptet_settings
):
    response = _install(client)

    assert (response.status_code, response.get_json()) == (200, {"status": "installed"})
    assert shoptet_oauth_peer.token_requests == [
        {
            "client_id": CLIENT_ID,
            "code": GOOD_CODE,
            "grant_type": "authorization_code",
            "redirect_uri": "http://shop.example.test/connect/shoptet/install",
            "scope": "api",
        }
    ]
    session.rollback()
    account = session.scalars(select(Account)).one()
    assert (account.slug, account.name, account.country, account.default_currency, account.status) == (
        "shoptet-222651",
        "12345.myshoptet.com",
        "CZ",
        "CZK",
        AccountStatus.active,
    )
    channel = session.scalars(select(SalesChannel)).one()
    assert (channel.platform, channel.external_shop_id, channel.shop_url, channel.status) == (
        Platform.shoptet,
        ESHOP_ID,
        "https://12345.myshoptet.com/",
        ChannelStatus.connected,
    )
    credentials = _credentials(shoptet_settings, channel)
    assert credentials["oauth_access_token"] == shoptet_oauth_peer.oauth_token
    # The install job renewed the signature key at the (mocked) API and stored its answer.
    assert len(credentials["signature_key"]) > 0
    invitation = session.scalars(select(Invitation)).one()
    assert (invitation.email, invitation.role, invitation.account_id) == (
        "customer@example.com",
        Role.owner,
        account.id,
    )
    # Install job, the invitation e-mail, then the sync that registered webhooks and imported orders.
    jobs = _jobs(session)
    assert ("complete_shoptet_install", OutboxStatus.done) in jobs
    assert ("sync_channel", OutboxStatus.done) in jobs
    session.rollback()
    channel = session.get(SalesChannel, channel.id)
    assert channel.last_synced_at is not None
    assert channel.sync_cursor.startswith("changes|")
    assert session.scalar(select(func.count()).select_from(Order).where(Order.channel_id == channel.id)) >= 1
    # One API access token served every call of the install job and the sync.
    assert len(shoptet_oauth_peer.access_token_requests) == 1


def test_a_refused_code_is_400_and_stores_nothing(client, session, shoptet_oauth_peer):
    response = _install(client, code="not-the-code")

    assert (response.status_code, response.get_json()) == (400, {"error": "install code refused"})
    assert len(shoptet_oauth_peer.token_requests) == 1
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Account)) == 0
    assert session.scalar(select(func.count()).select_from(OutboxJob)) == 0


def test_a_missing_code_is_400_without_calling_the_oauth_server(client, session, shoptet_oauth_peer):
    response = client.get("/connect/shoptet/install")

    assert response.status_code == 400
    assert shoptet_oauth_peer.token_requests == []


def test_an_answer_without_an_eshop_id_is_400_and_stores_nothing(client, session, shoptet_oauth_peer):
    del shoptet_oauth_peer.grant["eshopId"]

    assert _install(client).status_code == 400
    session.rollback()
    assert session.scalar(select(func.count()).select_from(SalesChannel)) == 0


def test_without_a_configured_add_on_the_install_url_says_so(settings, engine):
    app = create_app(settings)
    try:
        response = app.test_client().get("/connect/shoptet/install", query_string={"code": GOOD_CODE})
    finally:
        app.extensions["retino_runtime"].close()

    assert (response.status_code, response.get_json()) == (503, {"error": "the Shoptet add-on is not configured here"})


def test_a_reinstall_keeps_the_account_and_switches_it_back_on(client, session, shoptet_oauth_peer, shoptet_settings):
    assert _install(client).status_code == 200
    session.rollback()
    channel = session.scalars(select(SalesChannel)).one()
    account = session.get(Account, channel.account_id)
    channel.status = ChannelStatus.disabled
    channel.credentials_encrypted = None
    account.status = AccountStatus.deactivated
    session.commit()
    shoptet_oauth_peer.grant["access_token"] = "a-new-oauth-token"

    assert _install(client).status_code == 200

    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Account)) == 1
    channel = session.scalars(select(SalesChannel)).one()
    assert channel.status is ChannelStatus.connected
    assert _credentials(shoptet_settings, channel)["oauth_access_token"] == "a-new-oauth-token"
    assert session.get(Account, channel.account_id).status is AccountStatus.active
    # The owner was invited once, at the first install.
    assert session.scalar(select(func.count()).select_from(Invitation)) == 1


# --- webhooks


@pytest.fixture
def shoptet_channel(session, shoptet_settings, make_account, make_channel, shoptet_oauth_peer):
    def factory(signature_key=SIGNATURE_KEY, eshop_id=ESHOP_ID):
        cipher = CredentialCipher(shoptet_settings.secret_key)
        channel = make_channel(
            make_account(),
            platform=Platform.shoptet,
            external_shop_id=eshop_id,
            credentials_encrypted=cipher.encrypt(
                {"oauth_access_token": shoptet_oauth_peer.oauth_token, "signature_key": signature_key}
            ),
        )
        session.commit()
        return channel

    return factory


def _signed(body: bytes, key: str = SIGNATURE_KEY) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Shoptet-Webhook-Signature": hmac.new(key.encode(), body, hashlib.sha1).hexdigest(),
    }


def _counts(session):
    session.rollback()
    counts = (
        session.scalar(select(func.count()).select_from(WebhookDelivery)),
        session.scalar(select(func.count()).select_from(Order)),
    )
    session.rollback()
    return counts


def test_the_signed_example_verifies_byte_for_byte_and_its_job_fetches_the_order(client, session, shoptet_channel):
    channel = shoptet_channel()
    vector = example_json("shoptet", "webhook-order-create.headers.json")
    body = example_bytes("shoptet", vector["body_file"])

    response = client.post(f"/webhooks/shoptet/{channel.public_id}", data=body, headers=vector["headers"])

    assert (response.status_code, response.get_json()) == (201, {"status": "accepted"})
    session.rollback()
    delivery = session.scalars(select(WebhookDelivery)).one()
    assert delivery.dedupe_key == "222651|order:create|2018000057|2019-01-08T15:13:39+0100"
    assert delivery.raw_body == body
    assert delivery.processed_at is not None
    order = session.scalars(select(Order)).one()
    assert (order.channel_id, order.account_id) == (channel.id, channel.account_id)

    again = client.post(f"/webhooks/shoptet/{channel.public_id}", data=body, headers=vector["headers"])

    assert (again.status_code, again.get_json()) == (200, {"status": "duplicate"})
    assert _counts(session) == (1, 1)


@pytest.mark.parametrize("position", [0, 20, -1])
def test_one_changed_byte_is_401_and_nothing_stored(client, session, shoptet_channel, position):
    channel = shoptet_channel()
    vector = example_json("shoptet", "webhook-order-create.headers.json")
    body = bytearray(example_bytes("shoptet", vector["body_file"]))
    body[position] ^= 0x01

    response = client.post(f"/webhooks/shoptet/{channel.public_id}", data=bytes(body), headers=vector["headers"])

    assert (response.status_code, response.get_json()) == (401, {"error": "invalid signature"})
    assert _counts(session) == (0, 0)


def test_a_delivery_for_another_eshop_signed_with_our_key_is_refused(client, session, shoptet_channel, caplog):
    channel = shoptet_channel(eshop_id="999")
    body = example_bytes("shoptet", "webhook-order-create.body.json")

    response = client.post(f"/webhooks/shoptet/{channel.public_id}", data=body, headers=_signed(body))

    assert response.status_code == 401
    assert _counts(session) == (0, 0)
    assert f"shoptet channel {channel.id}: delivery refused: webhook for e-shop 222651, this channel is 999" in (
        caplog.messages
    )


def test_a_signed_body_that_is_not_json_is_400(client, session, shoptet_channel):
    channel = shoptet_channel()
    body = b'{"eshopId": 222651,'

    response = client.post(f"/webhooks/shoptet/{channel.public_id}", data=body, headers=_signed(body))

    assert response.status_code in (400, 401)
    assert _counts(session) == (0, 0)


def test_unknown_channel_is_404_and_a_woocommerce_channel_is_404(client, session, make_account, make_channel):
    woo = make_channel(make_account(), platform=Platform.woocommerce)
    session.commit()
    body = example_bytes("shoptet", "webhook-order-create.body.json")

    assert client.post("/webhooks/shoptet/nope", data=body, headers=_signed(body)).status_code == 404
    assert client.post(f"/webhooks/shoptet/{woo.public_id}", data=body, headers=_signed(body)).status_code == 404


def _addon_event(event: str, created: str = "2026-12-06T10:00:00+0100") -> bytes:
    return json.dumps(
        {"eshopId": 222651, "event": event, "eventCreated": created, "eventInstance": "222651"}, separators=(",", ":")
    ).encode()


def test_uninstall_disables_the_channel_deletes_its_tokens_and_makes_the_account_read_only(
    client, session, shoptet_channel
):
    channel = shoptet_channel()
    body = _addon_event("addon:uninstall")

    response = client.post("/webhooks/shoptet", data=body, headers=_signed(body))

    assert response.status_code == 201
    session.expire_all()
    channel = session.get(SalesChannel, channel.id)
    assert (channel.status, channel.credentials_encrypted) == (ChannelStatus.disabled, None)
    assert session.get(Account, channel.account_id).status is AccountStatus.deactivated


def test_suspend_keeps_the_tokens_and_approve_switches_everything_back_on(client, session, shoptet_channel):
    channel = shoptet_channel()
    suspend = _addon_event("addon:suspend")
    assert client.post("/webhooks/shoptet", data=suspend, headers=_signed(suspend)).status_code == 201
    session.expire_all()
    assert session.get(SalesChannel, channel.id).status is ChannelStatus.disabled
    assert session.get(SalesChannel, channel.id).credentials_encrypted is not None
    assert session.get(Account, channel.account_id).status is AccountStatus.deactivated
    session.expire_all()

    approve = _addon_event("addon:approve", created="2026-12-06T11:00:00+0100")
    assert client.post("/webhooks/shoptet", data=approve, headers=_signed(approve)).status_code == 201

    session.expire_all()
    assert session.get(SalesChannel, channel.id).status is ChannelStatus.connected
    assert session.get(Account, channel.account_id).status is AccountStatus.active


def test_an_account_with_another_active_channel_stays_active_after_an_uninstall(
    client, session, shoptet_channel, make_channel
):
    channel = shoptet_channel()
    account = session.get(Account, channel.account_id)
    make_channel(account, platform=Platform.woocommerce)
    session.commit()
    body = _addon_event("addon:uninstall")

    assert client.post("/webhooks/shoptet", data=body, headers=_signed(body)).status_code == 201

    session.expire_all()
    assert session.get(Account, account.id).status is AccountStatus.active


def test_addon_events_for_an_unknown_eshop_are_404_and_badly_signed_ones_401(client, session, shoptet_channel):
    shoptet_channel()
    unknown = json.dumps({"eshopId": 1, "event": "addon:uninstall", "eventCreated": "x", "eventInstance": "1"}).encode()
    uninstall = _addon_event("addon:uninstall")

    assert client.post("/webhooks/shoptet", data=unknown, headers=_signed(unknown)).status_code == 404
    assert client.post("/webhooks/shoptet", data=uninstall, headers=_signed(uninstall, "wrong")).status_code == 401
    assert client.post("/webhooks/shoptet", data=b"[]", headers=_signed(b"[]")).status_code == 400
    order_event = example_bytes("shoptet", "webhook-order-create.body.json")
    assert client.post("/webhooks/shoptet", data=order_event, headers=_signed(order_event)).status_code == 400
    assert _counts(session) == (0, 0)
    session.rollback()
    assert session.scalars(select(SalesChannel.status)).one() is ChannelStatus.connected


def test_a_delivery_job_run_twice_upserts_once(app, session, shoptet_channel):
    channel = shoptet_channel()
    body = example_bytes("shoptet", "webhook-order-create.body.json")
    delivery, _ = accept_delivery(
        session, channel=channel, dedupe_key="k-1", raw_body=body, process=process_shoptet_delivery
    )
    session.commit()
    runtime = app.extensions["retino_runtime"]
    for _ in range(2):
        with runtime.unit_of_work() as job_session:
            process_shoptet_delivery(runtime.job_context(job_session, account_id=channel.account_id), delivery.id)

    assert _counts(session) == (1, 1)
