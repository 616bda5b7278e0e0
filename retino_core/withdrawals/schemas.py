"""Load schema of what the shopper states when withdrawing; every message is one the storefront translates."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from retino_core.i18n import N_, SUPPORTED_LANGUAGES

ENTER_NAME = N_("Enter your name.")
ENTER_ORDER = N_("Enter the order number.")
ENTER_EMAIL = N_("Enter the e-mail address you ordered with.")
TOO_LONG = N_("This is too long.")


class WithdrawalSchema(Schema):
    """The name, the order (number and e-mail, as the shopper typed them) and, optionally, which items.

    No chosen items means the whole order: the consumer may withdraw from the contract as a
    whole without listing anything.
    """

    customer_name = fields.String(
        required=True,
        error_messages={"required": ENTER_NAME, "null": ENTER_NAME, "invalid": ENTER_NAME},
        validate=[validate.Regexp(r"\S", error=ENTER_NAME), validate.Length(max=200, error=TOO_LONG)],
    )
    order_code = fields.String(
        required=True,
        error_messages={"required": ENTER_ORDER, "null": ENTER_ORDER, "invalid": ENTER_ORDER},
        validate=[validate.Regexp(r"\S", error=ENTER_ORDER), validate.Length(max=100, error=TOO_LONG)],
    )
    customer_email = fields.Email(
        required=True,
        error_messages={"required": ENTER_EMAIL, "null": ENTER_EMAIL, "invalid": N_("Enter a valid e-mail address.")},
        validate=validate.Length(max=254, error=TOO_LONG),
    )
    order_item_ids = fields.List(
        fields.Integer(strict=False, error_messages={"invalid": N_("Choose items from the list.")}),
        load_default=list,
        validate=validate.Length(max=200, error=TOO_LONG),
    )
    language = fields.String(required=True, validate=validate.OneOf(SUPPORTED_LANGUAGES))
