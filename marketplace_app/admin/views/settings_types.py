"""Settings of one case type: the type itself, its steps and statuses, the transitions matrix, the
item reasons and the custom fields it uses. Each form posts to its own endpoint and calls one core action."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import abort, redirect, render_template, request, url_for

from marketplace_app.admin import blueprint
from marketplace_app.admin.views.case_detail import FormError
from marketplace_app.admin.views.settings import (
    actor_context,
    attempt,
    checkbox,
    names_from_form,
    render_settings_index,
    settings_context,
)
from marketplace_app.database import db
from marketplace_app.tenancy import admin_context, requires
from retino_core.accounts.permissions import Permission
from retino_core.case_types.actions import (
    add_process_step,
    add_reason,
    add_status,
    create_case_type,
    delete_status,
    get_case_type,
    link_field,
    move_reason,
    rename_process_step,
    rename_reason,
    retire_reason,
    retire_status,
    set_transitions,
    unlink_field,
    update_case_type,
    update_status,
)
from retino_core.case_types.models import CaseType
from retino_core.custom_fields.queries import list_field_definitions

#: Separates the two codes of one edge in the transitions matrix (codes are slugs, never contain it).
EDGE_SEPARATOR = ":"


def _case_type(case_type_id: int) -> CaseType:
    return get_case_type(db(), account=admin_context().account, case_type_id=case_type_id)


def _type_url(case_type_id: int, anchor: str = "") -> str:
    return url_for("admin.settings_case_type", case_type_id=case_type_id) + anchor


def render_case_type(
    case_type: CaseType,
    *,
    status: int = 200,
    form_errors: dict[str, FormError] | None = None,
    form_values: dict[str, Any] | None = None,
) -> tuple[str, int]:
    session = db()
    account = admin_context().account
    edges = {(t.from_status_id, t.to_status_id) for t in case_type.transitions}
    linked_ids = {link.field_id for link in case_type.field_links}
    definitions = {d.id: d for d in list_field_definitions(session, account=account, include_inactive=True)}
    context = settings_context(
        case_type=case_type,
        edges=edges,
        field_links=[(link, definitions[link.field_id]) for link in case_type.field_links],
        linkable_fields=[d for d in definitions.values() if d.is_active and d.id not in linked_ids],
        edge_separator=EDGE_SEPARATOR,
    )
    context.update(form_errors=form_errors or {}, form_values=form_values or {})
    return render_template("admin/settings_case_type.html", **context), status


def _int(name: str) -> int:
    raw = request.form.get(name, "").strip()
    if not raw.isdigit():
        abort(400)
    return int(raw)


@blueprint.post("/settings/types")
@requires(Permission.settings_manage)
def settings_case_type_create() -> Any:
    form = request.form
    payload = {
        "code": form.get("code", "").strip(),
        "names": names_from_form(form),
        "color": form.get("color", ""),
        "number_prefix": form.get("number_prefix", ""),
        "policy_window_days": form.get("policy_window_days", ""),
        "handling_target_days": form.get("handling_target_days", ""),
        "is_public": checkbox(form, "is_public") or "false",
    }
    created: list[CaseType] = []
    return attempt(
        "new_type",
        lambda: created.append(create_case_type(db(), payload=payload, **actor_context())),
        success=lambda: _type_url(created[0].id),
        render=render_settings_index,
    )


@blueprint.get("/settings/types/<int:case_type_id>")
@requires(Permission.settings_manage)
def settings_case_type(case_type_id: int) -> tuple[str, int]:
    return render_case_type(_case_type(case_type_id))


@blueprint.post("/settings/types/<int:case_type_id>")
@requires(Permission.settings_manage)
def settings_case_type_update(case_type_id: int) -> Any:
    case_type = _case_type(case_type_id)
    form = request.form
    # Only what the form sends changes; the page's form sends every key.
    payload: dict[str, Any] = {
        name: form[name]
        for name in ("color", "number_prefix", "policy_window_days", "handling_target_days", "initial_status_id")
        if name in form
    }
    names = names_from_form(form)
    if names:
        payload["names"] = names
    for name in ("is_active", "is_public"):
        value = checkbox(form, name)
        if value is not None:
            payload[name] = value
    return attempt(
        "type",
        lambda: update_case_type(db(), case_type_id=case_type.id, payload=payload, **actor_context()),
        success=lambda: _type_url(case_type.id),
        render=partial(render_case_type, case_type),
    )


@blueprint.post("/settings/types/<int:case_type_id>/steps")
@requires(Permission.settings_manage)
def settings_step_add(case_type_id: int) -> Any:
    case_type = _case_type(case_type_id)
    raw_position = request.form.get("position", "").strip()
    payload = {
        "code": request.form.get("code", "").strip(),
        "names": names_from_form(request.form),
        "position": raw_position or None,
    }
    return attempt(
        "new_step",
        lambda: add_process_step(db(), case_type_id=case_type.id, payload=payload, **actor_context()),
        success=lambda: _type_url(case_type.id, "#steps"),
        render=partial(render_case_type, case_type),
    )


@blueprint.post("/settings/types/<int:case_type_id>/steps/<int:step_id>")
@requires(Permission.settings_manage)
def settings_step_rename(case_type_id: int, step_id: int) -> Any:
    case_type = _case_type(case_type_id)
    payload = {"names": names_from_form(request.form)}
    return attempt(
        f"step-{step_id}",
        lambda: rename_process_step(
            db(), case_type_id=case_type.id, step_id=step_id, payload=payload, **actor_context()
        ),
        success=lambda: _type_url(case_type.id, f"#step-{step_id}"),
        render=partial(render_case_type, case_type),
    )


@blueprint.post("/settings/types/<int:case_type_id>/statuses")
@requires(Permission.settings_manage)
def settings_status_add(case_type_id: int) -> Any:
    case_type = _case_type(case_type_id)
    form = request.form
    step_id = _int("step_id")
    payload = {
        "step_id": step_id,
        "code": form.get("code", "").strip(),
        "names": names_from_form(form),
        "color": form.get("color", ""),
        "is_closing": checkbox(form, "is_closing") or "false",
    }
    return attempt(
        f"new_status-{step_id}",
        lambda: add_status(db(), case_type_id=case_type.id, payload=payload, **actor_context()),
        success=lambda: _type_url(case_type.id, f"#step-{step_id}"),
        render=partial(render_case_type, case_type),
    )


@blueprint.post("/settings/types/<int:case_type_id>/statuses/<int:status_id>")
@requires(Permission.settings_manage)
def settings_status_update(case_type_id: int, status_id: int) -> Any:
    case_type = _case_type(case_type_id)
    form = request.form
    payload: dict[str, Any] = {name: form[name] for name in ("color",) if name in form}
    names = names_from_form(form)
    if names:
        payload["names"] = names
    closing = checkbox(form, "is_closing")
    if closing is not None:
        payload["is_closing"] = closing
    return attempt(
        f"status-{status_id}",
        lambda: update_status(db(), case_type_id=case_type.id, status_id=status_id, payload=payload, **actor_context()),
        success=lambda: _type_url(case_type.id, f"#status-{status_id}"),
        render=partial(render_case_type, case_type),
    )


@blueprint.post("/settings/types/<int:case_type_id>/statuses/<int:status_id>/retire")
@requires(Permission.settings_manage)
def settings_status_retire(case_type_id: int, status_id: int) -> Any:
    case_type = _case_type(case_type_id)
    retired = request.form.get("retired", "true") != "false"
    retire_status(db(), case_type_id=case_type.id, status_id=status_id, retired=retired, **actor_context())
    return _redirect(case_type.id, f"#status-{status_id}")


@blueprint.post("/settings/types/<int:case_type_id>/statuses/<int:status_id>/delete")
@requires(Permission.settings_manage)
def settings_status_delete(case_type_id: int, status_id: int) -> Any:
    case_type = _case_type(case_type_id)
    delete_status(db(), case_type_id=case_type.id, status_id=status_id, **actor_context())
    return _redirect(case_type.id, "#steps")


@blueprint.post("/settings/types/<int:case_type_id>/transitions")
@requires(Permission.settings_manage)
def settings_transitions(case_type_id: int) -> Any:
    case_type = _case_type(case_type_id)
    edges = []
    for value in request.form.getlist("edge"):
        from_code, separator, to_code = value.partition(EDGE_SEPARATOR)
        if not separator:
            abort(400)
        edges.append((from_code, to_code))
    return attempt(
        "transitions",
        lambda: set_transitions(db(), case_type_id=case_type.id, edges=edges, **actor_context()),
        success=lambda: _type_url(case_type.id, "#transitions"),
        render=partial(render_case_type, case_type),
    )


@blueprint.post("/settings/types/<int:case_type_id>/fields")
@requires(Permission.settings_manage)
def settings_field_link(case_type_id: int) -> Any:
    case_type = _case_type(case_type_id)
    field_id = _int("field_id")
    is_required = checkbox(request.form, "is_required") == "true"
    link_field(db(), case_type_id=case_type.id, field_id=field_id, is_required=is_required, **actor_context())
    return _redirect(case_type.id, "#fields")


@blueprint.post("/settings/types/<int:case_type_id>/fields/<int:field_id>/unlink")
@requires(Permission.settings_manage)
def settings_field_unlink(case_type_id: int, field_id: int) -> Any:
    case_type = _case_type(case_type_id)
    unlink_field(db(), case_type_id=case_type.id, field_id=field_id, **actor_context())
    return _redirect(case_type.id, "#fields")


@blueprint.post("/settings/types/<int:case_type_id>/reasons")
@requires(Permission.settings_manage)
def settings_reason_add(case_type_id: int) -> Any:
    case_type = _case_type(case_type_id)
    payload = {"code": request.form.get("code", "").strip(), "names": names_from_form(request.form)}
    return attempt(
        "new_reason",
        lambda: add_reason(db(), case_type_id=case_type.id, payload=payload, **actor_context()),
        success=lambda: _type_url(case_type.id, "#reasons"),
        render=partial(render_case_type, case_type),
    )


@blueprint.post("/settings/types/<int:case_type_id>/reasons/<int:reason_id>")
@requires(Permission.settings_manage)
def settings_reason_rename(case_type_id: int, reason_id: int) -> Any:
    case_type = _case_type(case_type_id)
    payload = {"names": names_from_form(request.form)}
    return attempt(
        f"reason-{reason_id}",
        lambda: rename_reason(db(), case_type_id=case_type.id, reason_id=reason_id, payload=payload, **actor_context()),
        success=lambda: _type_url(case_type.id, f"#reason-{reason_id}"),
        render=partial(render_case_type, case_type),
    )


@blueprint.post("/settings/types/<int:case_type_id>/reasons/<int:reason_id>/move")
@requires(Permission.settings_manage)
def settings_reason_move(case_type_id: int, reason_id: int) -> Any:
    """Swap a reason with its neighbour above (``direction=up``) or below (``down``); at an end nothing moves."""
    case_type = _case_type(case_type_id)
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if offset is None:
        abort(400)
    move_reason(db(), case_type_id=case_type.id, reason_id=reason_id, offset=offset, **actor_context())
    return _redirect(case_type.id, f"#reason-{reason_id}")


@blueprint.post("/settings/types/<int:case_type_id>/reasons/<int:reason_id>/retire")
@requires(Permission.settings_manage)
def settings_reason_retire(case_type_id: int, reason_id: int) -> Any:
    case_type = _case_type(case_type_id)
    retired = request.form.get("retired", "true") != "false"
    retire_reason(db(), case_type_id=case_type.id, reason_id=reason_id, retired=retired, **actor_context())
    return _redirect(case_type.id, f"#reason-{reason_id}")


def _redirect(case_type_id: int, anchor: str) -> Any:
    return redirect(_type_url(case_type_id, anchor))
