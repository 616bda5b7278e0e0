"""The team screen: members with role, status and last sign-in; invitations; the public accept page.

Managing the team needs ``users_manage``; the list is visible to those roles even while the
account is deactivated, every change is not (``@requires``). Accepting an invitation is public:
the token in the link is the credential.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask import session as http_session
from flask_babel import gettext
from flask_login import current_user, login_user
from sqlalchemy import select

from marketplace_app.admin import blueprint
from marketplace_app.database import db, runtime
from marketplace_app.errors import translated_message
from marketplace_app.extensions import limiter
from marketplace_app.tenancy import SESSION_ACCOUNT_KEY, SessionUser, admin_context, requires, signed_in_user
from retino_core import clock
from retino_core.accounts.actions import (
    accept_invitation,
    change_role,
    deactivate_member,
    invite_member,
    open_invitation,
    revoke_invitation,
)
from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.models import Account, Invitation, Membership, User
from retino_core.accounts.passwords import MINIMUM_PASSWORD_LENGTH
from retino_core.accounts.permissions import Permission, Role
from retino_core.errors import DomainError, ErrorKind


def _may_see_team() -> None:
    if not admin_context().actor.can(Permission.users_manage):
        abort(403)


def render_team(*, status: int = 200, error: str = "", form: dict[str, str] | None = None) -> Any:
    context = admin_context()
    members = (
        db()
        .scalars(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.account_id == context.account.id)
            .order_by(Membership.is_active.desc(), User.full_name, User.id)
        )
        .all()
    )
    now = clock.now()
    invitations = (
        db()
        .scalars(
            Invitation.select_for_account(context.account.id)
            .where(Invitation.accepted_at.is_(None), Invitation.expires_at > now)
            .order_by(Invitation.created_at.desc())
        )
        .all()
    )
    return render_template(
        "admin/team.html",
        members=members,
        invitations=invitations,
        roles=list(Role),
        error=error,
        form=form or {},
    ), status


@blueprint.get("/team")
def team() -> Any:
    _may_see_team()
    return render_team()


def _role_from_form() -> Role:
    try:
        return Role(request.form.get("role", ""))
    except ValueError:
        abort(400, description=gettext("The form is missing %(field)s.", field="role"))


def _refusal_page(error: DomainError) -> Any:
    """Invalid input and conflicts (last owner, already a member) come back on the team page."""
    if error.kind not in (ErrorKind.invalid, ErrorKind.conflict):
        raise error
    db().rollback()
    status = 422 if error.kind is ErrorKind.invalid else 409
    return render_team(status=status, error=translated_message(error), form=request.form.to_dict())


@blueprint.post("/team/invite")
@requires(Permission.users_manage)
def team_invite() -> Any:
    context = admin_context()
    payload = {"email": request.form.get("email", "").strip(), "role": request.form.get("role", "")}
    try:
        invite_member(db(), account=context.account, actor=context.actor, payload=payload, settings=runtime().settings)
    except AccountError as error:
        return _refusal_page(error)
    flash(gettext("Invitation sent to %(email)s.", email=payload["email"]))
    return redirect(url_for("admin.team"))


@blueprint.post("/team/<int:membership_id>/role")
@requires(Permission.users_manage)
def team_change_role(membership_id: int) -> Any:
    context = admin_context()
    role = _role_from_form()
    try:
        change_role(db(), account=context.account, actor=context.actor, membership_id=membership_id, role=role)
    except AccountError as error:
        return _refusal_page(error)
    flash(gettext("Role changed."))
    return redirect(url_for("admin.team"))


@blueprint.post("/team/<int:membership_id>/deactivate")
@requires(Permission.users_manage)
def team_deactivate_member(membership_id: int) -> Any:
    context = admin_context()
    try:
        deactivate_member(db(), account=context.account, actor=context.actor, membership_id=membership_id)
    except AccountError as error:
        return _refusal_page(error)
    flash(gettext("The member was removed from the account."))
    return redirect(url_for("admin.team"))


@blueprint.post("/team/invitations/<int:invitation_id>/revoke")
@requires(Permission.users_manage)
def team_revoke_invitation(invitation_id: int) -> Any:
    context = admin_context()
    revoke_invitation(db(), account=context.account, actor=context.actor, invitation_id=invitation_id)
    flash(gettext("Invitation withdrawn."))
    return redirect(url_for("admin.team"))


def _render_invitation(invitation: Invitation, *, status: int = 200, error: str = "", **values: Any) -> Any:
    account = db().get(Account, invitation.account_id)
    user = signed_in_user() if current_user.is_authenticated else None
    has_login = user is None and db().scalar(select(User.id).where(User.email == invitation.email)) is not None
    return render_template(
        "admin/invitation.html",
        invitation=invitation,
        account=account,
        signed_in=user,
        has_login=has_login,
        error=error,
        minimum_length=MINIMUM_PASSWORD_LENGTH,
        values=values,
    ), status


@blueprint.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def invitation_accept(token: str) -> Any:
    try:
        invitation = open_invitation(db(), token=token)
    except AccountError as refused:
        return render_template("admin/invitation.html", invalid=translated_message(refused)), 404
    if request.method == "GET":
        return _render_invitation(invitation)
    user = signed_in_user() if current_user.is_authenticated else None
    full_name = request.form.get("full_name", "").strip()
    password = request.form.get("password", "")
    if user is None and password != request.form.get("password_confirm", ""):
        return _render_invitation(
            invitation, status=422, error=gettext("The passwords do not match."), full_name=full_name
        )
    try:
        membership = accept_invitation(
            db(),
            token=token,
            full_name=full_name,
            password=password,
            language=invitation.account.default_language if invitation.account else "cs",
            signed_in_user=user,
        )
    except AccountError as refused:
        if refused.code is AccountErrorCode.account_deactivated or refused.kind is ErrorKind.not_found:
            raise
        db().rollback()
        status = {ErrorKind.invalid: 422, ErrorKind.conflict: 409, ErrorKind.forbidden: 403}[refused.kind]
        message = translated_message(refused)
        if refused.field_errors:
            message = gettext(
                "Enter your name and a password of at least %(count)s characters.", count=MINIMUM_PASSWORD_LENGTH
            )
        return _render_invitation(invitation, status=status, error=message, full_name=full_name)
    if user is None:
        http_session.clear()
        login_user(SessionUser(membership.user))
    http_session[SESSION_ACCOUNT_KEY] = membership.account_id
    flash(gettext("Welcome to the team."))
    return redirect(url_for("admin.inbox"))
