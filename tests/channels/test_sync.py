"""The periodic channel sync: what is due, what one run does, how failures are recorded, "sync now"."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace_app import create_app
from retino_core import clock
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import Account, AccountStatus, ChannelStatus, Platform, Role, SalesChannel
from retino_core.channels.actions import request_channel_sync
from retino_core.channels.errors import ChannelError, ChannelErrorCode
from retino_core.channels.sync import (
    SYNC_INTERVALS,
    is_sync_due,
    schedule_channel_syncs,
    sync_channel,
    webhook_url,
)
from retino_core.errors import DomainError, ErrorKind
from retino_core.jobs import OutboxJob
from retino_core.orders.models import Order

SIGNATURE_KEY = "8a5e881b19ad6cc0bc986587b22e30be"


@pytest.fixture
def runtime(shoptet_settings, engine):
    app = create_app(shoptet_settings)
    yield app.extensions["retino_runtime"]
    app.extensions["retino_runtime"].close()


@pytest.fixture
def shoptet_channel(session, shoptet_settings, make_account, make_channel, shoptet_oauth_peer):
    def factory(account=None, **overrides):
        cipher = CredentialCipher(shoptet_settings.secret_key)
        values = {
            "platform": Platform.shoptet,
            "external_shop_id": "222651",
            "credentials_encrypted": cipher.encrypt(
                {"oauth_access_token": shoptet_oauth_peer.oauth_token, "signature_key": SIGNATURE_KEY}
            ),
        }
        values.update(overrides)
        channel = make_channel(account or make_account(), **values)
        session.commit()
        return channel

    return factory


def _run(runtime, job, *ids, account_id):
    with runtime.unit_of_work() as job_session:
        job(runtime.job_context(job_session, account_id=account_id), *ids)


def _queued_syncs(session):
    session.rollback()
    rows = session.scalars(
        select(OutboxJob.args)
        .where(OutboxJob.job_name == "retino_core.channels.sync.sync_channel")
        .order_by(OutboxJob.id)
    ).all()
    session.rollback()
    return [args[0] for args in rows]


def test_the_intervals_are_data_per_platform():
    assert {
        Platform.shoptet: timedelta(hours=6),
        Platform.woocommerce: timedelta(hours=1),
        Platform.allegro: timedelta(minutes=2),
    } == SYNC_INTERVALS


def test_webhook_urls_name_the_channel_by_its_public_id(settings, make_account, make_channel):
    account = make_account()
    shoptet = make_channel(account, platform=Platform.shoptet)
    woo = make_channel(account, platform=Platform.woocommerce)
    allegro = make_channel(account, platform=Platform.allegro)

    assert webhook_url(settings, shoptet) == f"http://shop.example.test/webhooks/shoptet/{shoptet.public_id}"
    assert webhook_url(settings, woo) == f"http://shop.example.test/webhooks/woocommerce/{woo.public_id}"
    with pytest.raises(ValueError, match="allegro channels have no webhooks"):
        webhook_url(settings, allegro)


def test_the_scheduler_enqueues_each_due_channel_once(session, runtime, make_account, make_channel):
    now = clock.now()
    account = make_account()
    never = make_channel(account, platform=Platform.allegro)
    recent = make_channel(account, platform=Platform.shoptet, last_synced_at=now - timedelta(hours=1))
    stale = make_channel(account, platform=Platform.woocommerce, last_synced_at=now - timedelta(hours=2))
    failing_long_ago = make_channel(
        account, platform=Platform.shoptet, status=ChannelStatus.error, last_error_at=now - timedelta(hours=7)
    )
    failing_now = make_channel(
        account, platform=Platform.allegro, status=ChannelStatus.error, last_error_at=now - timedelta(seconds=30)
    )
    make_channel(account, platform=Platform.allegro, status=ChannelStatus.disabled)
    make_channel(account, platform=Platform.allegro, status=ChannelStatus.waiting)
    deactivated = make_account()
    deactivated.status = AccountStatus.deactivated
    make_channel(deactivated, platform=Platform.allegro)
    session.commit()
    assert [is_sync_due(channel, at=now) for channel in (never, recent, stale, failing_long_ago, failing_now)] == [
        True,
        False,
        True,
        True,
        False,
    ]

    _run(runtime, schedule_channel_syncs, account_id=None)
    _run(runtime, schedule_channel_syncs, account_id=None)

    assert sorted(_queued_syncs(session)) == sorted([never.id, stale.id, failing_long_ago.id])


def test_a_sync_reads_the_change_feed_from_the_cursor_and_records_success(session, runtime, shoptet_channel):
    channel = shoptet_channel(sync_cursor="changes|2024-01-01T00:00:00+0000|1", status=ChannelStatus.error)

    _run(runtime, sync_channel, channel.id, account_id=channel.account_id)

    session.expire_all()
    channel = session.get(SalesChannel, channel.id)
    assert channel.status is ChannelStatus.connected
    assert (channel.status_message, channel.last_error_at) == ("", None)
    assert channel.last_synced_at is not None
    assert channel.sync_cursor.startswith("changes|")
    assert channel.sync_cursor != "changes|2024-01-01T00:00:00+0000|1"
    assert session.scalars(select(Order.channel_id)).all() != []


def test_a_refused_token_puts_the_channel_in_error_with_the_reason(
    session, runtime, shoptet_channel, shoptet_oauth_peer
):
    channel = shoptet_channel(sync_cursor="changes|2024-01-01T00:00:00+0000|1")
    shoptet_oauth_peer.access_token_status = 401

    _run(runtime, sync_channel, channel.id, account_id=channel.account_id)

    session.expire_all()
    channel = session.get(SalesChannel, channel.id)
    assert channel.status is ChannelStatus.error
    assert "Shoptet refused the add-on's OAuth token; install the add-on again" in channel.status_message
    assert channel.last_error_at is not None
    assert channel.sync_cursor == "changes|2024-01-01T00:00:00+0000|1"
    assert session.scalars(select(Order.id)).all() == []
    assert is_sync_due(channel) is False


@pytest.mark.parametrize("status", [ChannelStatus.disabled, ChannelStatus.waiting])
def test_a_channel_that_is_not_connected_is_not_synced(session, runtime, shoptet_channel, shoptet_oauth_peer, status):
    channel = shoptet_channel(status=status)

    _run(runtime, sync_channel, channel.id, account_id=channel.account_id)

    session.expire_all()
    assert session.get(SalesChannel, channel.id).status is status
    assert shoptet_oauth_peer.access_token_requests == []


def test_sync_now_enqueues_once_and_only_for_a_connected_channel(session, shoptet_channel, make_member):
    channel = shoptet_channel()
    account = session.get(Account, channel.account_id)
    _, owner = make_member(account, Role.owner)

    assert request_channel_sync(session, account=account, actor=owner, channel_id=channel.id) is True
    session.commit()
    assert request_channel_sync(session, account=account, actor=owner, channel_id=channel.id) is False
    session.commit()
    assert _queued_syncs(session) == [channel.id]

    channel.status = ChannelStatus.disabled
    session.commit()
    with pytest.raises(ChannelError) as refused:
        request_channel_sync(session, account=account, actor=owner, channel_id=channel.id)
    assert (refused.value.code, refused.value.kind) == (ChannelErrorCode.channel_not_connected, ErrorKind.conflict)


def test_sync_now_needs_channels_manage_and_the_own_account(session, shoptet_channel, make_member, make_account):
    channel = shoptet_channel()
    _, agent = make_member(session.get(Account, channel.account_id), Role.agent)
    other = make_account()
    _, other_owner = make_member(other, Role.owner)

    with pytest.raises(DomainError) as denied:
        request_channel_sync(
            session, account=session.get(Account, channel.account_id), actor=agent, channel_id=channel.id
        )
    assert denied.value.kind is ErrorKind.forbidden
    with pytest.raises(DomainError) as missing:
        request_channel_sync(session, account=other, actor=other_owner, channel_id=channel.id)
    assert missing.value.kind is ErrorKind.not_found
    session.rollback()
    assert _queued_syncs(session) == []


def test_saving_the_widget_settings_of_a_connected_channel_re_pushes_its_snippets(
    session, shoptet_channel, make_member
):
    from retino_core.channels.actions import update_widget_settings

    connected = shoptet_channel()
    waiting = shoptet_channel(external_shop_id="7", status=ChannelStatus.waiting)
    for channel in (connected, waiting):
        account = session.get(Account, channel.account_id)
        _, owner = make_member(account, Role.owner)
        update_widget_settings(
            session, account=account, actor=owner, channel_id=channel.id, payload={"badge_side": "left"}
        )
    session.commit()

    rows = session.execute(
        select(OutboxJob.job_name, OutboxJob.args).where(OutboxJob.job_name.like("%push_storefront"))
    ).all()
    assert [(name, list(args)) for name, args in rows] == [
        ("retino_core.channels.tasks.push_storefront", [connected.id])
    ]


def test_a_token_refresh_during_a_sync_does_not_wait_for_the_sync(session, session_factory, settings, shoptet_channel):
    """The sync holds the channel's work lock and its orders' key share; the refresh's own transaction goes through."""
    import threading

    from retino_core.channels.sync import try_lock_channel_work
    from retino_core.platforms.tokens import CredentialStore

    channel = shoptet_channel()
    sync = session_factory()
    try:
        assert try_lock_channel_work(sync, channel.id) is True
        sync.add(
            Order(
                account_id=channel.account_id,
                channel_id=channel.id,
                external_id="1",
                code="1",
                customer_name="Jana",
                customer_email="jana@example.test",
                currency="CZK",
                total_amount=Decimal("10.00"),
                ordered_at=clock.now(),
            )
        )
        sync.flush()
        finished = threading.Event()

        def refresh():
            CredentialStore(session_factory, CredentialCipher(settings.secret_key)).update(
                channel.id, lambda current: {"refresh_token": "new"}
            )
            finished.set()

        worker = threading.Thread(target=refresh)
        worker.start()
        assert finished.wait(10) is True
        worker.join()
        # A second sync of the same channel finds the work lock taken.
        other = session_factory()
        try:
            assert try_lock_channel_work(other, channel.id) is (sync.get_bind().dialect.name != "postgresql")
        finally:
            other.rollback()
            other.close()
    finally:
        sync.rollback()
        sync.close()
