"""Account, user, membership and sales-channel operations.

Each action validates, changes rows and ``flush()``es; the caller's edge commits once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actor import Actor, ActorKind
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.models import (
    Account,
    AccountBranding,
    AccountStatus,
    ChannelStatus,
    Invitation,
    Membership,
    SalesChannel,
    User,
    new_session_token,
)
from retino_core.accounts.passwords import hash_password, needs_rehash, verify_password
from retino_core.accounts.permissions import Permission, Role
from retino_core.accounts.queries import active_membership
from retino_core.accounts.schemas import (
    AccountCreateSchema,
    BrandingSchema,
    ChannelCreateSchema,
    InvitationAcceptSchema,
    InvitationCreateSchema,
    NewPasswordSchema,
    UserCreateSchema,
)
from retino_core.case_types.defaults import seed_default_case_types
from retino_core.config import Settings
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.messaging.actions import queue_account_email
from retino_core.messaging.models import OutboundEmail
from retino_core.storage import FileNotInStorage, FileStorage
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
    account = Account(**data, trial_ends_at=clock.now() + TRIAL_PERIOD)
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


def get_channel(session: Session, *, account: Account, channel_id: int) -> SalesChannel:
    channel = SalesChannel.get_for_account(session, channel_id, account.id)
    if channel is None:
        raise AccountError(AccountErrorCode.channel_not_found, N_("Channel not found."), kind=ErrorKind.not_found)
    return channel


def _check_consultant(session: Session, account: Account, user_id: int | None) -> None:
    if user_id is None:
        return
    if active_membership(session, account_id=account.id, user_id=user_id) is None:
        raise AccountError(
            AccountErrorCode.consultant_not_member,
            N_("The consultant must be a member of this account."),
            field_errors={"default_consultant_id": ["The consultant must be a member of this account."]},
        )


# --- Trial, deactivation, reactivation and purge -------------------------------------------------

#: How long a new account is free; without a confirmed plan by then it is deactivated.
TRIAL_PERIOD = timedelta(days=30)
#: A deactivated account's data stays at least this long, then the account is deleted.
PURGE_AFTER = timedelta(days=31)
#: Trial days an operator's reactivation gives an account that never confirmed a plan.
REACTIVATION_TRIAL_DAYS = 14


def reactivate_account(
    session: Session, *, account: Account, actor: Actor, trial_days: int = REACTIVATION_TRIAL_DAYS
) -> Account:
    """Switch a deactivated account back on; only an operator can (for the merchant it is irreversible).

    An account without a confirmed plan whose trial is over gets ``trial_days`` more, otherwise the
    next run of ``deactivate_expired_trials`` would switch it off again at once.
    """
    if actor.kind is not ActorKind.system:
        raise AccountError(
            AccountErrorCode.permission_denied,
            N_("Only the operator can reactivate an account."),
            kind=ErrorKind.forbidden,
        )
    if trial_days < 1:
        raise AccountError(
            AccountErrorCode.invalid_input,
            N_("Some fields are not valid."),
            field_errors={"trial_days": ["Must be at least 1."]},
        )
    now = clock.now()
    account.status = AccountStatus.active
    account.deactivated_at = None
    if account.plan_confirmed_at is None and (account.trial_ends_at is None or account.trial_ends_at <= now):
        account.trial_ends_at = now + timedelta(days=trial_days)
    session.flush()
    return account


def deactivate_expired_trials(session: Session, *, at: datetime | None = None) -> list[int]:
    """Deactivate every active account whose trial has ended without a confirmed plan; their ids."""
    moment = at or clock.now()
    accounts = session.scalars(
        select(Account)
        .where(
            Account.status == AccountStatus.active,
            Account.trial_ends_at.is_not(None),
            Account.trial_ends_at <= moment,
            Account.plan_confirmed_at.is_(None),
        )
        .order_by(Account.id)
        .with_for_update(skip_locked=True)
    ).all()
    actor = Actor.system("trial expiry")
    for account in accounts:
        deactivate_account(session, account=account, actor=actor)
    return [account.id for account in accounts]


def stored_file_keys(session: Session, *, account_id: int) -> list[str]:
    """Every file-storage key the account's rows point at (attachments, logos, documents …).

    Found by convention, so tables added later are covered: any column named ``storage_key``,
    ``logo_key`` or ending in ``_storage_key`` on a table with an ``account_id``.
    """
    from retino_core.models import Base

    keys: list[str] = []
    for table in Base.metadata.sorted_tables:
        if "account_id" not in table.c:
            continue
        for column in table.c:
            if column.name in {"storage_key", "logo_key"} or column.name.endswith("_storage_key"):
                keys.extend(
                    key
                    for key in session.scalars(
                        select(column).where(table.c.account_id == account_id, column.is_not(None))
                    )
                    if key
                )
    return keys


def purge_account(session: Session, *, account_id: int, storage: FileStorage, at: datetime | None = None) -> bool:
    """Delete an account deactivated more than ``PURGE_AFTER`` ago: its files, its rows, its lone users.

    Files go first: if the transaction then fails, the next run finds the account again and
    finishes (deleting a missing file is not an error). Rows owned by the account cascade in the
    database. Users who belonged to no other account are deleted too. Returns False, doing
    nothing, when the account is gone, active again, or not old enough.
    """
    moment = at or clock.now()
    account = session.scalar(select(Account).where(Account.id == account_id).with_for_update())
    if (
        account is None
        or account.status is not AccountStatus.deactivated
        or account.deactivated_at is None
        or account.deactivated_at > moment - PURGE_AFTER
    ):
        return False
    for key in stored_file_keys(session, account_id=account_id):
        try:
            storage.delete(key)
        except FileNotInStorage:
            continue
    member_ids = list(session.scalars(select(Membership.user_id).where(Membership.account_id == account_id)))
    session.execute(delete(Account).where(Account.id == account_id))
    if member_ids:
        still_member = select(Membership.id).where(Membership.user_id == User.id).exists()
        session.execute(
            delete(User).where(User.id.in_(member_ids), ~still_member).execution_options(synchronize_session=False)
        )
    session.expire_all()
    return True


def accounts_due_for_purge(session: Session, *, at: datetime | None = None, limit: int = 50) -> list[int]:
    cutoff = (at or clock.now()) - PURGE_AFTER
    return list(
        session.scalars(
            select(Account.id)
            .where(Account.status == AccountStatus.deactivated, Account.deactivated_at < cutoff)
            .order_by(Account.deactivated_at, Account.id)
            .limit(limit)
        )
    )


# --- Password reset ------------------------------------------------------------------------------

#: Seconds a password-reset link works.
PASSWORD_RESET_MAX_AGE = 3600
_RESET_SALT = "retino.password-reset"
#: Where the admin serves the reset and invitation pages (links in e-mails point there).
PASSWORD_RESET_PATH = "/admin/password/reset/"  # noqa: S105 - a URL path, not a password
INVITATION_PATH = "/admin/invitations/"


def _password_fingerprint(user: User) -> str:
    """Changes whenever the password does (argon2 salts every hash), so a used link stops working."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:24]


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_RESET_SALT)


