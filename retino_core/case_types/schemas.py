"""marshmallow load schemas for the settings of case types: the type itself, its steps, statuses and reasons."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_load, validate

from retino_core.i18n import N_, SUPPORTED_LANGUAGES

CODE_PATTERN = r"^[a-z][a-z0-9_]*$"
COLOR_PATTERN = r"^#[0-9a-f]{6}$"
PREFIX_PATTERN = r"^[A-Z0-9]{1,10}$"
#: The longest policy window or handling target a merchant may set, in days.
MAX_DAYS = 3650


class Names(fields.Dict):
    """A name per supported language; blank languages are dropped and at least one must remain."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            keys=fields.String(validate=validate.OneOf(SUPPORTED_LANGUAGES)),
            values=fields.String(validate=validate.Length(max=200)),
            validate=validate.Length(min=1, error=N_("Give a name in at least one language.")),
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, str]:
        loaded: dict[str, str] = super()._deserialize(value, attr, data, **kwargs)
        return {language: name.strip() for language, name in loaded.items() if name.strip()}


class Color(fields.String):
    """A colour as ``#rrggbb``, stored lower-case."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            validate=validate.Regexp(COLOR_PATTERN, error=N_("Use a colour in the form #rrggbb.")), **kwargs
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return str(super()._deserialize(value, attr, data, **kwargs)).strip().lower()


CODE_MESSAGE = N_("Use lower-case letters, digits and underscores, starting with a letter.")


def _code(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=[validate.Length(min=1, max=64), validate.Regexp(CODE_PATTERN, error=CODE_MESSAGE)],
        **kwargs,
    )


def _days(*, minimum: int) -> fields.Integer:
    return fields.Integer(allow_none=True, validate=validate.Range(min=minimum, max=MAX_DAYS))


class _BlankIsNone(Schema):
    #: Fields for which an empty form input means "not set".
    nullable: tuple[str, ...] = ("policy_window_days", "handling_target_days")

    @pre_load
    def _blank_is_none(self, data: Any, **_: Any) -> Any:
        if not isinstance(data, dict):
            return data
        cleaned = dict(data)
        for name in self.nullable:
            value = cleaned.get(name)
            if isinstance(value, str) and not value.strip():
                cleaned[name] = None
        if isinstance(cleaned.get("number_prefix"), str):
            cleaned["number_prefix"] = cleaned["number_prefix"].strip().upper()
        return cleaned


def _prefix(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(PREFIX_PATTERN, error=N_("Use 1 to 10 capital letters or digits.")), **kwargs
    )


class CaseTypeCreateSchema(_BlankIsNone):
    code = _code(required=True)
    names = Names(required=True)
    color = Color(required=True)
    number_prefix = _prefix(required=True)
    policy_window_days = _days(minimum=0)
    handling_target_days = _days(minimum=1)
    is_public = fields.Boolean(load_default=False)


class CaseTypeUpdateSchema(_BlankIsNone):
    """Every key is optional: only what is given changes. The code and kind stay, integrations use them."""

    names = Names()
    color = Color()
    number_prefix = _prefix()
    policy_window_days = _days(minimum=0)
    handling_target_days = _days(minimum=1)
    is_active = fields.Boolean()
    is_public = fields.Boolean()
    initial_status_id = fields.Integer(strict=False)


class StepCreateSchema(Schema):
    code = _code(required=True)
    names = Names(required=True)
    #: Where the step goes (0 = first); absent means after the last step.
    position = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=0, max=1000))


class StepRenameSchema(Schema):
    names = Names(required=True)


class StatusCreateSchema(Schema):
    step_id = fields.Integer(required=True)
    code = _code(required=True)
    names = Names(required=True)
    color = Color(required=True)
    is_closing = fields.Boolean(load_default=False)


class StatusUpdateSchema(Schema):
    names = Names()
    color = Color()
    is_closing = fields.Boolean()


class TransitionsSchema(Schema):
    """The whole set of allowed edges of a type, as ``[from_code, to_code]`` pairs."""

    edges = fields.List(fields.Tuple((fields.String(validate=validate.Length(min=1, max=64)),) * 2), required=True)


class ReasonCreateSchema(Schema):
    code = _code(required=True)
    names = Names(required=True)


class ReasonRenameSchema(Schema):
    names = Names(required=True)


class ReasonOrderSchema(Schema):
    """Every reason of a type by id, in the new order."""

    reason_ids = fields.List(fields.Integer(strict=False), required=True, validate=validate.Length(max=1000))
