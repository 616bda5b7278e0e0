"""Account, user, membership and sales-channel operations.

Each action validates, changes rows and ``flush()``es; the caller's edge commits once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.models import (
    Account,
    AccountBranding,
    AccountStatus,
    ChannelStatus,
    Membership,
    SalesChannel,
    User,
    new_session_token,
)
from retino_core.accounts.passwords import hash_password, needs_rehash, verify_password
from retino_core.accounts.permissions import Permission, Role
from retino_core.accounts.schemas import (
    AccountCreateSchema,
    BrandingSchema,
    ChannelCreateSchema,
    UserCreateSchema,
)
from retino_core.case_types.defaults import seed_default_case_types
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.validation import load_or_raise


def _load(schema: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    return load_or_raise(schema, data, error_class=AccountError, code=AccountErrorCode.invalid_input)


def create_account(session: Session, *, payload: Mapping[str, Any]) -> Account:
    """Create a merchant account with a branding in its language and the default case types.

    The default types (Return, Complaint, Withdrawal, Missing item) are copied into the
    account, so the merchant can edit them without touching anyone else's workflow.
    """
    data = _load(AccountCreateSchema(), payload)
    if session.scalar(select(Account.id).where(Account.slug == data["slug"])) is not None:
        raise AccountError(
            AccountErrorCode.invalid_input,
            N_("Some fields are not valid."),
            field_errors={"slug": ["This short name is taken."]},
        )
    account = Account(**data)
    account.brandings.append(
        AccountBranding(
            language=data["default_language"], shop_name=data["name"], sender_name=data["name"], signature=""
        )
    )
    session.add(account)
    session.flush()
    seed_default_case_types(session, account)
    return account


def update_branding(session: Session, *, account: Account, actor: Actor, payload: Mapping[str, Any]) -> AccountBranding:
    actor.require(Permission.settings_manage)
    data = _load(BrandingSchema(), payload)
    branding = session.scalar(
        AccountBranding.select_for_account(account.id).where(AccountBranding.language == data["language"])
    )
    if branding is None:
        branding = AccountBranding(account_id=account.id, **data)
        session.add(branding)
    else:
        for key, value in data.items():
            setattr(branding, key, value)
    session.flush()
    return branding


def deactivate_account(session: Session, *, account: Account, actor: Actor) -> None:
    """Switch the account off; its storefront and webhooks stop answering, its data stays."""
    actor.require(Permission.account_manage)
    if account.status is AccountStatus.deactivated:
        return
    account.status = AccountStatus.deactivated
    account.deactivated_at = clock.now()
    session.flush()


def create_user(session: Session, *, payload: Mapping[str, Any]) -> User:
    data = _load(UserCreateSchema(), payload)
    email = data["email"].strip().lower()
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(
            AccountErrorCode.email_taken,
            N_("A user with this e-mail already exists."),
            kind=ErrorKind.conflict,
            field_errors={"email": ["A user with this e-mail already exists."]},
        )
    user = User(
        email=email,
        full_name=data["full_name"].strip(),
        password_hash=hash_password(data["password"]),
        language=data["language"],
    )
    session.add(user)
    session.flush()
    return user


#: Failed sign-ins in a row that lock a user, and for how long (doubling with each further lock).
LOCKOUT_THRESHOLD = 5
LOCKOUT_BASE = timedelta(minutes=15)


def authenticate(session: Session, *, email: str, password: str) -> User:
    """The active, unlocked user with this e-mail and password; one error for every kind of failure.

    A wrong password is counted on the user even though this raises: the edge must commit the
    failed attempt (it renders the form again, it does not roll back). Five failures in a row lock
    the user for 15 minutes, then 30, 60 …; a success resets the count. A locked user gets the
    same answer as a wrong password, so the lock reveals nothing about the account.
    """
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    now = clock.now()
    refused = AccountError(
        AccountErrorCode.invalid_credentials, N_("Wrong e-mail or password."), kind=ErrorKind.invalid
    )
    if user is None or not user.is_active:
        verify_password(_dummy_hash(), password)
        raise refused
    if user.locked_until is not None and user.locked_until > now:
        raise refused
    if not verify_password(user.password_hash, password):
        user.failed_login_count += 1
        if user.failed_login_count % LOCKOUT_THRESHOLD == 0:
            doublings = user.failed_login_count // LOCKOUT_THRESHOLD - 1
            user.locked_until = now + LOCKOUT_BASE * (2 ** min(doublings, 6))
        session.flush()
        raise refused
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    session.flush()
    return user


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps an unknown e-mail as slow as a wrong password."""
    return hash_password("not a real password, only for timing")


