"""Who performs an action: a member with a role, a shopper, a platform or the system itself.

Actions take an ``actor`` so that permissions are checked and history names who did it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.permissions import CUSTOMER_PERMISSIONS, Permission, Role, role_allows
from retino_core.errors import ErrorKind
from retino_core.i18n import N_


class ActorKind(Enum):
    #: A member of the account, signed in to the admin or using an API key.
    user = "user"
    #: The shopper who owns the case (storefront form, direct link).
    customer = "customer"
    #: A platform adapter acting on a webhook or poll.
    platform = "platform"
    #: Jobs, automations, the scheduler and the command line.
    system = "system"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    label: str
    user_id: int | None = None
    role: Role | None = None

    @classmethod
    def member(cls, *, user_id: int, role: Role, label: str) -> Actor:
        return cls(kind=ActorKind.user, label=label, user_id=user_id, role=role)

    @classmethod
    def customer(cls, email: str) -> Actor:
        return cls(kind=ActorKind.customer, label=email)

    @classmethod
    def platform(cls, name: str) -> Actor:
        return cls(kind=ActorKind.platform, label=name)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(kind=ActorKind.system, label=label)

    def can(self, permission: Permission) -> bool:
        if self.kind in (ActorKind.system, ActorKind.platform):
            return True
        if self.kind is ActorKind.customer:
            return permission in CUSTOMER_PERMISSIONS
        return self.role is not None and role_allows(self.role, permission)

    def require(self, permission: Permission) -> None:
        """Raise a forbidden error unless this actor holds ``permission``."""
        if not self.can(permission):
            raise AccountError(
                AccountErrorCode.permission_denied,
                N_("You are not allowed to do this (%(permission)s)."),
                kind=ErrorKind.forbidden,
                permission=permission.value,
            )
