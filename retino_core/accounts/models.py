"""Accounts (the merchant, the tenant), users, memberships and sales channels."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import Enum

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from retino_core.accounts.permissions import Role
from retino_core.db import AccountScoped, Base, BigIntPK, Timestamped, enum_type


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def new_channel_public_id() -> str:
    """144 random bits, URL-safe: names a channel in storefront URLs without revealing its row id."""
    return secrets.token_urlsafe(18)


class AccountStatus(Enum):
    #: Working normally.
    active = "active"
    #: Switched off by the merchant: storefront and webhooks refuse, data stays for export.
    deactivated = "deactivated"


class Account(Timestamped, Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Stable short name used in storefront URLs.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    default_language: Mapped[str] = mapped_column(String(5))
    default_currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[AccountStatus] = mapped_column(enum_type(AccountStatus), default=AccountStatus.active)
    #: Days the merchant allows itself to cure a defect where the law says only "reasonable" (DE).
    reasonable_period_days: Mapped[int] = mapped_column(Integer, default=14)
    deactivated_at: Mapped[datetime | None]
    #: End of the free trial; without a confirmed plan by then the account is deactivated.
    trial_ends_at: Mapped[datetime | None]
    #: When the merchant confirmed a paid plan (entered a card); None while only on trial.
    plan_confirmed_at: Mapped[datetime | None]

    brandings: Mapped[list[AccountBranding]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="AccountBranding.language"
    )

    @property
    def is_active(self) -> bool:
        return self.status is AccountStatus.active

    def branding_for(self, language: str) -> AccountBranding | None:
        by_language = {branding.language: branding for branding in self.brandings}
        return by_language.get(language) or by_language.get(self.default_language)


class AccountBranding(AccountScoped, Base):
    """What the shopper sees in one language: shop name, logo, e-mail sender and signature."""

    __tablename__ = "account_brandings"
    __table_args__ = (UniqueConstraint("account_id", "language"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    language: Mapped[str] = mapped_column(String(5))
    shop_name: Mapped[str] = mapped_column(String(200))
    #: Storage key of the logo image, if one was uploaded.
    logo_key: Mapped[str | None] = mapped_column(String(200))
    sender_name: Mapped[str] = mapped_column(String(200))
    signature: Mapped[str] = mapped_column(Text, default="")

    account: Mapped[Account] = relationship(back_populates="brandings")


class User(Timestamped, Base):
    """A person who signs in; belongs to accounts through memberships (one login, several shops)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    #: Stored lower-cased; unique across the installation.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    #: argon2id hash; never the password.
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5))
    is_active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    #: Failed sign-ins since the last success; at the limit the user is locked for a while.
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    #: Part of every session cookie; rotating it signs the user out everywhere.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)


class Membership(AccountScoped, Timestamped, Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("account_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role))
    is_active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship()
    account: Mapped[Account] = relationship()


class Platform(Enum):
    shoptet = "shoptet"
    woocommerce = "woocommerce"
    allegro = "allegro"


class ChannelStatus(Enum):
    #: Installed and syncing.
    connected = "connected"
    #: The last sync or call failed; ``status_message`` says why.
    error = "error"
    #: Switched off by the merchant or uninstalled on the platform.
    disabled = "disabled"
    #: Installed, waiting for the merchant to finish authorisation.
    waiting = "waiting"


class SalesChannel(AccountScoped, Timestamped, Base):
    """One installation of a platform adapter: a Shoptet shop, a WooCommerce site, an Allegro seller."""

    __tablename__ = "sales_channels"
    __table_args__ = (UniqueConstraint("account_id", "platform", "external_shop_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    #: Names the channel in public URLs (the storefront widget); random, never the numeric id.
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_channel_public_id)
    platform: Mapped[Platform] = mapped_column(enum_type(Platform))
    name: Mapped[str] = mapped_column(String(200))
    #: The platform's id of the shop (Shoptet eshopId, WooCommerce site URL, Allegro seller id).
    external_shop_id: Mapped[str] = mapped_column(String(200))
    shop_url: Mapped[str] = mapped_column(String(500), default="")
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    default_language: Mapped[str] = mapped_column(String(5))
    #: Every new case from this channel is assigned to this user (MassTrade's channel consultant).
    default_consultant_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("users.id", ondelete="SET NULL"))
    #: Platform tokens, encrypted with a key derived from the secret key (see credentials.py).
    credentials_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[ChannelStatus] = mapped_column(enum_type(ChannelStatus), default=ChannelStatus.waiting)
    status_message: Mapped[str] = mapped_column(Text, default="")
    last_synced_at: Mapped[datetime | None]
    #: Where the periodic order sync resumes (:attr:`OrderChangePage.cursor`); stored only after the
    #: orders it covers were upserted, so a crash re-reads rather than skips.
    sync_cursor: Mapped[str] = mapped_column(String(200), default="")
    #: The same for the platform's customer returns (Allegro).
    returns_cursor: Mapped[str] = mapped_column(String(200), default="")
    #: When ``status`` last became ``error`` (with ``status_message``); None while healthy.
    last_error_at: Mapped[datetime | None]
    #: Send each paid order's buyer the link to our form through the platform's messages (Allegro).
    message_buyers: Mapped[bool] = mapped_column(default=False)

    default_consultant: Mapped[User | None] = relationship()


class Invitation(AccountScoped, Base):
    """An e-mailed offer to join an account with a role; the link carries a token, the row only its hash.

    Open while ``accepted_at`` is None and ``expires_at`` is in the future; revoking or replacing
    an invitation moves ``expires_at`` to the moment it happened.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    #: Stored lower-cased; the person who accepts must use (or be signed in with) this address.
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    #: SHA-256 (hex) of the token in the e-mailed link; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]

    account: Mapped[Account] = relationship()
    invited_by: Mapped[User | None] = relationship()

    def is_open(self, at: datetime) -> bool:
        return self.accepted_at is None and self.expires_at > at
