"""marshmallow load schemas for a channel's widget settings, shipping options and consultant.

Shop domains are normalised to the origins a browser compares in CSP ``frame-ancestors``:
scheme, host (IDN as punycode, lower-case) and a non-default port, nothing else.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from retino_core.channels.models import KINDS_WITH_CARRIER, BadgeSide, Carrier, ShippingKind
from retino_core.i18n import N_, SUPPORTED_LANGUAGES
from retino_core.money import CENT

#: More origins than this is a sign of a misunderstanding (the list is per channel, i.e. per shop).
MAX_SHOP_DOMAINS = 10
#: Hosts that may be framed over plain http, for a shop developed on the merchant's own machine.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
DEFAULT_PORTS = {"https": "443", "http": "80"}
MAX_NAME_LENGTH = 200
MAX_INSTRUCTIONS_LENGTH = 2000
#: Prices up to what the amount column holds (14 digits, 2 of them decimals).
PRICE_LIMIT = Decimal("1000000000000")

ORIGIN_FORMAT = N_("Give an address such as https://shop.example.cz.")
ORIGIN_PATH = N_("Give only the address of the shop, without a path.")
ORIGIN_HTTPS = N_("Use https:// (plain http:// only for localhost).")
ORIGIN_WILDCARD = N_("Use a wildcard only as a leading *. before the shop's domain, e.g. https://*.example.cz.")
ORIGIN_DOMAIN = N_("This is not a valid domain.")
PRICE_FORMAT = N_("Give the price as a number, such as 49 or 49.90.")
PRICE_NEGATIVE = N_("The price cannot be negative.")
PRICE_DECIMALS = N_("Use at most two decimal places.")
PRICE_TOO_LARGE = N_("This price is too large.")
CARRIER_REQUIRED = N_("Choose the carrier.")
CARRIER_FORBIDDEN = N_("Your own drop-off has no carrier.")

_ORIGIN = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<authority>[^/?#@\s]*)(?P<rest>.*)", re.DOTALL)
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_TOP_LEVEL = re.compile(r"[a-z](?:[a-z0-9-]*[a-z0-9])?")


class InvalidOrigin(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalise_origin(text: str) -> str:
    """``text`` as an origin (``https://shop.example.cz``, ``https://*.example.cz``, ``http://localhost:8000``).

    One trailing slash is forgiven; a path, query, user name or any other wildcard is refused, as is
    plain http anywhere but on localhost. Raises :class:`InvalidOrigin` with the reason.
    """
    value = text.strip()
    if value.endswith("/"):
        value = value[:-1]
    match = _ORIGIN.fullmatch(value)
    if match is None:
        raise InvalidOrigin(ORIGIN_FORMAT)
    rest = match["rest"]
    if rest:
        raise InvalidOrigin(ORIGIN_PATH if rest[0] in "/?#" else ORIGIN_FORMAT)
    scheme = match["scheme"].lower()
    host, port = match["authority"].lower(), ""
    if ":" in host:
        host, _, port = host.rpartition(":")
        if not port.isdigit() or not 0 < int(port) <= 65535:
            raise InvalidOrigin(ORIGIN_FORMAT)
        port = str(int(port))
    wildcard = host.startswith("*.")
    bare = host[2:] if wildcard else host
    if "*" in bare:
        raise InvalidOrigin(ORIGIN_WILDCARD)
    try:
        ascii_host = bare.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidOrigin(ORIGIN_DOMAIN) from None
    labels = ascii_host.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidOrigin(ORIGIN_DOMAIN)
    is_local = ascii_host in LOCAL_HOSTS
    if wildcard and (is_local or len(labels) < 2):
        raise InvalidOrigin(ORIGIN_WILDCARD)
    if not is_local and (len(labels) < 2 or not _TOP_LEVEL.fullmatch(labels[-1])):
        raise InvalidOrigin(ORIGIN_DOMAIN)
    if scheme != "https" and not (scheme == "http" and is_local):
        raise InvalidOrigin(ORIGIN_HTTPS)
    if port == DEFAULT_PORTS[scheme]:
        port = ""
    return f"{scheme}://{'*.' if wildcard else ''}{ascii_host}{':' + port if port else ''}"


def origin_of_url(url: str) -> str | None:
    """The origin of a shop's URL (its path dropped), or None when it is not one the widget may trust."""
    match = _ORIGIN.fullmatch(url.strip())
    if match is None:
        return None
    try:
        return normalise_origin(f"{match['scheme']}://{match['authority']}")
    except InvalidOrigin:
        return None


class Origin(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = str(super()._deserialize(value, attr, data, **kwargs))
        try:
            return normalise_origin(text)
        except InvalidOrigin as refused:
            raise ValidationError(refused.message) from None


class Texts(fields.Dict):
    """A text per supported language; blank languages are dropped (the action demands the channel's own)."""

    def __init__(self, *, max_length: int, **kwargs: Any) -> None:
        super().__init__(
            keys=fields.String(validate=validate.OneOf(SUPPORTED_LANGUAGES)),
            values=fields.String(validate=validate.Length(max=max_length)),
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, str]:
        loaded: dict[str, str] = super()._deserialize(value, attr, data, **kwargs)
        return {language: text.strip() for language, text in loaded.items() if text.strip()}


class Price(fields.Field):
    """An amount as text (``49``, ``49.90``, ``49,90``, ``1 290``) → a Decimal with two places.

    Blank or 0 is free (None). Floats are refused: they cannot hold an amount exactly.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal | None:
        if isinstance(value, str):
            text = value.strip().replace(" ", "").replace("\u00a0", "")
            if not text:
                return None
            if "," in text and "." not in text:
                text = text.replace(",", ".")
        elif isinstance(value, int | Decimal) and not isinstance(value, bool):
            text = str(value)
        else:
            raise ValidationError(PRICE_FORMAT)
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(PRICE_FORMAT) from None
        if not amount.is_finite():
            raise ValidationError(PRICE_FORMAT)
        if amount < 0:
            raise ValidationError(PRICE_NEGATIVE)
        if amount >= PRICE_LIMIT:
            raise ValidationError(PRICE_TOO_LARGE)
        if amount != amount.quantize(CENT):
            raise ValidationError(PRICE_DECIMALS)
        amount = amount.quantize(CENT)
        return None if amount == 0 else amount


class UniqueList(fields.List):
    """A list whose repeats count once (so the length limits apply to distinct entries)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        return list(dict.fromkeys(super()._deserialize(value, attr, data, **kwargs)))


class WidgetSettingsSchema(Schema):
    """Every key is optional: only what is given changes."""

    badge_side = fields.Enum(BadgeSide, by_value=True)
    allow_intake_without_order = fields.Boolean()
    shop_domains = UniqueList(
        Origin(),
        validate=[
            validate.Length(min=1, error=N_("Give at least one shop address.")),
            validate.Length(max=MAX_SHOP_DOMAINS, error=N_("Give at most 10 shop addresses.")),
        ],
    )
    offered_case_type_ids = UniqueList(
        fields.Integer(strict=False), validate=validate.Length(min=1, error=N_("Offer at least one case type."))
    )


class ShippingOptionSchema(Schema):
    """A whole option: adding and editing both give every field."""

    kind = fields.Enum(ShippingKind, by_value=True, required=True)
    carrier = fields.Enum(Carrier, by_value=True, allow_none=True, load_default=None)
    names = Texts(max_length=MAX_NAME_LENGTH, load_default=dict)
    instructions = Texts(max_length=MAX_INSTRUCTIONS_LENGTH, load_default=dict)
    price = Price(allow_none=True, load_default=None)

    @pre_load
    def _blank_carrier_is_none(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("carrier"), str) and not data["carrier"].strip():
            return {**data, "carrier": None}
        return data

    @validates_schema
    def _carrier_matches_kind(self, data: dict[str, Any], **_: Any) -> None:
        if data["kind"] in KINDS_WITH_CARRIER and data.get("carrier") is None:
            raise ValidationError(CARRIER_REQUIRED, "carrier")
        if data["kind"] not in KINDS_WITH_CARRIER and data.get("carrier") is not None:
            raise ValidationError(CARRIER_FORBIDDEN, "carrier")


class ShippingOrderSchema(Schema):
    """The channel's active options, first to last, by id."""

    option_ids = fields.List(fields.Integer(strict=False), required=True)


class ConsultantSchema(Schema):
    #: The member every new case from the channel is assigned to; None for nobody.
    default_consultant_id = fields.Integer(strict=False, allow_none=True, required=True)

    @pre_load
    def _blank_is_nobody(self, data: Any, **_: Any) -> Any:
        value = data.get("default_consultant_id") if isinstance(data, dict) else None
        if isinstance(value, str) and not value.strip():
            return {**data, "default_consultant_id": None}
        return data
