"""Branding per language, and the legal deadline rules the product applies (read-only)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from marketplace_app.admin import blueprint
from marketplace_app.database import db
from marketplace_app.tenancy import admin_context, requires
from retino_core.accounts.actions import update_branding
from retino_core.accounts.errors import AccountError
from retino_core.accounts.permissions import Permission
from retino_core.deadlines.rules import LEGAL_RULES
from retino_core.i18n import SUPPORTED_LANGUAGES


@blueprint.get("/settings/deadlines")
@requires(Permission.settings_manage)
def settings_deadlines() -> str:
    """Every version of every legal rule, so a merchant can see which law a case's clock follows."""
    rules = sorted(LEGAL_RULES, key=lambda rule: (rule.country, rule.code, rule.version))
    return render_template(
        "admin/settings_deadlines.html",
        rules=rules,
        reasonable_period_days=admin_context().account.reasonable_period_days,
    )


def _render_branding(*, status: int = 200, errors: dict[str, Any] | None = None, submitted: Any = None) -> Any:
    account = admin_context().account
    brandings = {branding.language: branding for branding in account.brandings}
    return (
        render_template(
            "admin/settings_branding.html",
            languages=SUPPORTED_LANGUAGES,
            brandings=brandings,
            errors=errors or {},
            submitted=submitted,
        ),
        status,
    )


@blueprint.get("/settings/branding")
@requires(Permission.settings_manage)
def settings_branding() -> Any:
    return _render_branding()


@blueprint.post("/settings/branding")
@requires(Permission.settings_manage)
def settings_branding_save() -> Any:
    context = admin_context()
    payload = {
        "language": request.form.get("language", ""),
        "shop_name": request.form.get("shop_name", "").strip(),
        "sender_name": request.form.get("sender_name", "").strip(),
        "signature": request.form.get("signature", ""),
    }
    try:
        update_branding(db(), account=context.account, actor=context.actor, payload=payload)
    except AccountError as refused:
        db().rollback()
        return _render_branding(status=422, errors=refused.field_errors, submitted=payload)
    flash(gettext("Saved."))
    return redirect(url_for("admin.settings_branding"))