def end_all_sessions(session: Session, *, user: User) -> None:
    """Sign the user out everywhere: every session cookie carries the token this replaces."""
    user.session_token = new_session_token()
    session.flush()


def add_member(session: Session, *, account: Account, actor: Actor, user: User, role: Role) -> Membership:
    actor.require(Permission.users_manage)
    existing = session.scalar(Membership.select_for_account(account.id).where(Membership.user_id == user.id))
    if existing is not None:
        raise AccountError(
            AccountErrorCode.already_member, N_("This user is already a member."), kind=ErrorKind.conflict
        )
    membership = Membership(account_id=account.id, user_id=user.id, role=role)
    session.add(membership)
    session.flush()
    return membership


def change_role(session: Session, *, account: Account, actor: Actor, membership_id: int, role: Role) -> Membership:
    """Change a member's role; the last active owner cannot be demoted (the account would be orphaned)."""
    actor.require(Permission.users_manage)
    membership = Membership.get_for_account(session, membership_id, account.id)
    if membership is None:
        raise AccountError(AccountErrorCode.user_not_found, N_("User not found."), kind=ErrorKind.not_found)
    if membership.role is Role.owner and role is not Role.owner:
        owners = session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.account_id == account.id, Membership.role == Role.owner, Membership.is_active)
        )
        if owners == 1:
            raise AccountError(
                AccountErrorCode.last_owner, N_("The account needs at least one owner."), kind=ErrorKind.conflict
            )
    if actor.role is not Role.owner and Role.owner in (role, membership.role):
        actor.require(Permission.account_manage)
    membership.role = role
    session.flush()
    return membership


def membership_for(session: Session, *, account: Account, user: User) -> Membership | None:
    return session.scalar(
        Membership.select_for_account(account.id).where(Membership.user_id == user.id, Membership.is_active)
    )


def actor_for(membership: Membership) -> Actor:
    return Actor.member(user_id=membership.user_id, role=membership.role, label=membership.user.full_name)


def connect_channel(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    cipher: CredentialCipher,
    payload: Mapping[str, Any],
) -> SalesChannel:
    """Register an installation of a platform adapter on the account.

    The default consultant must be a member of the same account; credentials are encrypted
    before they reach the database.
    """
    actor.require(Permission.channels_manage)
    data = _load(ChannelCreateSchema(), payload)
    credentials = data.pop("credentials")
    exists = session.scalar(
        SalesChannel.select_for_account(account.id).where(
            SalesChannel.platform == data["platform"],
            SalesChannel.external_shop_id == data["external_shop_id"],
        )
    )
    if exists is not None:
        raise AccountError(
            AccountErrorCode.channel_exists, N_("This shop is already connected."), kind=ErrorKind.conflict
        )
    _check_consultant(session, account, data["default_consultant_id"])
    channel = SalesChannel(account_id=account.id, **data)
    if credentials:
        channel.credentials_encrypted = cipher.encrypt(credentials)
        channel.status = ChannelStatus.connected
    session.add(channel)
    session.flush()
    return channel


def set_channel_consultant(
    session: Session, *, account: Account, actor: Actor, channel_id: int, user_id: int | None
) -> SalesChannel:
    actor.require(Permission.channels_manage)
    channel = get_channel(session, account=account, channel_id=channel_id)
    _check_consultant(session, account, user_id)
    channel.default_consultant_id = user_id
    session.flush()
    return channel


def set_channel_status(
    session: Session, *, account: Account, channel: SalesChannel, status: ChannelStatus, message: str = ""
) -> None:
    """Record the outcome of a sync or call; used by adapters and jobs (no actor: the system did it)."""
    if channel.account_id != account.id:
        raise AccountError(AccountErrorCode.channel_not_found, N_("Channel not found."), kind=ErrorKind.not_found)
    channel.status = status
    channel.status_message = message
    if status is ChannelStatus.connected:
        channel.last_synced_at = clock.now()
    session.flush()


def get_channel(session: Session, *, account: Account, channel_id: int) -> SalesChannel:
    channel = SalesChannel.get_for_account(session, channel_id, account.id)
    if channel is None:
        raise AccountError(AccountErrorCode.channel_not_found, N_("Channel not found."), kind=ErrorKind.not_found)
    return channel


def _check_consultant(session: Session, account: Account, user_id: int | None) -> None:
    if user_id is None:
        return
    member = session.scalar(
        Membership.select_for_account(account.id).where(Membership.user_id == user_id, Membership.is_active)
    )
    if member is None:
        raise AccountError(
            AccountErrorCode.consultant_not_member,
            N_("The consultant must be a member of this account."),
            field_errors={"default_consultant_id": ["The consultant must be a member of this account."]},
        )
