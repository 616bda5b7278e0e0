"""Load schemas for a shipping choice: the option and, depending on its kind, a branch or an address."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

#: A branch id as carriers print them: letters, digits and a few separators.
BRANCH_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,63}$"


class PickupAddressSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    street = fields.String(required=True, validate=validate.Length(min=1, max=200))
    city = fields.String(required=True, validate=validate.Length(min=1, max=100))
    zip_code = fields.String(
        required=True, validate=[validate.Length(min=3, max=12), validate.Regexp(r"^[0-9A-Za-z -]+$")]
    )
    country_code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z]{2}$"))
    phone = fields.String(load_default="", validate=[validate.Length(max=50), validate.Regexp(r"^[0-9 +()/-]*$")])


class ShippingChoiceSchema(Schema):
    option_id = fields.Integer(required=True, strict=False)
    branch_id = fields.String(load_default="", validate=validate.Length(max=64))
    branch_name = fields.String(load_default="", validate=validate.Length(max=200))
    pickup_address = fields.Dict(load_default=None, allow_none=True)
