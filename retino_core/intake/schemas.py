"""Load schemas for the portal's first step: which case type, which order, whose e-mail."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from retino_core.cases.models import CaseOrigin
from retino_core.i18n import SUPPORTED_LANGUAGES

#: Origins a draft may have: the portal itself or a pre-filled direct link.
DRAFT_ORIGINS = (CaseOrigin.storefront, CaseOrigin.direct_link)


class LookupSchema(Schema):
    case_type = fields.String(required=True, validate=validate.Length(min=1, max=64))
    order_code = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    language = fields.String(required=True, validate=validate.OneOf(SUPPORTED_LANGUAGES))
    origin = fields.Enum(
        CaseOrigin, by_value=True, load_default=CaseOrigin.storefront, validate=validate.OneOf(DRAFT_ORIGINS)
    )


class WithoutOrderSchema(Schema):
    case_type = fields.String(required=True, validate=validate.Length(min=1, max=64))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    customer_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    language = fields.String(required=True, validate=validate.OneOf(SUPPORTED_LANGUAGES))
    origin = fields.Enum(
        CaseOrigin, by_value=True, load_default=CaseOrigin.storefront, validate=validate.OneOf(DRAFT_ORIGINS)
    )
