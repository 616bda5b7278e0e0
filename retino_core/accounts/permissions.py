"""Who may do what: the role × permission matrix, written once, as data.

Every action checks one permission through :func:`require`. The admin hides what a role cannot
do by asking the same matrix, so the UI and the rules never disagree.
"""

from __future__ import annotations

from enum import Enum


class Role(Enum):
    #: Runs the account: billing, users, channels, everything below.
    owner = "owner"
    #: Runs the returns team: settings, case types, templates, users; not account deletion.
    manager = "manager"
    #: Routes the work: creates, assigns and closes cases, receives goods (Topinfo's dispatcher).
    dispatcher = "dispatcher"
    #: Inspects goods and decides items (Topinfo's receiving technician); works assigned cases.
    technician = "technician"
    #: Customer service: creates and works cases, talks to customers; no goods decisions.
    agent = "agent"
    #: Reads everything, changes nothing.
    viewer = "viewer"


class Permission(Enum):
    case_view = "case.view"
    case_create = "case.create"
    case_edit = "case.edit"
    case_transition = "case.transition"
    case_assign = "case.assign"
    case_tag = "case.tag"
    case_close = "case.close"
    case_note = "case.note"
    case_attach = "case.attach"
    item_receive = "item.receive"
    item_decide = "item.decide"
    case_export = "case.export"
    settings_manage = "settings.manage"
    users_manage = "users.manage"
    channels_manage = "channels.manage"
    account_manage = "account.manage"


_CASE_WORK = frozenset(
    {
        Permission.case_view,
        Permission.case_edit,
        Permission.case_transition,
        Permission.case_tag,
        Permission.case_note,
        Permission.case_attach,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.owner: frozenset(Permission),
    Role.manager: frozenset(Permission) - {Permission.account_manage},
    Role.dispatcher: _CASE_WORK
    | {
        Permission.case_create,
        Permission.case_assign,
        Permission.case_close,
        Permission.item_receive,
        Permission.item_decide,
        Permission.case_export,
    },
    Role.technician: _CASE_WORK | {Permission.item_receive, Permission.item_decide},
    Role.agent: _CASE_WORK | {Permission.case_create, Permission.case_assign, Permission.case_close},
    Role.viewer: frozenset({Permission.case_view}),
}

#: A shopper acting on their own case through the storefront or a direct link.
CUSTOMER_PERMISSIONS: frozenset[Permission] = frozenset(
    {Permission.case_create, Permission.case_view, Permission.case_attach}
)


def role_allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
