"""The forms of the case detail screen: each parses its input, calls one core action and answers.

A success redirects back to the detail (or re-renders the detail fragment for htmx). Invalid
input comes back as the page with the error next to its form (422); every other refusal goes to
the error handler (403, 404, 409). Permissions are checked twice: ``@requires`` here (which also
makes a deactivated account read-only) and ``actor.require`` in the action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, redirect, request, url_for
from flask_babel import gettext

from marketplace_app.admin import blueprint
from marketplace_app.admin.views.case_detail import FIELD_PREFIX, FormError, load_case, render_detail
from marketplace_app.database import db, runtime
from marketplace_app.tenancy import admin_context, requires
from retino_core.accounts.permissions import Permission
from retino_core.cases.actions import (
    add_attachment,
    add_note,
    assign_case,
    decide_item,
    receive_item,
    tag_case,
    transition_case,
    untag_case,
)
from retino_core.cases.attachments import MAX_ATTACHMENT_BYTES
from retino_core.cases.models import Case, CaseItem
from retino_core.custom_fields.actions import set_case_field_values
from retino_core.custom_fields.models import FieldScope, FieldType
from retino_core.custom_fields.queries import fields_for_case_type
from retino_core.errors import DomainError, ErrorKind
from retino_core.messaging.actions import send_customer_message


def _done(case: Case, anchor: str = "") -> Any:
    if request.headers.get("HX-Request"):
        return render_detail(case)
    return redirect(url_for("admin.case_detail", case_id=case.id) + anchor)


def _attempt(case: Case, form: str, action: Callable[[], object], *, anchor: str = "") -> Any:
    """Run ``action``; invalid input re-renders the page with the error on ``form`` and stores nothing."""
    try:
        action()
    except DomainError as error:
        if error.kind is not ErrorKind.invalid:
            raise
        db().rollback()
        return render_detail(
            case,
            status=422,
            form_errors={form: FormError.from_domain(error)},
            form_values={form: request.form.to_dict(flat=False)},
        )
    return _done(case, anchor)


def _required(name: str) -> str:
    value = request.form.get(name, "").strip()
    if not value:
        abort(400, description=gettext("The form is missing %(field)s.", field=name))
    return value


def _item(case: Case, item_id: int) -> CaseItem:
    item = next((item for item in case.items if item.id == item_id), None)
    if item is None:
        abort(404)
    return item


def _context() -> dict[str, Any]:
    context = admin_context()
    return {"account": context.account, "actor": context.actor}


@blueprint.post("/cases/<int:case_id>/status")
@requires(Permission.case_transition)
def case_transition(case_id: int) -> Any:
    case = load_case(case_id)
    to_status = _required("to_status")
    transition_case(db(), case=case, to_status=to_status, reason=request.form.get("reason", "")[:500], **_context())
    return _done(case)


@blueprint.post("/cases/<int:case_id>/owner")
@requires(Permission.case_assign)
def case_assign(case_id: int) -> Any:
    case = load_case(case_id)
    raw = request.form.get("owner_id", "").strip()
    if raw and not raw.isdigit():
        abort(400)
    assign_case(db(), case=case, owner_id=int(raw) if raw else None, **_context())
    return _done(case)


@blueprint.post("/cases/<int:case_id>/tags")
@requires(Permission.case_tag)
def case_tag(case_id: int) -> Any:
    case = load_case(case_id)
    name = request.form.get("name", "")
    return _attempt(case, "tags", lambda: tag_case(db(), case=case, name=name, **_context()))


@blueprint.post("/cases/<int:case_id>/tags/remove")
@requires(Permission.case_tag)
def case_untag(case_id: int) -> Any:
    case = load_case(case_id)
    untag_case(db(), case=case, name=_required("name"), **_context())
    return _done(case)


@blueprint.post("/cases/<int:case_id>/notes")
@requires(Permission.case_note)
def case_note(case_id: int) -> Any:
    case = load_case(case_id)
    body = request.form.get("body", "")
    return _attempt(case, "note", lambda: add_note(db(), case=case, body=body, **_context()), anchor="#timeline")


@blueprint.post("/cases/<int:case_id>/items/<int:item_id>/reception")
@requires(Permission.item_receive)
def case_item_reception(case_id: int, item_id: int) -> Any:
    case = load_case(case_id)
    state = _required("state")
    note = request.form.get("note", "")
    return _attempt(
        case,
        f"item-{item_id}-reception",
        lambda: receive_item(db(), case=case, item_id=item_id, state=state, note=note, **_context()),
        anchor=f"#item-{item_id}",
    )


@blueprint.post("/cases/<int:case_id>/items/<int:item_id>/decision")
@requires(Permission.item_decide)
def case_item_decision(case_id: int, item_id: int) -> Any:
    case = load_case(case_id)
    decision = _required("decision")
    resolution = request.form.get("resolution", "").strip() or None
    note = request.form.get("note", "")
    return _attempt(
        case,
        f"item-{item_id}-decision-{decision}",
        lambda: decide_item(
            db(), case=case, item_id=item_id, decision=decision, resolution=resolution, note=note, **_context()
        ),
        anchor=f"#item-{item_id}",
    )


def _field_values(case: Case, scope: FieldScope) -> dict[str, Any]:
    """The submitted values of the type's fields in ``scope``; fields absent from the form are left alone.

    A checkbox posts a hidden "false" before the box, so its last value wins; a multichoice
    posts a hidden empty value so that unticking every option clears it.
    """
    values: dict[str, Any] = {}
    for linked in fields_for_case_type(db(), account_id=case.account_id, case_type_id=case.case_type_id, scope=scope):
        definition = linked.definition
        name = FIELD_PREFIX + definition.key
        if name not in request.form:
            continue
        submitted = request.form.getlist(name)
        if definition.field_type is FieldType.multichoice:
            values[definition.key] = [value for value in submitted if value]
        elif definition.field_type is FieldType.checkbox:
            values[definition.key] = submitted[-1]
        else:
            values[definition.key] = submitted[0]
    return values


@blueprint.post("/cases/<int:case_id>/fields")
@requires(Permission.case_edit)
def case_fields(case_id: int) -> Any:
    case = load_case(case_id)
    values = _field_values(case, FieldScope.case)
    return _attempt(
        case,
        "fields",
        lambda: set_case_field_values(db(), case=case, values=values, **_context()),
        anchor="#fields",
    )


@blueprint.post("/cases/<int:case_id>/items/<int:item_id>/fields")
@requires(Permission.case_edit)
def case_item_fields(case_id: int, item_id: int) -> Any:
    case = load_case(case_id)
    item = _item(case, item_id)
    values = _field_values(case, FieldScope.item)
    return _attempt(
        case,
        f"item-{item_id}-fields",
        lambda: set_case_field_values(db(), case=case, values=values, item=item, **_context()),
        anchor=f"#item-{item_id}",
    )


@blueprint.post("/cases/<int:case_id>/attachments")
@requires(Permission.case_attach)
def case_attach(case_id: int) -> Any:
    case = load_case(case_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_detail(
            case, status=422, form_errors={"attachments": FormError(message=gettext("Choose a file to upload."))}
        )
    raw_item = request.form.get("item_id", "").strip()
    if raw_item and not raw_item.isdigit():
        abort(400)
    data = upload.read(MAX_ATTACHMENT_BYTES + 1)
    return _attempt(
        case,
        "attachments",
        lambda: add_attachment(
            db(),
            case=case,
            storage=runtime().storage,
            filename=upload.filename or "",
            data=data,
            item_id=int(raw_item) if raw_item else None,
            **_context(),
        ),
        anchor="#attachments",
    )


@blueprint.post("/cases/<int:case_id>/reply")
@requires(Permission.case_note)
def case_reply(case_id: int) -> Any:
    case = load_case(case_id)
    subject = request.form.get("subject", "")
    body = request.form.get("body", "")
    return _attempt(
        case,
        "reply",
        lambda: send_customer_message(
            db(), case=case, subject=subject, body=body, runtime_settings=runtime().settings, **_context()
        ),
        anchor="#timeline",
    )
