"""Load schemas for messaging input, parsed at the edge and again in the action."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from retino_core.i18n import N_

SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 10_000


class CustomerMessageSchema(Schema):
    """A message a member writes to the case's customer: a one-line subject and a plain-text body."""

    subject = fields.String(
        load_default="",
        validate=validate.Length(max=SUBJECT_MAX_LENGTH, error=N_("The subject can have at most 200 characters.")),
    )
    body = fields.String(
        load_default="",
        validate=validate.Length(max=BODY_MAX_LENGTH, error=N_("The message can have at most 10,000 characters.")),
    )

    @validates_schema
    def _not_blank(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        if not data.get("subject", "").strip():
            errors["subject"] = [N_("Write a subject.")]
        if not data.get("body", "").strip():
            errors["body"] = [N_("Write a message.")]
        if errors:
            raise ValidationError(errors)


class InboundMessageSchema(Schema):
    """What a shopper writes on the status page: an optional subject, a body unless files come with it."""

    subject = fields.String(
        load_default="",
        validate=validate.Length(max=SUBJECT_MAX_LENGTH, error=N_("The subject can have at most 200 characters.")),
    )
    body = fields.String(
        load_default="",
        validate=validate.Length(max=BODY_MAX_LENGTH, error=N_("The message can have at most 10,000 characters.")),
    )
    has_attachments = fields.Boolean(load_default=False)

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("body", "").strip() and not data.get("has_attachments"):
            raise ValidationError({"body": [N_("Write a message.")]})
