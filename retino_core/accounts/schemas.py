from __future__ import annotations

from marshmallow import Schema, fields, validate

from retino_core.accounts.models import Platform
from retino_core.accounts.passwords import MINIMUM_PASSWORD_LENGTH
from retino_core.accounts.permissions import Role
from retino_core.i18n import SUPPORTED_LANGUAGES

COUNTRIES = ("CZ", "SK", "PL", "HU", "DE", "AT")
CURRENCIES = ("CZK", "EUR", "PLN", "HUF")


class AccountCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    slug = fields.String(
        required=True, validate=[validate.Length(min=2, max=64), validate.Regexp(r"^[a-z0-9][a-z0-9-]*$")]
    )
    country = fields.String(required=True, validate=validate.OneOf(COUNTRIES))
    default_language = fields.String(load_default="cs", validate=validate.OneOf(SUPPORTED_LANGUAGES))
    default_currency = fields.String(load_default="CZK", validate=validate.OneOf(CURRENCIES))


class BrandingSchema(Schema):
    language = fields.String(required=True, validate=validate.OneOf(SUPPORTED_LANGUAGES))
    shop_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    sender_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    signature = fields.String(load_default="", validate=validate.Length(max=5000))
    logo_key = fields.String(load_default=None, allow_none=True)


class UserCreateSchema(Schema):
    email = fields.Email(required=True)
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=MINIMUM_PASSWORD_LENGTH))
    language = fields.String(load_default="cs", validate=validate.OneOf(SUPPORTED_LANGUAGES))


class ChannelCreateSchema(Schema):
    platform = fields.Enum(Platform, by_value=True, required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    external_shop_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    shop_url = fields.Url(load_default="", require_tld=False)
    country = fields.String(required=True, validate=validate.OneOf(COUNTRIES))
    currency = fields.String(required=True, validate=validate.OneOf(CURRENCIES))
    default_language = fields.String(required=True, validate=validate.OneOf(SUPPORTED_LANGUAGES))
    default_consultant_id = fields.Integer(load_default=None, allow_none=True)
    credentials = fields.Dict(keys=fields.String(), load_default=None, allow_none=True)


class InvitationCreateSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.Enum(Role, by_value=True, required=True)


class NewPasswordSchema(Schema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=MINIMUM_PASSWORD_LENGTH))


class InvitationAcceptSchema(Schema):
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=MINIMUM_PASSWORD_LENGTH))
