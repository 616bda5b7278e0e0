"""Forgotten password: ask for a link by e-mail, then set a new password through it (both public).

The request form answers the same whether or not the address has a login; the link is signed,
works for an hour and only once (it names the current password, which the reset replaces).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from marketplace_app.admin import blueprint
from marketplace_app.database import db, runtime
from marketplace_app.errors import translated_message
from marketplace_app.extensions import limiter
from retino_core.accounts.actions import request_password_reset, reset_password, user_for_reset_token
from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.passwords import MINIMUM_PASSWORD_LENGTH


@blueprint.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def password_forgot() -> Any:
    if request.method == "GET":
        return render_template("admin/password_forgot.html", sent=False, error="")
    email = request.form.get("email", "").strip()
    if not email or "@" not in email or len(email) > 254:
        return render_template(
            "admin/password_forgot.html", sent=False, error=gettext("Enter your e-mail."), email=email
        ), 422
    request_password_reset(db(), email=email, settings=runtime().settings)
    return render_template("admin/password_forgot.html", sent=True, error="")


@blueprint.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def password_reset(token: str) -> Any:
    secret_key = runtime().settings.secret_key
    try:
        user = user_for_reset_token(db(), token=token, secret_key=secret_key)
    except AccountError as refused:
        return render_template("admin/password_reset.html", invalid=translated_message(refused), error=""), 404
    if request.method == "GET":
        return render_template("admin/password_reset.html", invalid="", error="", email=user.email)
    password = request.form.get("password", "")
    if password != request.form.get("password_confirm", ""):
        error = gettext("The passwords do not match.")
        return render_template("admin/password_reset.html", invalid="", error=error, email=user.email), 422
    try:
        reset_password(db(), token=token, password=password, secret_key=secret_key)
    except AccountError as refused:
        if refused.code is not AccountErrorCode.invalid_input:
            raise
        db().rollback()
        error = gettext("Use at least %(count)s characters.", count=MINIMUM_PASSWORD_LENGTH)
        return render_template("admin/password_reset.html", invalid="", error=error, email=user.email), 422
    flash(gettext("Your password is changed. Sign in with the new one."))
    return redirect(url_for("admin.login"))