def password_reset_token(user: User, *, secret_key: str) -> str:
    """A signed token naming the user and the current password; valid ``PASSWORD_RESET_MAX_AGE`` seconds."""
    return _reset_serializer(secret_key).dumps({"user": user.id, "fingerprint": _password_fingerprint(user)})


def request_password_reset(session: Session, *, email: str, settings: Settings) -> OutboundEmail | None:
    """Queue a reset link to the active user with this e-mail; None (and nothing queued) otherwise.

    The caller answers the same either way, so the form reveals nothing about who has a login.
    The e-mail is stored under an account the user is a member of (outbound e-mail is
    tenant-owned); a user in no account cannot sign in anyway and gets nothing.
    """
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        return None
    account_id = session.scalar(
        select(Membership.account_id)
        .where(Membership.user_id == user.id, Membership.is_active)
        .order_by(Membership.id)
        .limit(1)
    )
    if account_id is None:
        return None
    token = password_reset_token(user, secret_key=settings.secret_key)
    return queue_account_email(
        session,
        account_id=account_id,
        to_address=user.email,
        to_name=user.full_name,
        template="password_reset",
        language=user.language,
        context={
            "full_name": user.full_name,
            "reset_url": f"{settings.public_base_url.rstrip('/')}{PASSWORD_RESET_PATH}{token}",
            "valid_minutes": PASSWORD_RESET_MAX_AGE // 60,
        },
        settings=settings,
    )


def user_for_reset_token(session: Session, *, token: str, secret_key: str) -> User:
    """The active user a reset token is for; one error for a forged, expired or already used token."""
    refused = AccountError(
        AccountErrorCode.invalid_token,
        N_("This link is not valid any more. Ask for a new one."),
        kind=ErrorKind.not_found,
    )
    try:
        data = _reset_serializer(secret_key).loads(token, max_age=PASSWORD_RESET_MAX_AGE)
    except BadData:
        raise refused from None
    if not isinstance(data, dict):
        raise refused
    if not isinstance(data.get("user"), int) or not isinstance(data.get("fingerprint"), str):
        raise refused
    user = session.get(User, data["user"])
    if user is None or not user.is_active:
        raise refused
    if not hmac.compare_digest(data["fingerprint"], _password_fingerprint(user)):
        raise refused
    return user


