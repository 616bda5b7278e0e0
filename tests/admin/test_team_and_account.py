"""The team and account screens: who may see and change what, invitations end to end, deactivation."""

import re

import pytest
from sqlalchemy import select

from retino_core.accounts.models import AccountStatus, Invitation, Membership, User
from retino_core.accounts.permissions import Permission, Role, role_allows
from retino_core.messaging.models import OutboundEmail
from tests.admin.conftest import sign_in

NEW_PASSWORD = "heslo pro nováčka"

GET_PAGES = {
    "/admin/team": Permission.users_manage,
    "/admin/account": Permission.account_manage,
    "/admin/account/usage.csv": Permission.account_manage,
}


def membership_of(session, shop, role):
    return session.scalar(
        Membership.select_for_account(shop.account_id).where(Membership.user_id == shop.members[role].id)
    )


def post_forms(session, shop):
    agent = membership_of(session, shop, Role.agent)
    return {
        "/admin/team/invite": ({"email": "novy@example.test", "role": "agent"}, Permission.users_manage),
        f"/admin/team/{agent.id}/role": ({"role": "viewer"}, Permission.users_manage),
        f"/admin/team/{agent.id}/deactivate": ({}, Permission.users_manage),
        "/admin/account/deactivate": ({"confirm_slug": shop.account.slug}, Permission.account_manage),
    }


def unchanged(session, shop):
    session.expire_all()
    agent = membership_of(session, shop, Role.agent)
    assert agent.role is Role.agent
    assert agent.is_active
    assert session.scalar(select(Invitation.id)) is None
    assert shop.account.status is AccountStatus.active


def test_anonymous_is_sent_to_sign_in(app, shop, session):
    client = app.test_client()
    for path in [*GET_PAGES, *post_forms(session, shop)]:
        response = client.post(path) if path in post_forms(session, shop) else client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/admin/login"), path


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_and_changes_only_what_it_may(app, shop, session, client_for, role):
    client = client_for(role)
    for path, permission in GET_PAGES.items():
        expected = 200 if role_allows(role, permission) else 403
        assert client.get(path).status_code == expected, (path, role)
    for path, (form, permission) in post_forms(session, shop).items():
        if role_allows(role, permission):
            continue
        assert client.post(path, data=form).status_code == 403, (path, role)
    unchanged(session, shop)


def test_another_accounts_members_and_invitations_are_404(app, shop, other_shop, session, client_for):
    client = client_for(Role.owner)
    foreign = membership_of(session, other_shop, Role.agent)
    assert client.post(f"/admin/team/{foreign.id}/role", data={"role": "viewer"}).status_code == 404
    assert client.post(f"/admin/team/{foreign.id}/deactivate").status_code == 404
    other_client = client_for(Role.owner, other_shop)
    other_client.post("/admin/team/invite", data={"email": "cizi@example.test", "role": "agent"})
    invitation = session.scalar(select(Invitation).where(Invitation.account_id == other_shop.account_id))
    assert client.post(f"/admin/team/invitations/{invitation.id}/revoke").status_code == 404
    session.expire_all()
    assert membership_of(session, other_shop, Role.agent).role is Role.agent
    assert invitation.expires_at > invitation.created_at


def test_a_deactivated_account_refuses_every_change_but_shows_its_pages(app, shop, session, client_for):
    shop.account.status = AccountStatus.deactivated
    session.commit()
    client = client_for(Role.owner)
    for path in GET_PAGES:
        assert client.get(path).status_code == 200, path
    for path, (form, _) in post_forms(session, shop).items():
        assert client.post(path, data=form).status_code == 403, path
    session.expire_all()
    agent = membership_of(session, shop, Role.agent)
    assert agent.role is Role.agent
    assert agent.is_active
    assert session.scalar(select(Invitation.id)) is None


def test_the_team_page_lists_members_with_role_status_and_last_sign_in(app, shop, client_for):
    body = client_for(Role.manager).get("/admin/team").get_data(as_text=True)
    for role, user in shop.members.items():
        assert user.email in body, role
    assert "Never" in body or "Nikdy" in body


