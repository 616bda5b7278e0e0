"""Installing and uninstalling a channel from the platform's app store, where no merchant is signed in to us.

Shoptet installs the add-on by calling our install URL; we then know the e-shop (its id, URL and
contact e-mail) but nobody is signed in. :func:`install_channel` therefore finds the channel the
shop had before (a reinstall keeps its account, cases and settings) or creates an account for the
shop with the channel and invites the shop's contact address as the account's owner. The
platform's later system events (uninstall, suspend, terminate, approve) go through
:func:`apply_platform_event`.

An account whose last channel is uninstalled or suspended becomes read-only (deactivated): the
merchant can still sign in, read and export, and the usual retention of deactivated accounts
applies. A reinstall or approval switches it back on.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from retino_core.accounts.actions import create_account, deactivate_account, invite_member, reactivate_account
from retino_core.accounts.actor import Actor
from retino_core.accounts.models import (
    Account,
    AccountStatus,
    ChannelStatus,
    Membership,
    Platform,
    Role,
    SalesChannel,
    User,
)
from retino_core.accounts.passwords import hash_password
from retino_core.i18n import N_

if TYPE_CHECKING:
    from retino_core.accounts.credentials import CredentialCipher
    from retino_core.config import Settings

#: Languages of the admin; a user created for another language reads it in English.
ADMIN_LANGUAGES = ("cs", "en")
#: The channel states in which a channel keeps its account active.
ACTIVE_CHANNEL_STATES = (ChannelStatus.connected, ChannelStatus.error, ChannelStatus.waiting)


@dataclass(frozen=True)
class Installation:
    """What the platform told us about the shop that installed us, and the credentials it granted."""

    platform: Platform
    external_shop_id: str
    shop_url: str
    shop_name: str
    contact_email: str
    country: str
    currency: str
    language: str
    credentials: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InstallOutcome:
    account: Account
    channel: SalesChannel
    #: True when this install created the account (a first install); False for a reinstall.
    created: bool


class PlatformEvent(Enum):
    """The platform's system events about our installation in a shop (Shoptet ``addon:*``)."""

    uninstalled = "uninstalled"
    suspended = "suspended"
    terminated = "terminated"
    approved = "approved"


def find_installed_channel(session: Session, *, platform: Platform, external_shop_id: str) -> SalesChannel | None:
    """The channel of ``platform``'s shop ``external_shop_id`` in any account (the oldest, should there be several)."""
    return session.scalar(
        select(SalesChannel)
        .where(SalesChannel.platform == platform, SalesChannel.external_shop_id == external_shop_id)
        .order_by(SalesChannel.id)
        .limit(1)
        .with_for_update()
    )


def install_channel(
    session: Session, *, installation: Installation, cipher: CredentialCipher, settings: Settings
) -> InstallOutcome:
    """Connect the shop of ``installation``: reuse its earlier channel or create an account for it.

    The credentials replace any stored ones (a reinstall grants new tokens); the channel is
    ``connected``, its sync cursors are kept on a reinstall (orders already imported are not
    fetched again beyond the import window). A deactivated account is switched back on (a reinstall
    is the merchant's wish to use us again). The invitation e-mail is queued after commit.
    """
    platform_actor = Actor.platform(installation.platform.value)
    channel = find_installed_channel(
        session, platform=installation.platform, external_shop_id=installation.external_shop_id
    )
    if channel is not None:
        account = session.get(Account, channel.account_id)
        assert account is not None
        if account.status is AccountStatus.deactivated:
            reactivate_account(session, account=account, actor=Actor.system(installation.platform.value))
        _connect(channel, installation, cipher)
        session.flush()
        return InstallOutcome(account=account, channel=channel, created=False)
    account = create_account(
        session,
        payload={
            "name": installation.shop_name[:200] or installation.external_shop_id,
            "slug": _free_slug(session, f"{installation.platform.value}-{installation.external_shop_id}"),
            "country": installation.country,
            "default_language": installation.language,
            "default_currency": installation.currency,
        },
    )
    channel = SalesChannel(
        account_id=account.id,
        platform=installation.platform,
        name=installation.shop_name[:200] or installation.external_shop_id,
        external_shop_id=installation.external_shop_id,
        shop_url=installation.shop_url[:500],
        country=installation.country,
        currency=installation.currency,
        default_language=installation.language,
    )
    _connect(channel, installation, cipher)
    session.add(channel)
    session.flush()
    if installation.contact_email:
        invite_member(
            session,
            account=account,
            actor=platform_actor,
            payload={"email": installation.contact_email, "role": Role.owner.value},
            settings=settings,
        )
    return InstallOutcome(account=account, channel=channel, created=True)


