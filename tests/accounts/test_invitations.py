"""Inviting a colleague: the stored invitation, its e-mail, accepting it once, and team refusals."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from retino_core import clock
from retino_core.accounts.actions import (
    INVITATION_VALIDITY,
    accept_invitation,
    change_role,
    deactivate_member,
    invite_member,
    open_invitation,
    revoke_invitation,
)
from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.models import Invitation, Membership, User
from retino_core.accounts.passwords import verify_password
from retino_core.accounts.permissions import Role
from retino_core.messaging.models import EmailStatus, OutboundEmail


@pytest.fixture
def owner_setup(session, make_account, make_member):
    account = make_account(name="Tričkárna")
    owner, actor = make_member(account, Role.owner, full_name="Olga Majitelová")
    return account, owner, actor


def invite(session, account, actor, settings, email="nova@example.test", role=Role.agent):
    return invite_member(
        session, account=account, actor=actor, payload={"email": email, "role": role.value}, settings=settings
    )


def test_invitation_stores_only_the_token_hash_and_queues_the_email(session, settings, owner_setup):
    account, owner, actor = owner_setup
    invitation, token = invite(session, account, actor, settings, email=" Nova@Example.TEST ")
    assert invitation.email == "nova@example.test"
    assert invitation.role is Role.agent
    assert invitation.invited_by_id == owner.id
    assert token not in invitation.token_hash
    assert len(invitation.token_hash) == 64
    assert invitation.expires_at - invitation.created_at == INVITATION_VALIDITY
    email = session.scalar(OutboundEmail.select_for_account(account.id).where(OutboundEmail.template == "invitation"))
    assert email.case_id is None
    assert email.status is EmailStatus.queued
    assert email.to_address == "nova@example.test"
    assert f"http://shop.example.test/admin/invitations/{token}" in email.body_text
    assert "Olga Majitelová" in email.subject
    assert "Tričkárna" in email.subject
    assert "operátor" in email.body_text  # the account's language (cs) names the role


def test_accepting_creates_the_user_and_the_membership_with_the_role(session, settings, owner_setup):
    account, _, actor = owner_setup
    _, token = invite(session, account, actor, settings, role=Role.technician)
    membership = accept_invitation(session, token=token, full_name="Nová Kolegyně", password="dlouhé heslo 1")
    assert membership.account_id == account.id
    assert membership.role is Role.technician
    assert membership.is_active
    user = session.get(User, membership.user_id)
    assert user.email == "nova@example.test"
    assert verify_password(user.password_hash, "dlouhé heslo 1")
    with pytest.raises(AccountError) as used:
        accept_invitation(session, token=token, full_name="Znovu", password="dlouhé heslo 1")
    assert used.value.code is AccountErrorCode.invitation_not_found


def test_an_expired_or_tampered_or_revoked_invitation_is_refused(session, settings, owner_setup):
    account, _, actor = owner_setup
    _, token = invite(session, account, actor, settings)
    later = clock.now() + INVITATION_VALIDITY + timedelta(seconds=1)
    with time_machine.travel(later, tick=False), pytest.raises(AccountError) as expired:
        open_invitation(session, token=token)
    assert expired.value.code is AccountErrorCode.invitation_not_found
    with pytest.raises(AccountError):
        open_invitation(session, token=token[:-2] + "xx")
    invitation = open_invitation(session, token=token)
    revoke_invitation(session, account=account, actor=actor, invitation_id=invitation.id)
    with pytest.raises(AccountError):
        accept_invitation(session, token=token, full_name="X", password="dlouhé heslo 1")


def test_a_new_invitation_replaces_the_open_one(session, settings, owner_setup):
    account, _, actor = owner_setup
    _, first = invite(session, account, actor, settings)
    _, second = invite(session, account, actor, settings, role=Role.viewer)
    with pytest.raises(AccountError):
        open_invitation(session, token=first)
    assert open_invitation(session, token=second).role is Role.viewer


def test_an_invitation_of_another_account_cannot_be_revoked_here(
    session, settings, owner_setup, make_account, make_member
):
    account, _, actor = owner_setup
    other = make_account(name="Cizí")
    _, other_actor = make_member(other, Role.owner)
    other_invitation, token = invite(session, other, other_actor, settings)
    with pytest.raises(AccountError) as refused:
        revoke_invitation(session, account=account, actor=actor, invitation_id=other_invitation.id)
    assert refused.value.code is AccountErrorCode.invitation_not_found
    membership = accept_invitation(session, token=token, full_name="Nový", password="dlouhé heslo 1")
    assert membership.account_id == other.id
    assert (
        session.scalar(
            select(Membership).where(Membership.account_id == account.id, Membership.user_id == membership.user_id)
        )
        is None
    )


def test_an_existing_login_must_sign_in_and_match_the_address(
    session, settings, owner_setup, make_member, make_account
):
    account, _, actor = owner_setup
    elsewhere = make_account()
    existing, _ = make_member(elsewhere, Role.agent, email="kolega@example.test")
    stranger, _ = make_member(elsewhere, Role.agent, email="jiny@example.test")
    _, token = invite(session, account, actor, settings, email="kolega@example.test", role=Role.dispatcher)
    with pytest.raises(AccountError) as anonymous:
        accept_invitation(session, token=token, full_name="X", password="dlouhé heslo 1")
    assert anonymous.value.code is AccountErrorCode.sign_in_required
    with pytest.raises(AccountError) as mismatch:
        accept_invitation(session, token=token, signed_in_user=stranger)
    assert mismatch.value.code is AccountErrorCode.invitation_email_mismatch
    membership = accept_invitation(session, token=token, signed_in_user=existing)
    assert (membership.user_id, membership.role) == (existing.id, Role.dispatcher)


def test_a_removed_member_comes_back_through_an_invitation(session, settings, owner_setup, make_member):
    account, _, actor = owner_setup
    user, _ = make_member(account, Role.viewer, email="zpet@example.test")
    membership = session.scalar(Membership.select_for_account(account.id).where(Membership.user_id == user.id))
    deactivate_member(session, account=account, actor=actor, membership_id=membership.id)
    assert membership.is_active is False
    _, token = invite(session, account, actor, settings, email="zpet@example.test", role=Role.agent)
    again = accept_invitation(session, token=token, signed_in_user=user)
    assert again.id == membership.id
    assert again.is_active
    assert again.role is Role.agent


def test_inviting_an_active_member_or_with_a_bad_address_is_refused(session, settings, owner_setup, make_member):
    account, _, actor = owner_setup
    make_member(account, Role.agent, email="uz@example.test")
    with pytest.raises(AccountError) as member:
        invite(session, account, actor, settings, email="UZ@example.test")
    assert member.value.code is AccountErrorCode.already_member
    with pytest.raises(AccountError) as invalid:
        invite(session, account, actor, settings, email="not-an-address")
    assert invalid.value.code is AccountErrorCode.invalid_input
    assert session.scalar(select(Invitation.id)) is None


def test_who_may_invite_and_grant_ownership(session, settings, owner_setup, make_member):
    account, _, _ = owner_setup
    _, manager = make_member(account, Role.manager)
    _, agent = make_member(account, Role.agent)
    with pytest.raises(AccountError) as forbidden:
        invite(session, account, agent, settings)
    assert forbidden.value.code is AccountErrorCode.permission_denied
    with pytest.raises(AccountError):
        invite(session, account, manager, settings, role=Role.owner)
    invitation, _ = invite(session, account, manager, settings, role=Role.agent)
    assert invitation.role is Role.agent


def test_the_last_owner_can_be_neither_removed_nor_demoted(session, owner_setup, make_member):
    account, owner, actor = owner_setup
    membership = session.scalar(Membership.select_for_account(account.id).where(Membership.user_id == owner.id))
    with pytest.raises(AccountError) as removed:
        deactivate_member(session, account=account, actor=actor, membership_id=membership.id)
    assert removed.value.code is AccountErrorCode.last_owner
    with pytest.raises(AccountError) as demoted:
        change_role(session, account=account, actor=actor, membership_id=membership.id, role=Role.manager)
    assert demoted.value.code is AccountErrorCode.last_owner
    _second, _ = make_member(account, Role.owner)
    deactivate_member(session, account=account, actor=actor, membership_id=membership.id)
    assert membership.is_active is False


def test_a_manager_cannot_remove_an_owner(session, owner_setup, make_member):
    account, owner, _ = owner_setup
    make_member(account, Role.owner)
    _, manager = make_member(account, Role.manager)
    membership = session.scalar(Membership.select_for_account(account.id).where(Membership.user_id == owner.id))
    with pytest.raises(AccountError) as refused:
        deactivate_member(session, account=account, actor=manager, membership_id=membership.id)
    assert refused.value.code is AccountErrorCode.permission_denied
    assert membership.is_active is True
