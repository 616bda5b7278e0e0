"""Connecting an Allegro seller: OAuth against a local Allegro OAuth server, ``GET /me`` against Prism,
and the refreshing token provider against the real database."""

import base64
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from adapters.allegro import install
from adapters.allegro.adapter import create_adapter
from adapters.allegro.install import (
    AllegroHosts,
    AllegroOAuth,
    DevicePoll,
    DevicePollStatus,
    InvalidState,
    SellerIdentity,
    TokenSet,
    code_challenge,
    code_verifier_for,
    hosts_for,
    read_seller,
    read_state,
    refreshing_token_provider,
    sign_state,
)
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import Platform, SalesChannel
from retino_core.platforms.http import AuthExpired, Invalid, PlatformHttp
from retino_core.platforms.tokens import CredentialStore, InProcessTokenCache
from tests.adapters.allegro.oauth_peer import CLIENT_ID, CLIENT_SECRET, DEVICE_CODE, USER_CODE, s256
from tests.adapters.allegro.test_adapter import Exchanges

SECRET = "allegro-install-test-secret-" + "s" * 32
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def _oauth(peer, now=lambda: NOW):
    return AllegroOAuth(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, auth_url=peer.url, http=PlatformHttp(), now=now
    )


def test_hosts_follow_the_environment():
    assert hosts_for("production") == AllegroHosts("https://allegro.pl", "https://api.allegro.pl")
    assert hosts_for("sandbox") == AllegroHosts(
        "https://allegro.pl.allegrosandbox.pl", "https://api.allegro.pl.allegrosandbox.pl"
    )
    with pytest.raises(ValueError, match="production or sandbox"):
        hosts_for("staging")