def _connect(channel: SalesChannel, installation: Installation, cipher: CredentialCipher) -> None:
    channel.credentials_encrypted = cipher.encrypt(installation.credentials)
    channel.status = ChannelStatus.connected
    channel.status_message = ""
    channel.last_error_at = None
    if installation.shop_url:
        channel.shop_url = installation.shop_url[:500]


def _free_slug(session: Session, wanted: str) -> str:
    base = re.sub(r"[^a-z0-9-]+", "-", wanted.lower()).strip("-")[:50] or "shop"
    slug = base
    while session.scalar(select(Account.id).where(Account.slug == slug)) is not None:
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def apply_platform_event(session: Session, *, channel: SalesChannel, event: PlatformEvent) -> None:
    """Apply the platform's system event to ``channel`` (and its account), idempotently.

    - uninstalled / terminated: the channel is disabled and its credentials deleted (the platform
      revoked them; keeping them would keep a secret for nothing);
    - suspended: the channel is disabled, credentials kept for the approval;
    - approved: a suspended channel with credentials is connected again.
    An account left without an active channel becomes read-only (deactivated); approval of its
    channel switches it back on.
    """
    account = session.get(Account, channel.account_id)
    assert account is not None
    if event is PlatformEvent.approved:
        if channel.credentials_encrypted is None:
            return
        channel.status = ChannelStatus.connected
        channel.status_message = ""
        if account.status is AccountStatus.deactivated:
            reactivate_account(session, account=account, actor=Actor.system(channel.platform.value))
        session.flush()
        return
    channel.status = ChannelStatus.disabled
    channel.status_message = {
        PlatformEvent.uninstalled: N_("Uninstalled in the shop's administration."),
        PlatformEvent.terminated: N_("The platform ended the installation."),
        PlatformEvent.suspended: N_("Suspended by the platform."),
    }[event]
    if event is not PlatformEvent.suspended:
        channel.credentials_encrypted = None
    session.flush()
    others_active = session.scalar(
        select(SalesChannel.id).where(
            SalesChannel.account_id == account.id,
            SalesChannel.id != channel.id,
            SalesChannel.status.in_(ACTIVE_CHANNEL_STATES),
        )
    )
    if others_active is None and account.status is AccountStatus.active:
        deactivate_account(session, account=account, actor=Actor.system(channel.platform.value))


def admit_shop_admin(session: Session, *, channel: SalesChannel, email: str, name: str) -> Membership:
    """The membership a platform-verified administrator of ``channel``'s shop signs in with.

    The platform vouched that this person administers the shop (Shoptet's add-on settings), so they
    may work in its account: an existing active membership is used as it is; a newcomer becomes a
    member — the owner while the account has no active owner yet (the installer's invitation is
    still open), a manager otherwise — and a user without one gets an account with an unusable
    random password (they sign in through the platform, or set a password by the reset link).
    A membership that was deactivated stays deactivated: PermissionError.
    """
    address = email.strip().lower()
    user = session.scalar(select(User).where(User.email == address))
    if user is None:
        user = User(
            email=address,
            full_name=(name or address)[:200],
            password_hash=hash_password(secrets.token_urlsafe(32)),
            language=channel.default_language if channel.default_language in ADMIN_LANGUAGES else "en",
        )
        session.add(user)
        session.flush()
    elif not user.is_active:
        raise PermissionError("this user is switched off")
    membership = session.scalar(
        select(Membership).where(Membership.account_id == channel.account_id, Membership.user_id == user.id)
    )
    if membership is not None:
        if not membership.is_active:
            raise PermissionError("this member was deactivated in the account")
        return membership
    has_owner = session.scalar(
        select(Membership.id).where(
            Membership.account_id == channel.account_id, Membership.role == Role.owner, Membership.is_active
        )
    )
    membership = Membership(
        account_id=channel.account_id, user_id=user.id, role=Role.manager if has_owner is not None else Role.owner
    )
    session.add(membership)
    session.flush()
    return membership
