"""The channel page's state (status, last error, last sync), "Sync now" and the buyer-messages switch."""

from datetime import UTC, datetime

from sqlalchemy import select

from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import ChannelStatus, Platform, SalesChannel
from retino_core.accounts.permissions import Role
from retino_core.jobs import OutboxJob
from tests.admin.conftest import Shop


def _syncs(session):
    session.rollback()
    rows = session.scalars(
        select(OutboxJob.args).where(OutboxJob.job_name == "retino_core.channels.sync.sync_channel")
    ).all()
    session.rollback()
    return [list(args) for args in rows]


def test_the_page_shows_the_error_its_time_and_the_sync_button(shop: Shop, session, client_for):
    shop.channel.status = ChannelStatus.error
    shop.channel.status_message = "shoptet GET /api/orders: 401: expired-token"
    shop.channel.last_error_at = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    session.commit()

    page = client_for(Role.owner).get(f"/admin/settings/channels/{shop.channel.id}").get_data(as_text=True)

    assert "shoptet GET /api/orders: 401: expired-token" in page
    assert "Poslední chyba" in page
    assert f'action="/admin/settings/channels/{shop.channel.id}/sync"' in page
    assert "Zprávy kupujícím" not in page


def test_a_disabled_channel_shows_why_in_the_members_language_and_has_no_sync_button(shop: Shop, session, client_for):
    shop.channel.status = ChannelStatus.disabled
    shop.channel.status_message = "Uninstalled in the shop's administration."
    session.commit()
    client = client_for(Role.owner)

    page = client.get(f"/admin/settings/channels/{shop.channel.id}").get_data(as_text=True)

    assert "Odinstalováno v administraci obchodu." in page
    assert f"/admin/settings/channels/{shop.channel.id}/sync" not in page


def test_sync_now_enqueues_the_sync_and_says_so(shop: Shop, session, client_for):
    """(The app under test runs jobs at once; that a waiting sync is not queued twice is tested on the action.)"""
    response = client_for(Role.manager).post(f"/admin/settings/channels/{shop.channel.id}/sync", follow_redirects=True)

    assert "Synchronizace byla spuštěna." in response.get_data(as_text=True)
    assert _syncs(session) == [[shop.channel.id]]


def test_sync_now_of_a_disabled_channel_explains_and_enqueues_nothing(shop: Shop, session, client_for):
    shop.channel.status = ChannelStatus.disabled
    session.commit()

    response = client_for(Role.owner).post(f"/admin/settings/channels/{shop.channel.id}/sync", follow_redirects=True)

    assert response.status_code == 200
    assert "Tento kanál není připojený, a proto ho nelze synchronizovat. Nejprve ho připojte." in (
        response.get_data(as_text=True)
    )
    assert _syncs(session) == []


def test_the_buyer_messages_switch_is_offered_where_the_platform_has_messages(
    shop: Shop, session, client_for, make_channel, settings
):
    allegro = make_channel(
        shop.account,
        platform=Platform.allegro,
        external_shop_id="12345",
        credentials_encrypted=CredentialCipher(settings.secret_key).encrypt({"access_token": "t"}),
    )
    session.commit()
    client = client_for(Role.owner)

    assert "Zprávy kupujícím" in client.get(f"/admin/settings/channels/{allegro.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/settings/channels/{allegro.id}/buyer-messages", data={"message_buyers": ["false", "true"]}
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(SalesChannel, allegro.id).message_buyers is True

    client.post(f"/admin/settings/channels/{allegro.id}/buyer-messages", data={"message_buyers": "false"})
    session.expire_all()
    assert session.get(SalesChannel, allegro.id).message_buyers is False
    # A Shoptet channel has no message centre: the switch is ignored.
    client.post(f"/admin/settings/channels/{shop.channel.id}/buyer-messages", data={"message_buyers": "true"})
    session.expire_all()
    assert session.get(SalesChannel, shop.channel.id).message_buyers is False


def test_a_platform_message_is_shown_as_text_never_as_markup(shop: Shop, session, client_for):
    shop.channel.status = ChannelStatus.error
    shop.channel.status_message = '<img src=x onerror="alert(1)">'
    session.commit()
    client = client_for(Role.owner)

    for path in (f"/admin/settings/channels/{shop.channel.id}", "/admin/settings/channels"):
        page = client.get(path).get_data(as_text=True)
        assert "<img src=x" not in page
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page


def test_credentials_under_another_secret_key_leave_the_page_working_and_webhooks_refused(
    shop: Shop, session, client_for, app, make_channel
):
    from retino_core.accounts.credentials import CredentialCipher

    store = make_channel(
        shop.account,
        platform=Platform.woocommerce,
        shop_url="https://store.example.test",
        credentials_encrypted=CredentialCipher("another-installations-key-" + "y" * 32).encrypt(
            {"consumer_key": "ck_1", "consumer_secret": "cs_1", "webhook_secret": "s"}
        ),
    )
    session.commit()

    assert client_for(Role.owner).get(f"/admin/settings/channels/{store.id}").status_code == 200
    response = app.test_client().post(
        f"/webhooks/woocommerce/{store.public_id}", data=b"{}", headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.get_json()) == (401, {"error": "channel not connected"})
