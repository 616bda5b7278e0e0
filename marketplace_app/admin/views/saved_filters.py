"""Saved filters: a member stores the inbox's current filter under a name, opens it, deletes it."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext

from marketplace_app.admin import blueprint
from marketplace_app.admin.views.inbox import inbox
from marketplace_app.database import db
from marketplace_app.errors import translated_message
from marketplace_app.tenancy import admin_context, requires
from retino_core.accounts.permissions import Permission
from retino_core.errors import ErrorKind
from retino_core.saved_filters.actions import delete_filter, get_saved_filter, save_filter
from retino_core.saved_filters.errors import SavedFilterError

STATUS_FOR_KIND = {ErrorKind.invalid: 422, ErrorKind.conflict: 409, ErrorKind.forbidden: 403}


def _writable() -> None:
    """Saving is a change: a deactivated account keeps its filters but cannot add or delete any."""
    if not admin_context().account.is_active:
        abort(403)


@blueprint.post("/saved-filters")
@requires(Permission.case_view)
def saved_filter_create() -> Any:
    """Save the filter posted from the inbox (its query string) under the given name.

    A refusal re-renders the inbox with the same filter and the reason next to the name field.
    """
    _writable()
    context = admin_context()
    try:
        saved = save_filter(
            db(),
            account=context.account,
            actor=context.actor,
            name=request.form.get("name", ""),
            query=request.query_string.decode("utf-8", "replace"),
        )
    except SavedFilterError as refused:
        if refused.kind is ErrorKind.not_found:
            raise
        db().rollback()
        g.saved_filter_error = translated_message(refused)
        return inbox(), STATUS_FOR_KIND.get(refused.kind, 422)
    flash(gettext("Filter “%(name)s” is saved.", name=saved.name))
    return redirect(url_for("admin.saved_filter_open", filter_id=saved.id), 303)


@blueprint.get("/saved-filters/<int:filter_id>")
@requires(Permission.case_view)
def saved_filter_open(filter_id: int) -> Any:
    context = admin_context()
    saved = get_saved_filter(db(), account=context.account, actor=context.actor, filter_id=filter_id)
    return redirect(f"{url_for('admin.inbox')}?{saved.query}", 303)


@blueprint.post("/saved-filters/<int:filter_id>/delete")
@requires(Permission.case_view)
def saved_filter_delete(filter_id: int) -> Any:
    _writable()
    context = admin_context()
    delete_filter(db(), account=context.account, actor=context.actor, filter_id=filter_id)
    flash(gettext("The saved filter is deleted."))
    return redirect(url_for("admin.inbox"), 303)
