"""Load schema of a refund request: the reason and, per case item, how many units are refunded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from retino_core.i18n import N_

QUANTITY_INVALID = N_("Enter a quantity of at least 0.001 with up to three decimals.")
TOO_LONG = N_("This is too long.")


class RefundLineSchema(Schema):
    """One case item and the quantity of it refunded; the amount follows from the item's unit price."""

    case_item_id = fields.Integer(required=True, strict=False)
    quantity = fields.Decimal(
        required=True,
        allow_nan=False,
        validate=validate.Range(min=Decimal("0.001"), max=Decimal("100000"), error=QUANTITY_INVALID),
        error_messages={"invalid": QUANTITY_INVALID, "required": QUANTITY_INVALID, "null": QUANTITY_INVALID},
    )

    @validates_schema
    def _three_decimals(self, data: dict[str, Any], **_: Any) -> None:
        quantity = data.get("quantity")
        if isinstance(quantity, Decimal) and quantity != quantity.quantize(Decimal("0.001")):
            raise ValidationError(QUANTITY_INVALID, field_name="quantity")


class RefundRequestSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=500, error=TOO_LONG))
    lines = fields.List(fields.Nested(RefundLineSchema), load_default=list, validate=validate.Length(max=200))

    @validates_schema
    def _each_item_once(self, data: dict[str, Any], **_: Any) -> None:
        ids = [line["case_item_id"] for line in data.get("lines", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError(N_("Name each item once."), field_name="lines")
