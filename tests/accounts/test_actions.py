import pytest
from sqlalchemy import func, select

from retino_core.accounts.actions import (
    add_member,
    authenticate,
    change_role,
    connect_channel,
    create_account,
    create_user,
    deactivate_account,
    set_channel_consultant,
    update_branding,
)
from retino_core.accounts.credentials import CredentialCipher, CredentialsUnreadable
from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.models import Account, AccountStatus, ChannelStatus, Membership, SalesChannel, User
from retino_core.accounts.permissions import Role
from retino_core.errors import ErrorKind

CHANNEL = {
    "platform": "shoptet",
    "name": "Tričkárna CZ",
    "external_shop_id": "222651",
    "shop_url": "https://tricka.example.test",
    "country": "CZ",
    "currency": "CZK",
    "default_language": "cs",
}


def test_create_account_with_branding(session):
    account = create_account(session, payload={"name": "Tričkárna", "slug": "tricky", "country": "CZ"})
    assert (account.default_language, account.default_currency, account.status) == ("cs", "CZK", AccountStatus.active)
    assert [(b.language, b.shop_name) for b in account.brandings] == [("cs", "Tričkárna")]


def test_duplicate_slug_and_bad_fields_are_refused(session):
    create_account(session, payload={"name": "A", "slug": "same", "country": "CZ"})
    with pytest.raises(AccountError) as raised:
        create_account(session, payload={"name": "B", "slug": "same", "country": "CZ"})
    assert raised.value.field_errors == {"slug": ["This short name is taken."]}
    with pytest.raises(AccountError) as raised:
        create_account(session, payload={"name": "", "slug": "Bad Slug", "country": "US"})
    assert sorted(raised.value.field_errors) == ["country", "name", "slug"]


def test_users_authenticate_with_argon2(session):
    user = create_user(
        session, payload={"email": "Jana@Example.test", "full_name": "Jana", "password": "dlouhé heslo 123"}
    )
    assert user.email == "jana@example.test"
    assert user.password_hash.startswith("$argon2id$")
    assert authenticate(session, email="JANA@example.test", password="dlouhé heslo 123") == user
    assert user.last_login_at is not None
    for email, password in [("jana@example.test", "wrong password"), ("nobody@example.test", "dlouhé heslo 123")]:
        with pytest.raises(AccountError) as raised:
            authenticate(session, email=email, password=password)
        assert raised.value.render() == "Wrong e-mail or password."


def test_short_password_and_taken_email_are_refused(session):
    create_user(session, payload={"email": "a@example.test", "full_name": "A", "password": "0123456789"})
    with pytest.raises(AccountError) as raised:
        create_user(session, payload={"email": "a@example.test", "full_name": "A", "password": "0123456789"})
    assert raised.value.code is AccountErrorCode.email_taken
    with pytest.raises(AccountError) as raised:
        create_user(session, payload={"email": "b@example.test", "full_name": "B", "password": "short"})
    assert list(raised.value.field_errors) == ["password"]
    assert session.scalar(select(func.count()).select_from(User)) == 1


def test_last_owner_cannot_be_demoted(session, make_account, make_member):
    account = make_account()
    owner, actor = make_member(account, Role.owner)
    membership = session.scalar(select(Membership).where(Membership.user_id == owner.id))
    with pytest.raises(AccountError) as raised:
        change_role(session, account=account, actor=actor, membership_id=membership.id, role=Role.manager)
    assert raised.value.code is AccountErrorCode.last_owner
    assert membership.role is Role.owner


def test_manager_cannot_make_an_owner(session, make_account, make_member):
    account = make_account()
    make_member(account, Role.owner)
    _, manager = make_member(account, Role.manager)
    user = create_user(session, payload={"email": "n@example.test", "full_name": "N", "password": "0123456789"})
    membership = add_member(session, account=account, actor=manager, user=user, role=Role.agent)
    with pytest.raises(AccountError) as raised:
        change_role(session, account=account, actor=manager, membership_id=membership.id, role=Role.owner)
    assert raised.value.kind is ErrorKind.forbidden
    with pytest.raises(AccountError) as raised:
        add_member(session, account=account, actor=manager, user=user, role=Role.agent)
    assert raised.value.code is AccountErrorCode.already_member


