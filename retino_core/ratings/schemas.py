from __future__ import annotations

from marshmallow import Schema, fields, validate

from retino_core.i18n import N_

#: Longest comment kept with a rating.
MAX_COMMENT_LENGTH = 2000

_SCORE_MESSAGE = N_("Choose a rating from 1 to 5.")


class RatingSchema(Schema):
    score = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=5, error=_SCORE_MESSAGE),
        error_messages={"required": _SCORE_MESSAGE, "null": _SCORE_MESSAGE, "invalid": _SCORE_MESSAGE},
    )
    comment = fields.String(
        load_default="",
        validate=validate.Length(max=MAX_COMMENT_LENGTH, error=N_("The comment can have at most 2,000 characters.")),
    )
