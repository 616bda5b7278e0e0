from __future__ import annotations

from marshmallow import Schema, fields, validate

from retino_core.i18n import N_


class SavedFilterSchema(Schema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=80, error=N_("Give the filter a name of 1 to 80 characters.")),
        error_messages={"required": N_("Give the filter a name of 1 to 80 characters.")},
    )