def test_invite_accept_and_sign_in_end_to_end(app, shop, session, client_for):
    manager = client_for(Role.manager)
    response = manager.post("/admin/team/invite", data={"email": "Novak@Example.test", "role": "technician"})
    assert response.status_code == 302
    email = session.scalar(select(OutboundEmail).where(OutboundEmail.template == "invitation"))
    path = re.search(r"http://shop\.example\.test(/admin/invitations/\S+)", email.body_text).group(1)
    visitor = app.test_client()
    assert "Tričkárna" in visitor.get(path).get_data(as_text=True)
    mismatch = visitor.post(path, data={"full_name": "Jan Novák", "password": NEW_PASSWORD, "password_confirm": "x"})
    assert mismatch.status_code == 422
    accepted = visitor.post(
        path, data={"full_name": "Jan Novák", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert accepted.status_code == 302
    assert visitor.get("/admin/").status_code == 200  # signed in straight away
    session.expire_all()
    membership = session.scalar(
        select(Membership)
        .join(Membership.user)
        .where(Membership.account_id == shop.account_id, User.email == "novak@example.test")
    )
    assert membership.role is Role.technician
    assert app.test_client().get(path).status_code == 404  # used up
    sign_in(app.test_client(), "novak@example.test", NEW_PASSWORD)


def test_an_existing_login_accepts_after_signing_in(app, shop, other_shop, session, client_for):
    outsider = other_shop.members[Role.viewer]
    client_for(Role.owner).post("/admin/team/invite", data={"email": outsider.email, "role": "agent"})
    email = session.scalar(select(OutboundEmail).where(OutboundEmail.template == "invitation"))
    path = re.search(r"http://shop\.example\.test(/admin/invitations/\S+)", email.body_text).group(1)
    anonymous = app.test_client()
    assert (
        anonymous.post(
            path, data={"full_name": "X", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
        ).status_code
        == 409
    )
    wrong = client_for(Role.agent, other_shop)
    assert wrong.post(path).status_code == 403
    right = client_for(Role.viewer, other_shop)
    assert right.post(path).status_code == 302
    session.expire_all()
    joined = session.scalar(Membership.select_for_account(shop.account_id).where(Membership.user_id == outsider.id))
    assert joined.role is Role.agent


def test_role_change_refusals_and_the_last_owner(app, shop, session, client_for):
    owner = membership_of(session, shop, Role.owner)
    manager = client_for(Role.manager)
    assert manager.post(f"/admin/team/{owner.id}/role", data={"role": "agent"}).status_code == 409
    agent = membership_of(session, shop, Role.agent)
    assert manager.post(f"/admin/team/{agent.id}/role", data={"role": "owner"}).status_code == 403
    assert manager.post(f"/admin/team/{agent.id}/role", data={"role": "boss"}).status_code == 400
    owner_client = client_for(Role.owner)
    refused = owner_client.post(f"/admin/team/{owner.id}/deactivate")
    assert refused.status_code == 409
    assert "owner" in refused.get_data(as_text=True) or "vlastník" in refused.get_data(as_text=True)
    assert manager.post(f"/admin/team/{agent.id}/role", data={"role": "dispatcher"}).status_code == 302
    assert manager.post(f"/admin/team/{agent.id}/deactivate").status_code == 302
    session.expire_all()
    assert membership_of(session, shop, Role.owner).is_active
    agent = membership_of(session, shop, Role.agent)
    assert agent.role is Role.dispatcher
    assert agent.is_active is False


def test_account_page_shows_trial_and_usage_and_exports_csv(app, shop, client_for):
    client = client_for(Role.owner)
    body = client.get("/admin/account").get_data(as_text=True)
    assert shop.account.slug in body
    month = shop.case.created_at.astimezone().strftime("%Y-%m")
    assert month in body
    csv = client.get("/admin/account/usage.csv")
    assert csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[0] == "month,cases_created"
    assert csv.get_data(as_text=True).splitlines()[1].endswith(",1")


def test_deactivation_needs_the_short_name_typed(app, shop, session, client_for):
    client = client_for(Role.owner)
    assert client.post("/admin/account/deactivate", data={"confirm_slug": "wrong"}).status_code == 422
    session.expire_all()
    assert shop.account.status is AccountStatus.active
    assert client.post("/admin/account/deactivate", data={"confirm_slug": shop.account.slug}).status_code == 302
    session.expire_all()
    assert shop.account.status is AccountStatus.deactivated
    assert shop.account.deactivated_at is not None
    assert client.post("/admin/team/invite", data={"email": "a@example.test", "role": "agent"}).status_code == 403
