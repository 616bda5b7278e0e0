"""Who is asking, for which account: resolved once per admin request and checked on every view.

The signed-in user works in one account at a time (``session["account_id"]``); membership is
re-read on every request, so a removed member or a disabled user loses access at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, session
from flask_login import current_user
from sqlalchemy import select

from marketplace_app.database import db
from retino_core.accounts.actions import actor_for
from retino_core.accounts.actor import Actor
from retino_core.accounts.models import Account, Membership, User
from retino_core.accounts.permissions import Permission

SESSION_ACCOUNT_KEY = "account_id"
#: What a deactivated account may still do: read its cases and take its data away.
READ_ONLY_PERMISSIONS = frozenset({Permission.case_view, Permission.case_export})

View = TypeVar("View", bound=Callable[..., Any])


class SessionUser:
    """What Flask-Login keeps: the user id and the session token, so rotating the token ends the session."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user: User) -> None:
        self.user = user

    @property
    def is_active(self) -> bool:
        return self.user.is_active

    @property
    def language(self) -> str:
        return self.user.language

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_token}"


def signed_in_user() -> User:
    """The database row of the signed-in user (``current_user`` is only the session wrapper)."""
    return current_user._get_current_object().user  # type: ignore[no-any-return]


@dataclass(frozen=True)
class AdminContext:
    user: User
    membership: Membership
    account: Account
    actor: Actor
    #: Every account this user may switch to, for the switcher.
    accounts: tuple[Account, ...]

    def can(self, permission: Permission) -> bool:
        """The role allows it, and the account is active or the permission only reads."""
        if not self.actor.can(permission):
            return False
        return self.account.is_active or permission in READ_ONLY_PERMISSIONS


def memberships_of(user: User) -> list[Membership]:
    return list(
        db().scalars(
            select(Membership)
            .join(Account, Account.id == Membership.account_id)
            .where(Membership.user_id == user.id, Membership.is_active)
            .order_by(Account.name, Account.id)
        )
    )


def load_admin_context() -> AdminContext | None:
    """The context for the signed-in user, or None when they belong to no account."""
    user = signed_in_user()
    memberships = memberships_of(user)
    if not memberships:
        return None
    wanted = session.get(SESSION_ACCOUNT_KEY)
    membership = next((m for m in memberships if m.account_id == wanted), memberships[0])
    session[SESSION_ACCOUNT_KEY] = membership.account_id
    return AdminContext(
        user=user,
        membership=membership,
        account=membership.account,
        actor=actor_for(membership),
        accounts=tuple(m.account for m in memberships),
    )


def admin_context() -> AdminContext:
    context: AdminContext | None = g.get("admin")
    if context is None:
        abort(403)
    return context


def requires(permission: Permission) -> Callable[[View], View]:
    """Refuse the view with 403 unless the member's role holds ``permission``.

    A deactivated account is read-only: every permission but viewing is refused, whatever the role.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not admin_context().can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
