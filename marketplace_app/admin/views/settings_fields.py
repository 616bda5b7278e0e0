"""Settings of custom field definitions and tags: list, create, edit, switch off, rename, delete."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from marketplace_app.admin import blueprint
from marketplace_app.admin.views.case_detail import FormError
from marketplace_app.admin.views.settings import (
    actor_context,
    attempt,
    checkbox,
    language,
    names_from_form,
    settings_context,
)
from marketplace_app.database import db
from marketplace_app.tenancy import admin_context, requires
from retino_core.accounts.permissions import Permission
from retino_core.cases.actions import delete_tag, rename_tag
from retino_core.cases.models import Tag
from retino_core.custom_fields.actions import (
    create_field_definition,
    deactivate_field_definition,
    update_field_definition,
)
from retino_core.custom_fields.models import CustomFieldDefinition, FieldScope, FieldType
from retino_core.custom_fields.queries import get_field_definition, list_field_definitions
from retino_core.custom_fields.schemas import TYPES_WITH_OPTIONS

#: One option per line: ``value = label`` (the label in the admin's language) or only ``value``.
OPTION_SEPARATOR = "="


def parse_options(text: str, lang: str, previous: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The options textarea as the core's option dicts; labels in other languages are kept by value."""
    kept = {str(option["value"]): dict(option.get("names") or {}) for option in previous or []}
    options = []
    for line in text.splitlines():
        if not line.strip():
            continue
        value, _, label = line.partition(OPTION_SEPARATOR)
        names = {k: v for k, v in kept.get(value.strip(), {}).items() if k != lang}
        if label.strip():
            names[lang] = label.strip()
        options.append({"value": value.strip(), "names": names} if names else {"value": value.strip()})
    return options


def options_text(options: list[dict[str, Any]], lang: str) -> str:
    lines = []
    for option in options:
        label = (option.get("names") or {}).get(lang)
        lines.append(f"{option['value']} {OPTION_SEPARATOR} {label}" if label else str(option["value"]))
    return "\n".join(lines)


def _definition_payload(form: MultiDict[str, str], previous: CustomFieldDefinition | None) -> dict[str, Any]:
    field_type = previous.field_type.value if previous else form.get("field_type", "")
    payload: dict[str, Any] = {
        "names": names_from_form(form),
        "is_public": checkbox(form, "is_public") or "false",
        "position": form.get("position", "").strip() or "0",
    }
    if FieldType._value2member_map_.get(field_type) in TYPES_WITH_OPTIONS or form.get("options", "").strip():
        payload["options"] = parse_options(form.get("options", ""), language(), previous.options if previous else None)
    if previous is None:
        payload.update(key=form.get("key", "").strip(), scope=form.get("scope", "case"), field_type=field_type)
    return payload


def render_fields(
    *, status: int = 200, form_errors: dict[str, FormError] | None = None, form_values: dict[str, Any] | None = None
) -> tuple[str, int]:
    context = settings_context(
        fields=list_field_definitions(db(), account=admin_context().account, include_inactive=True),
        FieldType=FieldType,
        FieldScope=FieldScope,
    )
    context.update(form_errors=form_errors or {}, form_values=form_values or {})
    return render_template("admin/settings_fields.html", **context), status


def render_field(
    definition: CustomFieldDefinition,
    *,
    status: int = 200,
    form_errors: dict[str, FormError] | None = None,
    form_values: dict[str, Any] | None = None,
) -> tuple[str, int]:
    context = settings_context(
        field=definition,
        options_text=options_text(definition.options, language()),
        TYPES_WITH_OPTIONS=TYPES_WITH_OPTIONS,
    )
    context.update(form_errors=form_errors or {}, form_values=form_values or {})
    return render_template("admin/settings_field.html", **context), status


def _definition(field_id: int) -> CustomFieldDefinition:
    return get_field_definition(db(), account=admin_context().account, field_id=field_id)


@blueprint.get("/settings/fields")
@requires(Permission.settings_manage)
def settings_fields() -> tuple[str, int]:
    return render_fields()


@blueprint.post("/settings/fields")
@requires(Permission.settings_manage)
def settings_field_create() -> Any:
    payload = _definition_payload(request.form, None)
    return attempt(
        "new_field",
        lambda: create_field_definition(db(), payload=payload, **actor_context()),
        success=lambda: url_for("admin.settings_fields"),
        render=render_fields,
    )


@blueprint.get("/settings/fields/<int:field_id>")
@requires(Permission.settings_manage)
def settings_field(field_id: int) -> tuple[str, int]:
    return render_field(_definition(field_id))


@blueprint.post("/settings/fields/<int:field_id>")
@requires(Permission.settings_manage)
def settings_field_update(field_id: int) -> Any:
    definition = _definition(field_id)
    payload = _definition_payload(request.form, definition)
    return attempt(
        "field",
        lambda: update_field_definition(db(), field_id=definition.id, payload=payload, **actor_context()),
        success=lambda: url_for("admin.settings_field", field_id=definition.id),
        render=partial(render_field, definition),
    )


@blueprint.post("/settings/fields/<int:field_id>/deactivate")
@requires(Permission.settings_manage)
def settings_field_deactivate(field_id: int) -> Any:
    deactivate_field_definition(db(), field_id=field_id, **actor_context())
    return redirect(url_for("admin.settings_fields"))


def render_tags(
    *, status: int = 200, form_errors: dict[str, FormError] | None = None, form_values: dict[str, Any] | None = None
) -> tuple[str, int]:
    account = admin_context().account
    context = settings_context(tags=list(db().scalars(Tag.select_for_account(account.id).order_by(Tag.name))))
    context.update(form_errors=form_errors or {}, form_values=form_values or {})
    return render_template("admin/settings_tags.html", **context), status


@blueprint.get("/settings/tags")
@requires(Permission.settings_manage)
def settings_tags() -> tuple[str, int]:
    return render_tags()


@blueprint.post("/settings/tags/<int:tag_id>")
@requires(Permission.settings_manage)
def settings_tag_update(tag_id: int) -> Any:
    name = request.form.get("name", "")
    color = request.form.get("color", "")
    return attempt(
        f"tag-{tag_id}",
        lambda: rename_tag(db(), tag_id=tag_id, name=name, color=color, **actor_context()),
        success=lambda: url_for("admin.settings_tags"),
        render=render_tags,
    )


@blueprint.post("/settings/tags/<int:tag_id>/delete")
@requires(Permission.settings_manage)
def settings_tag_delete(tag_id: int) -> Any:
    delete_tag(db(), tag_id=tag_id, **actor_context())
    return redirect(url_for("admin.settings_tags"))
