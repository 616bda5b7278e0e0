"""WooCommerce webhook intake: verify byte for byte, store once per (channel, delivery id), upsert in a job."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from adapters.woocommerce_bridge.tasks import process_woocommerce_delivery
from marketplace_app import create_app
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import Account, AccountStatus, ChannelStatus, Platform
from retino_core.jobs import OutboxJob, OutboxStatus, run_outbox_job
from retino_core.orders.models import Order
from retino_core.webhooks.actions import accept_delivery
from retino_core.webhooks.models import WebhookDelivery
from tests.adapters.examples import example_bytes, example_json
from tests.browser.conftest import serve

STORED_DELIVERY_ID = "5d1f2c3b4a5e6f708192a3b4c5d6e7f8"
JOB_NAME = "adapters.woocommerce_bridge.tasks.process_woocommerce_delivery"


def _vector():
    return example_json("woocommerce", "order-webhook.headers.json")


def _body() -> bytes:
    return example_bytes("woocommerce", _vector()["body_file"])


def _headers(**overrides):
    headers = {name: value for name, value in _vector()["headers"].items() if name not in overrides}
    headers.update({name: value for name, value in overrides.items() if value is not None})
    return headers


@pytest.fixture
def app(settings, engine):
    app = create_app(settings)
    yield app
    app.extensions["retino_runtime"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def woo_channel(session, settings, make_account, make_channel):
    def factory(account=None, secret=None):
        cipher = CredentialCipher(settings.secret_key)
        credentials = {
            "consumer_key": "ck_1",
            "consumer_secret": "cs_1",
            "webhook_secret": secret or _vector()["secret"],
        }
        channel = make_channel(
            account or make_account(),
            platform=Platform.woocommerce,
            shop_url="https://example.com",
            credentials_encrypted=cipher.encrypt(credentials),
        )
        session.commit()
        return channel

    return factory


def _post(client, channel, body=None, headers=None):
    return client.post(
        f"/webhooks/woocommerce/{channel.public_id}",
        data=_body() if body is None else body,
        headers=_headers() if headers is None else headers,
    )


def _counts(session):
    """(deliveries, outbox jobs, orders) as committed; ends the read so no lock is held (SQLite)."""
    session.rollback()
    counts = (
        session.scalar(select(func.count()).select_from(WebhookDelivery)),
        session.scalar(select(func.count()).select_from(OutboxJob)),
        session.scalar(select(func.count()).select_from(Order)),
    )
    session.rollback()
    return counts


def test_stored_signed_example_is_stored_once_and_its_job_upserts_the_order(client, session, woo_channel):
    channel = woo_channel()

    response = _post(client, channel)

    assert (response.status_code, response.get_json()) == (201, {"status": "accepted"})
    session.rollback()
    delivery = session.scalars(select(WebhookDelivery)).one()
    assert (delivery.account_id, delivery.channel_id, delivery.platform, delivery.dedupe_key) == (
        channel.account_id,
        channel.id,
        Platform.woocommerce,
        STORED_DELIVERY_ID,
    )
    assert delivery.raw_body == _body()
    assert delivery.processed_at is not None
    outbox = session.scalars(select(OutboxJob)).one()
    assert (outbox.job_name, outbox.args, outbox.account_id, outbox.status) == (
        JOB_NAME,
        [delivery.id],
        channel.account_id,
        OutboxStatus.done,
    )
    order = session.scalars(select(Order)).one()
    assert (order.channel_id, order.external_id, order.code, order.currency, str(order.total_amount)) == (
        channel.id,
        "727",
        "727",
        "USD",
        "29.35",
    )
    assert len(order.items) == 2


def test_the_same_delivery_again_is_a_200_duplicate_with_nothing_new(client, session, woo_channel):
    channel = woo_channel()
    assert _post(client, channel).status_code == 201

    response = _post(client, channel)

    assert (response.status_code, response.get_json()) == (200, {"status": "duplicate"})
    assert _counts(session) == (1, 1, 1)


def test_the_job_is_pending_until_dispatched_and_runs_its_effect_once(app, session, woo_channel):
    channel = woo_channel()
    # A session without a dispatcher: the job stays pending, as it would until a worker takes it.
    delivery, created = accept_delivery(
        session, channel=channel, dedupe_key="d-1", raw_body=_body(), process=process_woocommerce_delivery
    )
    session.commit()
    delivery_id, account_id = delivery.id, channel.account_id
    assert created is True
    outbox_id = session.scalars(select(OutboxJob.id)).one()
    assert _counts(session) == (1, 1, 0)
    runtime = app.extensions["retino_runtime"]

    run_outbox_job(runtime, outbox_id)
    session.rollback()
    first_processed = session.get(WebhookDelivery, delivery_id).processed_at
    session.rollback()
    # A second run of the same job (at-least-once delivery) finds the delivery processed and does nothing.
    with runtime.unit_of_work() as job_session:
        process_woocommerce_delivery(runtime.job_context(job_session, account_id=account_id), delivery_id)

    session.rollback()
    assert _counts(session) == (1, 1, 1)
    assert session.get(WebhookDelivery, delivery_id).processed_at == first_processed
    assert first_processed is not None


@pytest.mark.parametrize("position", [0, 1000, -1])
def test_one_changed_byte_is_401_and_nothing_is_stored(client, session, woo_channel, position):
    channel = woo_channel()
    body = bytearray(_body())
    body[position] ^= 0x01

    response = _post(client, channel, body=bytes(body))

    assert (response.status_code, response.get_json()) == (401, {"error": "invalid signature"})
    assert _counts(session) == (0, 0, 0)


def test_a_wrong_secret_is_401_and_nothing_is_stored(client, session, woo_channel):
    channel = woo_channel(secret="another-secret")

    response = _post(client, channel)

    assert (response.status_code, response.get_json()) == (401, {"error": "invalid signature"})
    assert _counts(session) == (0, 0, 0)


@pytest.mark.parametrize("missing", ["X-WC-Webhook-Signature", "X-WC-Webhook-Delivery-ID"])
def test_missing_headers_are_401_with_a_log_line_and_nothing_stored(client, session, woo_channel, caplog, missing):
    channel = woo_channel()

    response = _post(client, channel, headers=_headers(**{missing: None}))

    assert (response.status_code, response.get_json()) == (401, {"error": "invalid signature"})
    assert _counts(session) == (0, 0, 0)
    assert f"woocommerce channel {channel.id}: delivery refused: {missing} is missing" in caplog.messages


def test_a_channel_without_credentials_is_401_and_nothing_stored(client, session, make_account, make_channel):
    channel = make_channel(make_account(), platform=Platform.woocommerce)
    session.commit()

    response = _post(client, channel)

    assert (response.status_code, response.get_json()) == (401, {"error": "channel not connected"})
    assert _counts(session) == (0, 0, 0)


def test_unknown_channel_is_404(client, session):
    response = client.post("/webhooks/woocommerce/no-such-channel", data=_body(), headers=_headers())

    assert response.status_code == 404
    assert _counts(session) == (0, 0, 0)


def test_a_channel_of_another_platform_is_404(client, session, make_account, make_channel):
    channel = make_channel(make_account(), platform=Platform.shoptet)
    session.commit()

    assert _post(client, channel).status_code == 404
    assert _counts(session) == (0, 0, 0)


def test_get_is_not_allowed(client, woo_channel):
    channel = woo_channel()

    assert client.get(f"/webhooks/woocommerce/{channel.public_id}").status_code == 405


def test_ping_is_200_and_stores_nothing(client, session, woo_channel):
    channel = woo_channel()

    response = client.post(
        f"/webhooks/woocommerce/{channel.public_id}",
        data=example_bytes("woocommerce", "webhook-ping.body.txt"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 200
    assert _counts(session) == (0, 0, 0)


def test_a_signed_body_that_is_not_json_is_400_and_nothing_stored(client, session, woo_channel):
    import base64
    import hashlib
    import hmac

    channel = woo_channel()
    body = b'{"id": 727,'
    signature = base64.b64encode(hmac.new(_vector()["secret"].encode(), body, hashlib.sha256).digest()).decode()

    response = _post(client, channel, body=body, headers=_headers(**{"X-WC-Webhook-Signature": signature}))

    assert (response.status_code, response.get_json()) == (400, {"error": "body is not JSON"})
    assert _counts(session) == (0, 0, 0)


def test_the_same_delivery_id_on_another_channel_is_another_delivery(client, session, woo_channel):
    first = woo_channel()
    second = woo_channel()

    assert _post(client, first).status_code == 201
    assert _post(client, second).status_code == 201

    session.rollback()
    rows = session.execute(
        select(WebhookDelivery.channel_id, WebhookDelivery.dedupe_key).order_by(WebhookDelivery.id)
    ).all()
    assert rows == [(first.id, STORED_DELIVERY_ID), (second.id, STORED_DELIVERY_ID)]
    assert session.execute(select(Order.channel_id, Order.account_id).order_by(Order.id)).all() == [
        (first.id, first.account_id),
        (second.id, second.account_id),
    ]
    assert _counts(session) == (2, 2, 2)


def test_the_same_delivery_20_times_concurrently_stores_one_row_and_one_job(settings, session, woo_channel):
    channel = woo_channel()
    server = serve(settings)
    base_url = next(server)
    barrier = threading.Barrier(20)

    def deliver(_):
        barrier.wait(timeout=30)
        response = requests.post(
            f"{base_url}/webhooks/woocommerce/{channel.public_id}", data=_body(), headers=_headers(), timeout=60
        )
        return response.status_code, response.json()

    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(deliver, range(20)))
    finally:
        server.close()

    assert sorted(status for status, _ in results) == [200] * 19 + [201]
    assert sorted(body["status"] for _, body in results) == ["accepted"] + ["duplicate"] * 19
    assert _counts(session) == (1, 1, 1)
    assert session.scalars(select(OutboxJob.status)).one() is OutboxStatus.done


@pytest.mark.parametrize("switched_off", ["channel", "account"])
def test_a_disabled_channel_or_deactivated_account_is_acknowledged_and_ignored(
    client, session, woo_channel, switched_off
):
    channel = woo_channel()
    if switched_off == "channel":
        channel.status = ChannelStatus.disabled
    else:
        session.get(Account, channel.account_id).status = AccountStatus.deactivated
    session.commit()
    response = _post(client, channel)
    assert response.status_code == 200
    assert response.get_json() == {"status": "ignored"}
    assert _counts(session) == (0, 0, 0)


def test_processed_deliveries_older_than_30_days_are_pruned(app, session, woo_channel):
    from datetime import timedelta

    from retino_core import clock
    from retino_core.webhooks.tasks import prune_webhook_deliveries

    channel = woo_channel()
    now = clock.now()
    for key, received, processed in (
        ("old-done", now - timedelta(days=31), now - timedelta(days=31)),
        ("old-waiting", now - timedelta(days=31), None),
        ("recent-done", now - timedelta(days=29), now - timedelta(days=29)),
    ):
        session.add(
            WebhookDelivery(
                account_id=channel.account_id,
                channel_id=channel.id,
                platform=Platform.woocommerce,
                dedupe_key=key,
                received_at=received,
                raw_body=b"{}",
                processed_at=processed,
            )
        )
    session.commit()
    runtime = app.extensions["retino_runtime"]

    with runtime.unit_of_work() as job_session:
        prune_webhook_deliveries(runtime.job_context(job_session, account_id=None))

    session.expire_all()
    assert sorted(session.scalars(select(WebhookDelivery.dedupe_key))) == ["old-waiting", "recent-done"]