def reset_password(session: Session, *, token: str, password: str, secret_key: str) -> User:
    """Set a new password through a reset token; the token dies with it and every session ends.

    A successful reset also lifts a sign-in lock: whoever reads the mailbox is the user.
    """
    user = user_for_reset_token(session, token=token, secret_key=secret_key)
    data = _load(NewPasswordSchema(), {"password": password})
    user.password_hash = hash_password(data["password"])
    user.failed_login_count = 0
    user.locked_until = None
    end_all_sessions(session, user=user)
    return user


# --- Team: invitations and removing members ------------------------------------------------------

#: How long an invitation link works.
INVITATION_VALIDITY = timedelta(days=7)

#: Role names in e-mails, in every e-mail language.
ROLE_NAMES: dict[str, dict[Role, str]] = {
    "en": {
        Role.owner: "owner",
        Role.manager: "manager",
        Role.dispatcher: "dispatcher",
        Role.technician: "technician",
        Role.agent: "agent",
        Role.viewer: "viewer",
    },
    "cs": {
        Role.owner: "vlastník",
        Role.manager: "manažer",
        Role.dispatcher: "dispečer",
        Role.technician: "technik",
        Role.agent: "operátor",
        Role.viewer: "čtenář",
    },
    "sk": {
        Role.owner: "vlastník",
        Role.manager: "manažér",
        Role.dispatcher: "dispečer",
        Role.technician: "technik",
        Role.agent: "operátor",
        Role.viewer: "čitateľ",
    },
    "pl": {
        Role.owner: "właściciel",
        Role.manager: "menedżer",
        Role.dispatcher: "dyspozytor",
        Role.technician: "technik",
        Role.agent: "konsultant",
        Role.viewer: "obserwator",
    },
    "de": {
        Role.owner: "Inhaber",
        Role.manager: "Manager",
        Role.dispatcher: "Disponent",
        Role.technician: "Techniker",
        Role.agent: "Sachbearbeiter",
        Role.viewer: "Leser",
    },
    "hu": {
        Role.owner: "tulajdonos",
        Role.manager: "menedzser",
        Role.dispatcher: "diszpécser",
        Role.technician: "technikus",
        Role.agent: "ügyintéző",
        Role.viewer: "megtekintő",
    },
}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_active(account: Account) -> None:
    if not account.is_active:
        raise AccountError(
            AccountErrorCode.account_deactivated, N_("This account is deactivated."), kind=ErrorKind.forbidden
        )


def _require_may_grant(actor: Actor, *roles: Role) -> None:
    """Only an owner (or whoever holds ``account_manage``) may hand out or take away ownership."""
    if actor.role is not Role.owner and Role.owner in roles:
        actor.require(Permission.account_manage)


def _count_active_owners(session: Session, account_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.account_id == account_id, Membership.role == Role.owner, Membership.is_active)
        )
        or 0
    )


def invite_member(
    session: Session, *, account: Account, actor: Actor, payload: Mapping[str, Any], settings: Settings
) -> tuple[Invitation, str]:
    """Store an invitation to ``payload["email"]`` with ``payload["role"]`` and queue its e-mail.

    Returns the invitation and the token of its link (only the token's hash is stored). An
    earlier open invitation of the same address to this account is replaced. Refused for an
    address that is already an active member.
    """
    actor.require(Permission.users_manage)
    _require_active(account)
    data = _load(InvitationCreateSchema(), {**payload, "email": str(payload.get("email", "")).strip()})
    email = data["email"].lower()
    role: Role = data["role"]
    _require_may_grant(actor, role)
    active_member = session.scalar(
        select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.account_id == account.id, Membership.is_active, User.email == email)
    )
    if active_member is not None:
        raise AccountError(
            AccountErrorCode.already_member,
            N_("This user is already a member."),
            kind=ErrorKind.conflict,
            field_errors={"email": ["This user is already a member."]},
        )
    now = clock.now()
    for earlier in session.scalars(
        Invitation.select_for_account(account.id).where(
            Invitation.email == email, Invitation.accepted_at.is_(None), Invitation.expires_at > now
        )
    ):
        earlier.expires_at = now
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        account_id=account.id,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by_id=actor.user_id,
        created_at=now,
        expires_at=now + INVITATION_VALIDITY,
    )
    session.add(invitation)
    session.flush()
    language = account.default_language
    queue_account_email(
        session,
        account_id=account.id,
        to_address=email,
        to_name="",
        template="invitation",
        language=language,
        context={
            "shop_name": account.name,
            "inviter_name": actor.label,
            "role_name": ROLE_NAMES.get(language, ROLE_NAMES["en"])[role],
            "accept_url": f"{settings.public_base_url.rstrip('/')}{INVITATION_PATH}{token}",
            "expires_at": invitation.expires_at,
        },
        settings=settings,
    )
    return invitation, token


