"""marshmallow load schemas for custom field definitions (what a merchant sends from the settings)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from retino_core.custom_fields.models import FieldScope, FieldType
from retino_core.i18n import N_, SUPPORTED_LANGUAGES

#: Field types whose values are picked from the definition's options.
TYPES_WITH_OPTIONS = frozenset({FieldType.dropdown, FieldType.multichoice})
KEY_PATTERN = r"^[a-z][a-z0-9_]*$"


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(N_("Enter a name."))


def _strip_names(names: dict[str, str]) -> dict[str, str]:
    return {language: name.strip() for language, name in names.items()}


def _names_field(*, required: bool) -> fields.Dict:
    """Label per supported language; at least one language must be given."""
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(SUPPORTED_LANGUAGES)),
        values=fields.String(validate=[validate.Length(min=1, max=200), _not_blank]),
        required=required,
        validate=validate.Length(min=1, error=N_("Give a name in at least one language.")),
    )


class OptionSchema(Schema):
    value = fields.String(required=True, validate=[validate.Length(min=1, max=100), _not_blank])
    names = _names_field(required=False)

    @post_load
    def _normalise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"value": data["value"].strip(), "names": _strip_names(data.get("names", {}))}


def check_options(field_type: FieldType, options: list[dict[str, Any]]) -> None:
    """Options are required (with unique values) for dropdown and multichoice, and refused otherwise."""
    if field_type in TYPES_WITH_OPTIONS:
        if not options:
            raise ValidationError(N_("Add at least one option."), field_name="options")
        values = [option["value"] for option in options]
        if len(set(values)) != len(values):
            raise ValidationError(N_("Each option needs a different value."), field_name="options")
    elif options:
        raise ValidationError(N_("Only dropdown and multichoice fields have options."), field_name="options")


class FieldDefinitionCreateSchema(Schema):
    key = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=64),
            validate.Regexp(
                KEY_PATTERN, error=N_("Use lower-case letters, digits and underscores, starting with a letter.")
            ),
        ],
    )
    scope = fields.Enum(FieldScope, by_value=True, load_default=FieldScope.case)
    field_type = fields.Enum(FieldType, by_value=True, required=True)
    names = _names_field(required=True)
    options = fields.List(fields.Nested(OptionSchema), load_default=list)
    is_public = fields.Boolean(load_default=False)
    position = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000))

    @validates_schema
    def _options_fit_type(self, data: dict[str, Any], **_: Any) -> None:
        if "field_type" in data and "options" in data:
            check_options(data["field_type"], data["options"])

    @post_load
    def _normalise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["names"] = _strip_names(data["names"])
        return data


class FieldDefinitionUpdateSchema(Schema):
    """What may change after creation: the key, scope and type stay, because stored values depend on them."""

    names = _names_field(required=False)
    options = fields.List(fields.Nested(OptionSchema))
    is_public = fields.Boolean()
    position = fields.Integer(validate=validate.Range(min=0, max=10_000))

    def __init__(self, *, field_type: FieldType, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.field_type = field_type

    @validates_schema
    def _options_fit_type(self, data: dict[str, Any], **_: Any) -> None:
        if "options" in data:
            check_options(self.field_type, data["options"])

    @post_load
    def _normalise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "names" in data:
            data["names"] = _strip_names(data["names"])
        return data
