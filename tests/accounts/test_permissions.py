import pytest

from retino_core.accounts.actor import Actor
from retino_core.accounts.errors import AccountError
from retino_core.accounts.permissions import ROLE_PERMISSIONS, Permission, Role
from retino_core.errors import ErrorKind

P = Permission
EXPECTED = {
    Role.owner: set(Permission),
    Role.manager: set(Permission) - {P.account_manage},
    Role.dispatcher: {
        P.case_view, P.case_create, P.case_edit, P.case_transition, P.case_assign, P.case_tag, P.case_close,
        P.case_note, P.case_attach, P.item_receive, P.item_decide, P.case_export,
    },
    Role.technician: {
        P.case_view, P.case_edit, P.case_transition, P.case_tag, P.case_note, P.case_attach, P.item_receive,
        P.item_decide,
    },
    Role.agent: {
        P.case_view, P.case_create, P.case_edit, P.case_transition, P.case_assign, P.case_tag, P.case_close,
        P.case_note, P.case_attach,
    },
    Role.viewer: {P.case_view},
}  # fmt: skip


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix_is_exactly_as_specified(role):
    assert set(ROLE_PERMISSIONS[role]) == EXPECTED[role]


@pytest.mark.parametrize(("role", "permission"), [(r, p) for r in Role for p in Permission])
def test_actor_checks_follow_the_matrix(role, permission):
    actor = Actor.member(user_id=1, role=role, label="x")
    assert actor.can(permission) is (permission in EXPECTED[role])
    if permission not in EXPECTED[role]:
        with pytest.raises(AccountError) as raised:
            actor.require(permission)
        assert raised.value.kind is ErrorKind.forbidden


def test_customer_can_only_create_view_and_attach():
    customer = Actor.customer("a@example.test")
    assert {p for p in Permission if customer.can(p)} == {P.case_create, P.case_view, P.case_attach}


def test_system_and_platform_are_trusted():
    assert all(Actor.system().can(p) and Actor.platform("shoptet").can(p) for p in Permission)
