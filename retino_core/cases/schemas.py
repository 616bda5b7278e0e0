"""Load schemas for case input. One schema per audience; dump schemas arrive with the admin and API."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from retino_core.cases.models import DecisionState, ReceptionState, RequestedRemedy, Resolution
from retino_core.i18n import SUPPORTED_LANGUAGES


class CaseItemCreateSchema(Schema):
    order_item_id = fields.Integer(load_default=None, allow_none=True)
    name = fields.String(load_default="", validate=validate.Length(max=300))
    product_code = fields.String(load_default="", validate=validate.Length(max=100))
    quantity = fields.Decimal(
        required=True, places=3, validate=validate.Range(min=Decimal("0.001"), max=Decimal("100000")), allow_nan=False
    )
    unit_price = fields.Decimal(load_default=None, allow_none=True, places=2, validate=validate.Range(min=0))
    reason = fields.String(load_default="", validate=validate.Length(max=64))
    defect_description = fields.String(load_default="", validate=validate.Length(max=10_000))
    requested_remedy = fields.Enum(RequestedRemedy, by_value=True, load_default=None, allow_none=True)

    @validates_schema
    def _named_or_from_order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("order_item_id") is None and not data.get("name", "").strip():
            raise ValidationError("Give the item's name or pick it from the order.", field_name="name")


class CaseCreateSchema(Schema):
    case_type = fields.String(required=True, validate=validate.Length(min=1, max=64))
    channel_id = fields.Integer(load_default=None, allow_none=True)
    order_id = fields.Integer(load_default=None, allow_none=True)
    customer_name = fields.String(load_default="", validate=validate.Length(max=200))
    customer_email = fields.Email(load_default=None, allow_none=True)
    customer_phone = fields.String(load_default="", validate=validate.Length(max=50))
    language = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SUPPORTED_LANGUAGES))
    country = fields.String(load_default=None, allow_none=True, validate=validate.Length(equal=2))
    description = fields.String(load_default="", validate=validate.Length(max=10_000))
    owner_id = fields.Integer(load_default=None, allow_none=True)
    items = fields.List(fields.Nested(CaseItemCreateSchema), required=True, validate=validate.Length(min=1, max=200))
    custom_fields = fields.Dict(keys=fields.String(), load_default=dict)
    notify_customer = fields.Boolean(load_default=True)
    #: When the shopper lodged the request, if earlier than now (a complaint that came by post).
    lodged_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC)

    @validates_schema
    def _customer_reachable(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("order_id") is None and not data.get("customer_email"):
            raise ValidationError("An e-mail is needed when the case has no order.", field_name="customer_email")


class NoteSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class TagSchema(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=64), validate.Regexp(r"^[^\s].*$")])


class TagUpdateSchema(TagSchema):
    """A tag's new name and colour (``#rrggbb``, stored lower-case), from the settings."""

    color = fields.String(required=True, validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$"))


class ReceiveItemSchema(Schema):
    state = fields.Enum(ReceptionState, by_value=True, required=True)
    note = fields.String(load_default="", validate=validate.Length(max=10_000))


class DecideItemSchema(Schema):
    decision = fields.Enum(
        DecisionState, by_value=True, required=True, validate=validate.NoneOf([DecisionState.pending])
    )
    resolution = fields.Enum(Resolution, by_value=True, load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=validate.Length(max=10_000))
