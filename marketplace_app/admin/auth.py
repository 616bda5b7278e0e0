"""Signing in and out, and switching between the accounts a user belongs to."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from marketplace_app.admin import blueprint
from marketplace_app.database import db
from marketplace_app.errors import translated_message
from marketplace_app.extensions import limiter, login_manager
from marketplace_app.tenancy import SESSION_ACCOUNT_KEY, SessionUser, admin_context, memberships_of, signed_in_user
from retino_core.accounts.actions import authenticate, end_all_sessions
from retino_core.accounts.errors import AccountError
from retino_core.accounts.models import User


class LoginForm(FlaskForm):
    email = EmailField(validators=[DataRequired()])
    password = PasswordField(validators=[DataRequired()])


@login_manager.user_loader
def load_user(identifier: str) -> SessionUser | None:
    user_id, _, token = identifier.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db().get(User, int(user_id))
    if user is None or not user.is_active or user.session_token != token:
        return None
    return SessionUser(user)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after login is a phishing tool."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("admin.inbox")


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login() -> object:
    form = LoginForm()
    error = ""
    if form.validate_on_submit():
        try:
            user = authenticate(db(), email=form.email.data or "", password=form.password.data or "")
        except AccountError as refused:
            # The failed attempt was counted on the user; keep it although the answer is an error.
            db().commit()
            error = translated_message(refused)
        else:
            session.clear()
            login_user(SessionUser(user))
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        error = gettext("Enter your e-mail and password.")
    status = 200 if not error else 401
    return render_template("admin/login.html", form=form, error=error), status


@blueprint.post("/logout")
def logout() -> object:
    """Ends this session and every other one of the user (the session token changes)."""
    if current_user.is_authenticated:
        end_all_sessions(db(), user=signed_in_user())
    logout_user()
    session.clear()
    return redirect(url_for("admin.login"))


@blueprint.post("/account")
def switch_account() -> object:
    wanted = request.form.get("account_id", type=int)
    user = admin_context().user
    if wanted not in {membership.account_id for membership in memberships_of(user)}:
        abort(404)
    session[SESSION_ACCOUNT_KEY] = wanted
    flash(gettext("Switched account."))
    return redirect(url_for("admin.inbox"))
