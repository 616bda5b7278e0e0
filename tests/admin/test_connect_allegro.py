"""Connecting an Allegro seller from the admin (redirect + callback, device flow) and rejecting a return on its case.

Allegro's OAuth server is the local peer of ``tests/adapters/allegro/oauth_peer.py``; ``GET /me``
and the customer-return calls go to the Prism mock of Allegro's spec.
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from sqlalchemy import func, select

from adapters.allegro.install import AllegroHosts, code_verifier_for, read_state, sign_state
from marketplace_app.platforms import register_adapters
from retino_core import clock
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import ChannelStatus, Platform, Role, SalesChannel
from retino_core.cases.models import Case, CaseHistory
from retino_core.intake.platform_returns import REJECTION_REQUESTED, import_customer_return
from retino_core.jobs import OutboxJob
from retino_core.platforms.interface import CustomerReturnItemSnapshot, CustomerReturnSnapshot
from tests.adapters.allegro.oauth_peer import CLIENT_ID, CLIENT_SECRET, USER_CODE, run_peer, s256

SELLER_ID = "46968690"
PAGE = "/admin/settings/channels/allegro/connect"


@pytest.fixture
def settings(settings):
    return settings.with_overrides(allegro_client_id=CLIENT_ID, allegro_client_secret=CLIENT_SECRET)


@pytest.fixture
def oauth_peer():
    yield from run_peer()


@pytest.fixture
def connect_app(app, oauth_peer, prism_allegro, monkeypatch):
    """The app talking to the local OAuth peer and Prism, also in the first sync it runs inline after connecting."""
    hosts = AllegroHosts(oauth_peer.url, prism_allegro)
    app.config["ALLEGRO_HOSTS"] = hosts
    monkeypatch.setattr("adapters.allegro.adapter.hosts_for", lambda environment: hosts)
    return app


@pytest.fixture
def owner(connect_app, client_for):
    return client_for(Role.owner)


def _allegro_channels(session):
    session.rollback()
    return list(
        session.scalars(
            select(SalesChannel)
            .where(SalesChannel.platform == Platform.allegro)
            .order_by(SalesChannel.id)
            .execution_options(populate_existing=True)
        )
    )


def _queued_syncs(session):
    session.rollback()
    return list(
        session.scalars(select(OutboxJob.args).where(OutboxJob.job_name == "retino_core.channels.sync.sync_channel"))
    )


def _authorize(client):
    response = client.post(PAGE + "/authorize")
    assert response.status_code == 302
    return response.headers["Location"]


def _consent(client, oauth_peer, settings, code="code-1"):
    """Go to Allegro, "consent" there (the peer issues the code), and come back to the callback."""
    location = _authorize(client)
    state = parse_qs(urlsplit(location).query)["state"][0]
    oauth_peer.issue_code(
        code, s256(code_verifier_for(settings.secret_key, read_state(settings.secret_key, state).nonce))
    )
    return client.get(f"/connect/allegro/callback?code={code}&state={state}")


# the page


def test_the_page_offers_both_ways(owner):
    page = owner.get(PAGE + "?lang=en").get_data(as_text=True)

    assert "Continue to Allegro" in page
    assert "Get a code" in page
    assert "http://shop.example.test/connect/allegro/callback" in page


def test_without_our_allegro_application_the_page_says_so(connect_app, owner, settings, session):
    connect_app.extensions["retino_settings"] = settings.with_overrides(allegro_client_id="")

    page = owner.get(PAGE + "?lang=en")
    refused = owner.post(PAGE + "/device")
    callback = owner.get("/connect/allegro/callback?code=x&state=y")

    assert page.status_code == 200
    assert "Connecting Allegro is not configured on this installation." in page.get_data(as_text=True)
    assert refused.status_code == 409
    assert callback.status_code == 400
    assert _allegro_channels(session) == []


def test_the_redirect_carries_a_signed_state_and_an_s256_challenge(owner, oauth_peer, shop, settings):
    location = urlsplit(_authorize(owner))
    query = {name: values[0] for name, values in parse_qs(location.query).items()}

    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{oauth_peer.url}/auth/oauth/authorize"
    state = read_state(settings.secret_key, query["state"])
    assert (state.account_id, state.user_id) == (shop.account_id, shop.members[Role.owner].id)
    assert query == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": "http://shop.example.test/connect/allegro/callback",
        "state": query["state"],
        "code_challenge_method": "S256",
        "code_challenge": s256(code_verifier_for(settings.secret_key, state.nonce)),
    }


# the callback


def test_the_callback_connects_the_seller_and_queues_the_first_sync(owner, oauth_peer, settings, session, shop):
    response = _consent(owner, oauth_peer, settings)

    (channel,) = _allegro_channels(session)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/settings/channels/{channel.id}"
    assert (channel.account_id, channel.external_shop_id, channel.name) == (
        shop.account_id,
        SELLER_ID,
        "Client:46968690",
    )
    assert (channel.country, channel.currency, channel.default_language, channel.status) == (
        "PL",
        "PLN",
        "pl",
        ChannelStatus.connected,
    )
    credentials = CredentialCipher(settings.secret_key).decrypt(channel.credentials_encrypted)
    assert (credentials["access_token"], credentials["refresh_token"]) == ("access-1", "refresh-1")
    assert _queued_syncs(session) == [[channel.id]]
    # The first sync ran inline after the commit, against Prism: the example return became a case.
    assert (channel.status, channel.returns_cursor) == (ChannelStatus.connected, "2020-01-11T09:36:57.000Z")
    imported = session.scalar(select(Case).where(Case.channel_id == channel.id))
    assert (imported.external_ref, imported.case_type.code) == ("a3405c27-b01c-4357-9bea-e13925708b46", "return")
    assert "The Allegro seller Client:46968690 is connected." in owner.get(
        response.headers["Location"] + "?lang=en"
    ).get_data(as_text=True)


def test_connecting_the_seller_again_updates_the_same_channel(owner, oauth_peer, settings, session):
    _consent(owner, oauth_peer, settings, code="code-1")
    (first,) = _allegro_channels(session)
    first.status = ChannelStatus.error
    first.status_message = "Allegro refused to refresh the access token"
    session.commit()

    _consent(owner, oauth_peer, settings, code="code-2")

    (again,) = _allegro_channels(session)
    assert (again.id, again.status, again.status_message) == (first.id, ChannelStatus.connected, "")
    assert CredentialCipher(settings.secret_key).decrypt(again.credentials_encrypted)["access_token"] == "access-2"


def test_a_seller_connected_to_another_account_is_refused(
    connect_app, client_for, oauth_peer, settings, session, other_shop
):
    _consent(client_for(Role.owner, of=other_shop), oauth_peer, settings, code="code-1")

    response = _consent(client_for(Role.owner), oauth_peer, settings, code="code-2")

    assert response.status_code == 409
    assert "already connected to another Retino account" in response.get_data(as_text=True)
    assert [channel.account_id for channel in _allegro_channels(session)] == [other_shop.account_id]


def test_a_refusal_at_allegro_stores_nothing(owner, session):
    _authorize(owner)

    response = owner.get("/connect/allegro/callback?error=access_denied&state=whatever")

    assert response.status_code == 400
    assert "access_denied" in response.get_data(as_text=True)
    assert _allegro_channels(session) == []


def test_a_tampered_state_is_refused(owner, oauth_peer, settings, session):
    state = parse_qs(urlsplit(_authorize(owner)).query)["state"][0]

    response = owner.get(f"/connect/allegro/callback?code=code-1&state={state[:-2]}xx")

    assert response.status_code == 400
    assert "invalid or has expired" in response.get_data(as_text=True)
    assert _allegro_channels(session) == []
    assert oauth_peer.seen == []


def test_an_expired_state_is_refused(owner, oauth_peer, settings, session):
    location = _authorize(owner)
    state = parse_qs(urlsplit(location).query)["state"][0]

    with time_machine.travel(clock.now() + timedelta(minutes=11)):
        response = owner.get(f"/connect/allegro/callback?code=code-1&state={state}")

    assert response.status_code == 400
    assert _allegro_channels(session) == []


def test_a_state_of_another_user_is_refused(client_for, connect_app, oauth_peer, settings, session):
    state = parse_qs(urlsplit(_authorize(client_for(Role.owner))).query)["state"][0]

    response = client_for(Role.manager).get(f"/connect/allegro/callback?code=code-1&state={state}")

    assert response.status_code == 400
    assert "Another user started this connection." in response.get_data(as_text=True)
    assert _allegro_channels(session) == []


def test_a_state_for_an_account_the_user_is_not_in_is_refused(owner, shop, other_shop, settings, session):
    state, _ = sign_state(settings.secret_key, account_id=other_shop.account_id, user_id=shop.members[Role.owner].id)

    response = owner.get(f"/connect/allegro/callback?code=code-1&state={state}")

    assert response.status_code == 400
    assert "You cannot connect channels in this account." in response.get_data(as_text=True)


def test_a_member_without_channel_rights_cannot_finish(client_for, connect_app, shop, settings, session):
    state, _ = sign_state(settings.secret_key, account_id=shop.account_id, user_id=shop.members[Role.agent].id)

    response = client_for(Role.agent).get(f"/connect/allegro/callback?code=code-1&state={state}")

    assert response.status_code == 400
    assert _allegro_channels(session) == []


def test_a_code_allegro_does_not_accept_is_refused(owner, oauth_peer, session):
    state = parse_qs(urlsplit(_authorize(owner)).query)["state"][0]

    response = owner.get(f"/connect/allegro/callback?code=never-issued&state={state}")

    assert response.status_code == 400
    assert "did not accept the authorisation code" in response.get_data(as_text=True)
    assert _allegro_channels(session) == []


# the device flow


def test_the_device_flow_shows_the_code_waits_and_connects(owner, oauth_peer, session, shop):
    oauth_peer.device_answers = ["authorization_pending", "slow_down", "granted"]

    started = owner.post(PAGE + "/device")
    page = owner.get(PAGE + "?lang=en").get_data(as_text=True)
    waiting = owner.post(PAGE + "/device/check?lang=en")
    slower = owner.post(PAGE + "/device/check?lang=en")
    done = owner.post(PAGE + "/device/check?lang=en")

    assert started.status_code == 302
    assert USER_CODE in page
    assert "every 5 seconds" in page
    assert waiting.status_code == 200
    assert "every 10 seconds" in slower.get_data(as_text=True)
    (channel,) = _allegro_channels(session)
    assert done.headers["Location"] == f"/admin/settings/channels/{channel.id}"
    assert (channel.account_id, channel.external_shop_id) == (shop.account_id, SELLER_ID)
    assert USER_CODE not in owner.get(PAGE + "?lang=en").get_data(as_text=True)


def test_a_refused_device_code_ends_the_flow_and_stores_nothing(owner, oauth_peer, session):
    oauth_peer.device_answers = ["access_denied"]
    owner.post(PAGE + "/device")

    refused = owner.post(PAGE + "/device/check?lang=en")
    again = owner.post(PAGE + "/device/check?lang=en")

    assert refused.status_code == 400
    assert "The seller refused the connection at Allegro." in refused.get_data(as_text=True)
    assert again.status_code == 409
    assert _allegro_channels(session) == []


def test_a_device_code_is_bound_to_the_user_who_started_it(client_for, connect_app, oauth_peer, session):
    client_for(Role.owner).post(PAGE + "/device")

    response = client_for(Role.manager).post(PAGE + "/device/check")

    assert response.status_code == 409
    assert [seen.path for seen in oauth_peer.seen] == ["/auth/oauth/device"]


# rejecting a return on its case


@pytest.fixture
def allegro_return(session, shop, make_channel, settings):
    register_adapters()
    channel = make_channel(
        shop.account,
        platform=Platform.allegro,
        external_shop_id=SELLER_ID,
        country="PL",
        currency="PLN",
        default_language="pl",
        credentials_encrypted=CredentialCipher(settings.secret_key).encrypt({"access_token": "stored"}),
    )
    snapshot = CustomerReturnSnapshot(
        external_id="a3405c27-b01c-4357-9bea-e13925708b46",
        order_external_id="not-imported",
        created_at=clock.now() - timedelta(days=1),
        status="DELIVERED",
        items=(CustomerReturnItemSnapshot("", "Kubek", 1, reason="MISTAKE"),),
        reference_number="1234/Z04A",
        buyer_email="buyer@allegromail.pl",
        buyer_name="buyer",
    )
    case, _ = import_customer_return(session, account=shop.account, channel=channel, snapshot=snapshot)
    session.commit()
    return case


def test_the_case_of_an_allegro_return_offers_the_rejection(owner, allegro_return):
    page = owner.get(f"/admin/cases/{allegro_return.id}?lang=en").get_data(as_text=True)

    assert "Return on Allegro" in page
    assert "Reject on Allegro" in page


def test_the_case_of_a_shop_order_offers_no_rejection(owner, shop):
    assert "Return on Allegro" not in owner.get(f"/admin/cases/{shop.case.id}?lang=en").get_data(as_text=True)


def test_rejecting_records_the_request_and_the_answer_of_allegro(owner, allegro_return, session):
    response = owner.post(
        f"/admin/cases/{allegro_return.id}/platform-return/reject",
        data={"reason_code": "ITEM_FIXED", "message": "We repaired it."},
    )

    assert response.status_code == 302
    session.rollback()
    kinds = session.scalars(select(CaseHistory.kind).where(CaseHistory.case_id == allegro_return.id)).all()
    assert REJECTION_REQUESTED in kinds
    page = owner.get(f"/admin/cases/{allegro_return.id}?lang=en").get_data(as_text=True)
    assert "Rejected on Allegro" in page  # the job ran inline, against Prism
    assert "Reject on Allegro<" not in page


def test_a_rejection_without_a_message_is_shown_next_to_the_form(owner, allegro_return, session):
    before = session.scalar(select(func.count()).select_from(OutboxJob))

    response = owner.post(
        f"/admin/cases/{allegro_return.id}/platform-return/reject?lang=en",
        data={"reason_code": "ITEM_FIXED", "message": " "},
    )

    assert response.status_code == 422
    assert "Write a message for the buyer of 1 to 250 characters." in response.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(OutboxJob)) == before


def test_a_technician_may_reject_but_an_agent_may_not(client_for, connect_app, allegro_return):
    url = f"/admin/cases/{allegro_return.id}/platform-return/reject"
    data = {"reason_code": "ITEM_FIXED", "message": "We repaired it."}

    assert client_for(Role.agent).post(url, data=data).status_code == 403
    assert client_for(Role.technician).post(url, data=data).status_code == 302