def test_channel_credentials_are_encrypted_and_readable_only_with_the_key(session, make_account, make_member):
    account = make_account()
    _, owner = make_member(account)
    cipher = CredentialCipher("k" * 40)
    channel = connect_channel(
        session, account=account, actor=owner, cipher=cipher, payload={**CHANNEL, "credentials": {"token": "tajné"}}
    )
    assert channel.status is ChannelStatus.connected
    assert b"tajn" not in channel.credentials_encrypted
    assert cipher.decrypt(channel.credentials_encrypted) == {"token": "tajné"}
    with pytest.raises(CredentialsUnreadable):
        CredentialCipher("other" * 10).decrypt(channel.credentials_encrypted)
    with pytest.raises(AccountError) as raised:
        connect_channel(session, account=account, actor=owner, cipher=cipher, payload=CHANNEL)
    assert raised.value.code is AccountErrorCode.channel_exists


def test_consultant_must_belong_to_the_account(session, make_account, make_member):
    account = make_account()
    _, owner = make_member(account)
    stranger, _ = make_member(make_account())
    cipher = CredentialCipher("k" * 40)
    with pytest.raises(AccountError) as raised:
        connect_channel(
            session,
            account=account,
            actor=owner,
            cipher=cipher,
            payload={**CHANNEL, "default_consultant_id": stranger.id},
        )
    assert raised.value.code is AccountErrorCode.consultant_not_member
    assert session.scalar(select(func.count()).select_from(SalesChannel)) == 0


def test_another_accounts_channel_is_not_found(session, make_account, make_member):
    account, other = make_account(), make_account()
    _, owner = make_member(account)
    _, other_owner = make_member(other)
    channel = connect_channel(session, account=account, actor=owner, cipher=CredentialCipher("k" * 40), payload=CHANNEL)
    with pytest.raises(AccountError) as raised:
        set_channel_consultant(session, account=other, actor=other_owner, channel_id=channel.id, user_id=None)
    assert raised.value.kind is ErrorKind.not_found


def test_branding_per_language_and_deactivation(session, make_account, make_member):
    account = make_account()
    _, owner = make_member(account)
    update_branding(
        session,
        account=account,
        actor=owner,
        payload={"language": "pl", "shop_name": "Koszulki", "sender_name": "Zespół Koszulki"},
    )
    session.refresh(account)
    assert account.branding_for("pl").sender_name == "Zespół Koszulki"
    assert account.branding_for("hu").language == "cs"
    deactivate_account(session, account=account, actor=owner)
    assert session.get(Account, account.id).status is AccountStatus.deactivated


def test_five_failures_lock_the_user_and_the_lock_doubles(session):
    from datetime import UTC, datetime, timedelta

    import time_machine

    user = create_user(session, payload={"email": "l@example.test", "full_name": "L", "password": "správné heslo"})
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            with pytest.raises(AccountError):
                authenticate(session, email="l@example.test", password="špatné heslo")
        assert user.locked_until == start + timedelta(minutes=15)
        with pytest.raises(AccountError) as raised:
            authenticate(session, email="l@example.test", password="správné heslo")
        assert raised.value.render() == "Wrong e-mail or password."
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        for _ in range(5):
            with pytest.raises(AccountError):
                authenticate(session, email="l@example.test", password="špatné heslo")
        assert user.locked_until == start + timedelta(minutes=16 + 30)
    with time_machine.travel(start + timedelta(minutes=47), tick=False):
        assert authenticate(session, email="l@example.test", password="správné heslo") == user
    assert (user.failed_login_count, user.locked_until) == (0, None)


def test_ending_all_sessions_rotates_the_token(session):
    from retino_core.accounts.actions import end_all_sessions

    user = create_user(session, payload={"email": "s@example.test", "full_name": "S", "password": "0123456789"})
    before = user.session_token
    end_all_sessions(session, user=user)
    assert user.session_token != before
    assert len(user.session_token) >= 40
