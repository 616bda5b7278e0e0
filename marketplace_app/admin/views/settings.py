"""Settings for owners and managers: the index of case types, custom fields and tags, and the
helpers the settings screens share.

Every settings view needs ``settings.manage`` (so a deactivated account, being read-only, gets
403). Each POST parses its form, calls one core action and redirects back (PRG); invalid input
re-renders the page with the errors next to the form that caused them (422) and stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, render_template, request
from flask_babel import get_locale
from werkzeug.datastructures import MultiDict

from marketplace_app.admin import blueprint
from marketplace_app.admin.views.case_detail import FormError
from marketplace_app.database import db
from marketplace_app.tenancy import admin_context, requires
from retino_core.accounts.permissions import Permission
from retino_core.case_types.models import CaseType
from retino_core.cases.models import Tag
from retino_core.custom_fields.queries import list_field_definitions
from retino_core.errors import DomainError, ErrorKind
from retino_core.i18n import SUPPORTED_LANGUAGES

#: The languages names are edited in, in the order the forms show them.
NAME_LANGUAGES = SUPPORTED_LANGUAGES


def language() -> str:
    return str(get_locale() or "en")


def actor_context() -> dict[str, Any]:
    context = admin_context()
    return {"account": context.account, "actor": context.actor}


def names_from_form(form: MultiDict[str, str], prefix: str = "names") -> dict[str, str]:
    """``names-cs``, ``names-sk`` … as ``{"cs": …}``; the core drops blank languages."""
    return {code: form.get(f"{prefix}-{code}", "") for code in NAME_LANGUAGES if f"{prefix}-{code}" in form}


def checkbox(form: MultiDict[str, str], name: str) -> str | None:
    """A checkbox posted after a hidden "false": the last value wins; absent when the form lacks it."""
    values = form.getlist(name)
    return values[-1] if values else None


def form_value(form_values: dict[str, Any], form: str, name: str, default: Any) -> Any:
    """What an input shows: the submitted value after that form was refused, else ``default``."""
    submitted = form_values.get(form)
    if submitted is None:
        return default
    values = submitted.get(name) or [""]
    return values[-1]


def attempt(
    form: str,
    action: Callable[[], object],
    *,
    success: Callable[[], str],
    render: Callable[..., tuple[str, int]],
) -> Any:
    """Run ``action`` and redirect to ``success()``; refused input re-renders with the errors on ``form`` (422)."""
    try:
        action()
    except DomainError as error:
        # A conflict tied to a field (a taken key or name) is shown next to that field too.
        if error.kind is not ErrorKind.invalid and not error.field_errors:
            raise
        db().rollback()
        return render(
            status=422,
            form_errors={form: FormError.from_domain(error)},
            form_values={form: request.form.to_dict(flat=False)},
        )
    return redirect(success())


def settings_context(**extra: Any) -> dict[str, Any]:
    return {
        "lang": language(),
        "name_languages": NAME_LANGUAGES,
        "form_value": form_value,
        "form_errors": {},
        "form_values": {},
        **extra,
    }


@blueprint.get("/settings/")
@requires(Permission.settings_manage)
def settings_index() -> tuple[str, int]:
    return render_settings_index()


def render_settings_index(
    *, status: int = 200, form_errors: dict[str, FormError] | None = None, form_values: dict[str, Any] | None = None
) -> tuple[str, int]:
    session = db()
    account = admin_context().account
    context = settings_context(
        case_types=list(
            session.scalars(CaseType.select_for_account(account.id).order_by(CaseType.position, CaseType.id))
        ),
        fields=list_field_definitions(session, account=account, include_inactive=True),
        tags=list(session.scalars(Tag.select_for_account(account.id).order_by(Tag.name))),
    )
    context.update(form_errors=form_errors or {}, form_values=form_values or {})
    return render_template("admin/settings_index.html", **context), status