def test_pkce_challenge_is_rfc_7636s_s256():
    # RFC 7636, appendix B.
    assert (
        code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_the_verifier_is_derived_from_the_nonce_under_the_secret():
    verifier = code_verifier_for(SECRET, "nonce-1")

    assert len(verifier) == 43
    assert verifier == code_verifier_for(SECRET, "nonce-1")
    assert verifier != code_verifier_for(SECRET, "nonce-2")
    assert verifier != code_verifier_for("another-secret-" + "s" * 32, "nonce-1")


def test_authorize_url_asks_for_a_code_with_an_s256_challenge(oauth_peer):
    url = _oauth(oauth_peer).authorize_url(redirect_uri=oauth_peer.redirect_uri, state="st", code_challenge="ch")

    assert url == (
        f"{oauth_peer.url}/auth/oauth/authorize?response_type=code&client_id={CLIENT_ID}"
        "&redirect_uri=http%3A%2F%2Fshop.example.test%2Fconnect%2Fallegro%2Fcallback&state=st"
        "&code_challenge_method=S256&code_challenge=ch"
    )


def test_code_exchange_sends_basic_auth_redirect_uri_and_verifier(oauth_peer):
    verifier = code_verifier_for(SECRET, "nonce-1")
    oauth_peer.issue_code("good-code", s256(verifier))

    tokens = _oauth(oauth_peer).exchange_code(
        code="good-code", redirect_uri=oauth_peer.redirect_uri, code_verifier=verifier
    )

    assert tokens == TokenSet("access-1", "refresh-1", NOW + timedelta(seconds=43_199))
    assert tokens.as_credentials() == {
        "access_token": "access-1",
        "refresh_token": "refresh-1",
        "expires_at": "2026-03-01T23:59:59+00:00",
    }
    (seen,) = oauth_peer.seen
    assert (seen.path, seen.authorization) == ("/auth/oauth/token", BASIC)
    assert seen.form == {
        "grant_type": "authorization_code",
        "code": "good-code",
        "redirect_uri": oauth_peer.redirect_uri,
        "code_verifier": verifier,
    }


def test_a_code_with_the_wrong_verifier_is_refused(oauth_peer):
    oauth_peer.issue_code("good-code", s256(code_verifier_for(SECRET, "nonce-1")))

    with pytest.raises(Invalid) as refused:
        _oauth(oauth_peer).exchange_code(
            code="good-code", redirect_uri=oauth_peer.redirect_uri, code_verifier=code_verifier_for(SECRET, "other")
        )
    assert refused.value.codes == ("invalid_grant",)


def test_a_wrong_client_secret_is_refused(oauth_peer):
    oauth = AllegroOAuth(client_id=CLIENT_ID, client_secret="wrong", auth_url=oauth_peer.url, http=PlatformHttp())

    with pytest.raises(AuthExpired, match="Bad client credentials"):
        oauth.start_device_flow()


def test_refresh_replaces_the_refresh_token_and_a_spent_one_means_reconnect(oauth_peer):
    oauth_peer.refresh_tokens.add("refresh-old")
    oauth = _oauth(oauth_peer)

    tokens = oauth.refresh("refresh-old")

    assert (tokens.access_token, tokens.refresh_token) == ("access-1", "refresh-1")
    assert oauth_peer.grants("refresh_token")[0].form == {"grant_type": "refresh_token", "refresh_token": "refresh-old"}
    with pytest.raises(AuthExpired, match="the seller must connect the channel again"):
        oauth.refresh("refresh-old")


def test_device_flow_starts_and_polls_through_every_answer(oauth_peer):
    oauth_peer.device_answers = ["authorization_pending", "slow_down", "access_denied", "expired_token", "granted"]
    oauth = _oauth(oauth_peer)

    started = oauth.start_device_flow()
    polls = [oauth.poll_device(started.device_code, interval=started.interval) for _ in range(5)]

    assert (started.device_code, started.user_code, started.interval) == (DEVICE_CODE, USER_CODE, 5)
    assert started.verification_uri_complete.endswith(f"?code={USER_CODE}")
    assert started.expires_at == NOW + timedelta(hours=1)
    assert polls[:4] == [
        DevicePoll(DevicePollStatus.pending, 5),
        DevicePoll(DevicePollStatus.slow_down, 10),
        DevicePoll(DevicePollStatus.denied, 5),
        DevicePoll(DevicePollStatus.expired, 5),
    ]
    assert polls[4].status is DevicePollStatus.granted
    assert polls[4].tokens.access_token == "access-1"
    assert oauth_peer.seen[0].form == {"client_id": CLIENT_ID}
    assert {seen.authorization for seen in oauth_peer.seen} == {BASIC}
    assert oauth_peer.grants("urn:ietf:params:oauth:grant-type:device_code")[0].form == {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "device_code": DEVICE_CODE,
    }


def test_an_unknown_device_code_ends_the_flow(oauth_peer):
    assert _oauth(oauth_peer).poll_device("not-issued").status is DevicePollStatus.expired


# state


def test_state_round_trips_who_started_the_connection():
    token, started = sign_state(SECRET, account_id=7, user_id=11)

    assert read_state(SECRET, token) == started
    assert (started.account_id, started.user_id) == (7, 11)


@pytest.mark.parametrize("token", ["", "not-a-state", "x.y.z"])
def test_a_malformed_state_is_refused(token):
    with pytest.raises(InvalidState):
        read_state(SECRET, token)


def test_a_state_signed_with_another_secret_is_refused():
    token, _ = sign_state("another-secret-" + "s" * 32, account_id=7, user_id=11)

    with pytest.raises(InvalidState):
        read_state(SECRET, token)


def test_a_state_older_than_ten_minutes_is_refused():
    with time_machine.travel(NOW, tick=False):
        token, _ = sign_state(SECRET, account_id=7, user_id=11)
    with time_machine.travel(NOW + timedelta(minutes=9), tick=False):
        assert read_state(SECRET, token).account_id == 7
    with time_machine.travel(NOW + timedelta(minutes=11), tick=False), pytest.raises(InvalidState):
        read_state(SECRET, token)


# the seller


def test_the_seller_is_read_from_me(prism_allegro):
    exchanges = Exchanges()

    seller = read_seller(PlatformHttp(), api_url=prism_allegro, access_token="access-1", session=exchanges.session)

    assert seller == SellerIdentity(seller_id="46968690", login="Client:46968690")
    assert exchanges.calls() == [("GET", "/me")]
    assert exchanges.request_violations() == []
    assert exchanges.responses[0].request.headers["Authorization"] == "Bearer access-1"


# the refreshing token provider


@pytest.fixture
def stored_channel(session, make_account, settings):
    cipher = CredentialCipher(settings.secret_key)

    def factory(credentials):
        account = make_account(country="PL")
        channel = SalesChannel(
            account_id=account.id,
            platform=Platform.allegro,
            name="Seller",
            external_shop_id="46968690",
            country="PL",
            currency="PLN",
            default_language="pl",
            credentials_encrypted=cipher.encrypt(credentials),
        )
        session.add(channel)
        session.commit()
        return channel

    return factory


def _credentials(expires_in, *, refresh="refresh-old"):
    return {
        "access_token": "access-stored",
        "refresh_token": refresh,
        "expires_at": (datetime.now(UTC) + expires_in).isoformat(),
    }


def _provider(peer, channel, session_factory, settings, cache=None):
    return refreshing_token_provider(
        channel_id=channel.id,
        oauth=_oauth(peer, now=lambda: datetime.now(UTC)),
        tokens=cache if cache is not None else InProcessTokenCache(),
        credentials=CredentialStore(session_factory, CredentialCipher(settings.secret_key)),
    )


def test_a_token_with_hours_left_is_used_as_stored(oauth_peer, stored_channel, session_factory, settings):
    channel = stored_channel(_credentials(timedelta(hours=5)))

    assert _provider(oauth_peer, channel, session_factory, settings)() == "access-stored"
    assert oauth_peer.seen == []


def test_a_token_expiring_within_half_an_hour_is_refreshed_and_stored_once(
    oauth_peer, stored_channel, session_factory, settings
):
    oauth_peer.refresh_tokens.add("refresh-old")
    channel = stored_channel(_credentials(timedelta(minutes=20)))
    provider = _provider(oauth_peer, channel, session_factory, settings)

    assert [provider(), provider()] == ["access-1", "access-1"]
    assert len(oauth_peer.grants("refresh_token")) == 1
    stored = CredentialStore(session_factory, CredentialCipher(settings.secret_key)).load(channel.id)
    assert (stored["access_token"], stored["refresh_token"]) == ("access-1", "refresh-1")
    expires_at = datetime.fromisoformat(stored["expires_at"])
    assert timedelta(hours=11, minutes=59) < expires_at - datetime.now(UTC) <= timedelta(hours=12)


def test_workers_with_their_own_caches_refresh_once(oauth_peer, stored_channel, session_factory, settings):
    """The row lock, not the cache, is what keeps a second process from spending the replaced refresh token."""
    oauth_peer.refresh_tokens.add("refresh-old")
    channel = stored_channel(_credentials(timedelta(minutes=1)))
    providers = [_provider(oauth_peer, channel, session_factory, settings) for _ in range(4)]
    answers = []
    threads = [threading.Thread(target=lambda p=provider: answers.append(p())) for provider in providers]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert answers == ["access-1"] * 4
    assert len(oauth_peer.grants("refresh_token")) == 1


def test_a_refused_refresh_tells_the_seller_to_reconnect(oauth_peer, stored_channel, session_factory, settings):
    channel = stored_channel(_credentials(-timedelta(minutes=1), refresh="refresh-revoked"))

    with pytest.raises(AuthExpired, match="the seller must connect the channel again"):
        _provider(oauth_peer, channel, session_factory, settings)()
    stored = CredentialStore(session_factory, CredentialCipher(settings.secret_key)).load(channel.id)
    assert stored["refresh_token"] == "refresh-revoked"


def test_no_stored_token_at_all_means_connect_again(oauth_peer, stored_channel, session_factory, settings):
    channel = stored_channel({})

    with pytest.raises(AuthExpired, match="no usable Allegro token"):
        _provider(oauth_peer, channel, session_factory, settings)()


def test_the_factory_refreshes_when_the_runtime_can_store_credentials(
    oauth_peer, stored_channel, session_factory, settings, monkeypatch, prism_allegro
):
    oauth_peer.refresh_tokens.add("refresh-old")
    monkeypatch.setattr(install, "hosts_for", lambda environment: AllegroHosts(oauth_peer.url, prism_allegro))
    channel = stored_channel(_credentials(timedelta(minutes=5)))
    configured = settings.with_overrides(allegro_client_id=CLIENT_ID, allegro_client_secret=CLIENT_SECRET)
    monkeypatch.setattr("adapters.allegro.adapter.hosts_for", install.hosts_for)
    exchanges = Exchanges()

    adapter = create_adapter(
        channel=channel,
        settings=configured,
        cipher=CredentialCipher(settings.secret_key),
        http=PlatformHttp(),
        tokens=InProcessTokenCache(),
        credentials=CredentialStore(session_factory, CredentialCipher(settings.secret_key)),
    )
    adapter.client.http._session.hooks["response"].append(exchanges._record)
    adapter.fetch_order("29738e61-7f6a-11e8-ac45-09db60ede9d6")

    assert exchanges.responses[0].request.headers["Authorization"] == "Bearer access-1"
    assert exchanges.request_violations() == []
    assert adapter.import_days == settings.platform_import_days