def open_invitation(session: Session, *, token: str, for_update: bool = False) -> Invitation:
    """The open invitation a link's token belongs to; one error for unknown, used, revoked or expired."""
    query = select(Invitation).where(Invitation.token_hash == _token_hash(token))
    if for_update:
        query = query.with_for_update()
    invitation = session.scalar(query)
    if invitation is None or not invitation.is_open(clock.now()):
        raise AccountError(
            AccountErrorCode.invitation_not_found,
            N_("This invitation is not valid any more. Ask for a new one."),
            kind=ErrorKind.not_found,
        )
    return invitation


def accept_invitation(
    session: Session,
    *,
    token: str,
    full_name: str = "",
    password: str = "",
    language: str = "cs",
    signed_in_user: User | None = None,
) -> Membership:
    """Join the invitation's account with its role, as a new user or as the signed-in one.

    Without ``signed_in_user`` a new user is created from ``full_name`` and ``password``; if the
    invited address already has a login, its owner must sign in first (``sign_in_required``).
    A signed-in user must have the invited address. A former member's membership is reactivated
    with the new role. The invitation is then used up.
    """
    invitation = open_invitation(session, token=token, for_update=True)
    account = session.get(Account, invitation.account_id)
    if account is None:
        raise AccountError(AccountErrorCode.account_not_found, N_("Account not found."), kind=ErrorKind.not_found)
    _require_active(account)
    if signed_in_user is not None:
        if signed_in_user.email != invitation.email:
            raise AccountError(
                AccountErrorCode.invitation_email_mismatch,
                N_("This invitation is for %(email)s. Sign in with that address."),
                kind=ErrorKind.forbidden,
                email=invitation.email,
            )
        user = signed_in_user
    else:
        if session.scalar(select(User.id).where(User.email == invitation.email)) is not None:
            raise AccountError(
                AccountErrorCode.sign_in_required,
                N_("There is already a login for %(email)s. Sign in to accept the invitation."),
                kind=ErrorKind.conflict,
                email=invitation.email,
            )
        data = _load(InvitationAcceptSchema(), {"full_name": full_name, "password": password})
        user = create_user(
            session,
            payload={
                "email": invitation.email,
                "full_name": data["full_name"],
                "password": data["password"],
                "language": language,
            },
        )
    membership = session.scalar(Membership.select_for_account(account.id).where(Membership.user_id == user.id))
    if membership is not None and membership.is_active:
        raise AccountError(
            AccountErrorCode.already_member, N_("This user is already a member."), kind=ErrorKind.conflict
        )
    if membership is None:
        membership = Membership(account_id=account.id, user_id=user.id, role=invitation.role)
        session.add(membership)
    else:
        membership.role = invitation.role
        membership.is_active = True
    invitation.accepted_at = clock.now()
    session.flush()
    return membership


def revoke_invitation(session: Session, *, account: Account, actor: Actor, invitation_id: int) -> Invitation:
    actor.require(Permission.users_manage)
    invitation = Invitation.get_for_account(session, invitation_id, account.id)
    if invitation is None:
        raise AccountError(
            AccountErrorCode.invitation_not_found, N_("This invitation does not exist."), kind=ErrorKind.not_found
        )
    now = clock.now()
    if invitation.is_open(now):
        invitation.expires_at = now
        session.flush()
    return invitation


def deactivate_member(session: Session, *, account: Account, actor: Actor, membership_id: int) -> Membership:
    """Remove a member from the account (the membership stays, inactive, for history and re-invites).

    The last active owner cannot be removed; only an owner may remove an owner.
    """
    actor.require(Permission.users_manage)
    membership = Membership.get_for_account(session, membership_id, account.id)
    if membership is None:
        raise AccountError(AccountErrorCode.user_not_found, N_("User not found."), kind=ErrorKind.not_found)
    if not membership.is_active:
        return membership
    _require_may_grant(actor, membership.role)
    if membership.role is Role.owner and _count_active_owners(session, account.id) <= 1:
        raise AccountError(
            AccountErrorCode.last_owner, N_("The account needs at least one owner."), kind=ErrorKind.conflict
        )
    membership.is_active = False
    session.flush()
    return membership
