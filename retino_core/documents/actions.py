"""Documents a member or the shopper can download: for now the protocol of one case as a PDF.

The protocol is what a merchant hands the customer when a complaint is lodged or a return or
withdrawal is received (the written confirmation consumer law asks for): who the seller is, the
case, the customer, the order, each item with what was asked for and what was decided, the
deadlines and room for both signatures. It is built from the core alone, so the admin and the
shopper's status page offer the same document.

Only what the customer may see goes in: custom fields marked public (staff-only fields stay in the
admin), no internal notes, and no merchant-only deadline (the handling target).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_currency, format_decimal
from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.accounts.models import Account
from retino_core.accounts.permissions import Permission
from retino_core.cases.models import Case, CaseItem
from retino_core.cases.queries import get_case
from retino_core.custom_fields.models import CustomFieldDefinition, FieldScope, FieldType
from retino_core.custom_fields.queries import case_field_values, fields_for_case_type, item_field_values
from retino_core.deadlines.queries import deadlines_for_case
from retino_core.deadlines.rules import DeadlineKind
from retino_core.documents.errors import DocumentError, DocumentErrorCode
from retino_core.documents.render import DOCUMENT_LANGUAGES, RenderedDocument, html_to_pdf, render_html
from retino_core.errors import ErrorKind
from retino_core.i18n import N_, localized, pick_language
from retino_core.money import quantize_amount

PROTOCOL_TEMPLATE = "case_protocol.jinja"
#: Dates are shown in the shops' time zone: accounts have none of their own yet, and every
#: served country (CZ, SK, PL, HU, DE, AT) shares CET/CEST.
DISPLAY_TIME_ZONE = ZoneInfo("Europe/Prague")
#: The deadlines a customer is told about; the handling target is the merchant's own goal.
CUSTOMER_DEADLINES = frozenset(DeadlineKind) - {DeadlineKind.handling_target}
QUANTITY_FORMAT = "#,##0.###"
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class ProtocolField:
    """One custom field value as text; ``is_checked`` is set only for checkboxes (shown as yes/no)."""

    label: str
    text: str
    is_checked: bool | None = None
    #: Multi-line text, printed as a paragraph rather than a table row.
    is_long: bool = False


@dataclass(frozen=True)
class ProtocolItem:
    """One case item; the states are codes the template names in the document's language."""

    position: int
    name: str
    product_code: str
    quantity: str
    unit_price: str
    total: str
    reason: str
    defect_description: str
    #: A ``RequestedRemedy`` value, or "".
    requested_remedy: str
    #: A ``ReceptionState`` value.
    reception: str
    #: A ``DecisionState`` value.
    decision: str
    #: A ``Resolution`` value, or "".
    resolution: str
    inspection_note: str
    decision_note: str
    fields: tuple[ProtocolField, ...]


@dataclass(frozen=True)
class ProtocolDeadline:
    #: A ``DeadlineKind`` value.
    kind: str
    due_on: str
    #: When it was met, or "".
    met_on: str


@dataclass(frozen=True)
class CaseProtocol:
    """Everything the protocol template shows, formatted for one language; empty text means "not known"."""

    #: The case type's ``CaseKind`` value; picks the title and the wording of the lodging date.
    kind: str
    shop_name: str
    sender_name: str
    number: str
    type_name: str
    status_name: str
    lodged_at: str
    created_at: str
    closed_at: str
    customer_name: str
    customer_email: str
    customer_phone: str
    order_code: str
    channel_name: str
    ordered_on: str
    delivered_on: str
    items: tuple[ProtocolItem, ...]
    #: The sum of the item totals, when every item has a price in one currency.
    items_total: str
    fields: tuple[ProtocolField, ...]
    deadlines: tuple[ProtocolDeadline, ...]
    description: str
    issued_on: str


def case_protocol_pdf(
    session: Session, *, account: Account, actor: Actor, case_id: int, language: str | None = None
) -> RenderedDocument:
    """The protocol of the account's case ``case_id`` as a PDF named after the case number.

    Needs ``case_view`` only, so read-only roles and deactivated accounts can still download it.
    Another account's case is "not found", like a missing one. ``language`` defaults to the
    case's language; one the documents are not written in is refused as invalid. Reads only.
    """
    actor.require(Permission.case_view)
    case = get_case(session, account_id=account.id, case_id=case_id)
    document_language = _document_language(case, account, language)
    protocol = build_case_protocol(session, account=account, case=case, language=document_language)
    html = render_html(PROTOCOL_TEMPLATE, document_language, {"protocol": protocol})
    return RenderedDocument.pdf(protocol_filename(case), html_to_pdf(html))


def protocol_filename(case: Case) -> str:
    """``R00042.pdf``: the case number, reduced to characters every file system and header accepts."""
    return f"{_UNSAFE_FILENAME.sub('_', case.number).strip('_') or 'case'}.pdf"


def _document_language(case: Case, account: Account, requested: str | None) -> str:
    if requested is None:
        return pick_language(case.language, pick_language(account.default_language))
    language = requested.strip().lower()
    if language not in DOCUMENT_LANGUAGES:
        raise DocumentError(
            DocumentErrorCode.unsupported_language,
            N_("Documents can be downloaded in these languages only: %(languages)s."),
            kind=ErrorKind.invalid,
            languages=", ".join(DOCUMENT_LANGUAGES),
        )
    return language


def build_case_protocol(session: Session, *, account: Account, case: Case, language: str) -> CaseProtocol:
    """The protocol's content for ``case`` in ``language``: every value formatted, nothing rendered yet."""
    branding = account.branding_for(language)
    order = case.order
    item_values = item_field_values(session, case=case)
    item_fields = fields_for_case_type(
        session, account_id=account.id, case_type_id=case.case_type_id, scope=FieldScope.item, public_only=True
    )
    items = tuple(
        _protocol_item(
            position,
            item,
            _reason_name(case, item.reason, language),
            [(linked.definition, item_values.get(item.id, {}).get(linked.definition.key)) for linked in item_fields],
            language,
        )
        for position, item in enumerate(case.items, start=1)
    )
    case_values = case_field_values(session, case=case)
    case_fields = fields_for_case_type(
        session, account_id=account.id, case_type_id=case.case_type_id, scope=FieldScope.case, public_only=True
    )
    deadlines = deadlines_for_case(session, account_id=account.id, case_id=case.id)
    return CaseProtocol(
        kind=case.case_type.kind.value,
        shop_name=branding.shop_name if branding else account.name,
        sender_name=branding.sender_name if branding else account.name,
        number=case.number,
        type_name=case.case_type.name(language),
        status_name=case.status.name(language),
        lodged_at=_moment(case.lodged_at, language),
        created_at=_moment(case.created_at, language),
        closed_at=_moment(case.closed_at, language),
        customer_name=case.customer_name,
        customer_email=case.customer_email,
        customer_phone=case.customer_phone,
        order_code=order.code if order else "",
        channel_name=case.channel.name if case.channel else "",
        ordered_on=_date(order.ordered_at if order else None, language),
        delivered_on=_date(order.delivered_at if order else None, language),
        items=items,
        items_total=_items_total(case.items, language),
        fields=_protocol_fields(
            [(linked.definition, case_values.get(linked.definition.key)) for linked in case_fields], language
        ),
        deadlines=tuple(
            ProtocolDeadline(
                kind=deadline.kind.value,
                due_on=_date(deadline.due_at, language),
                met_on=_date(deadline.met_at, language),
            )
            for deadline in deadlines
            if deadline.kind in CUSTOMER_DEADLINES
        ),
        description=case.description,
        issued_on=_date(clock.now(), language),
    )


def _reason_name(case: Case, code: str, language: str) -> str:
    """The name of the type's reason (retired ones too); a code the type does not know is shown as it is."""
    if not code:
        return ""
    reason = case.case_type.reason_by_code(code)
    return reason.name(language) if reason else code


def _protocol_item(
    position: int, item: CaseItem, reason: str, values: list[tuple[CustomFieldDefinition, Any]], language: str
) -> ProtocolItem:
    price = item.unit_price_amount
    return ProtocolItem(
        position=position,
        name=item.name,
        product_code=item.product_code,
        quantity=format_decimal(item.quantity, format=QUANTITY_FORMAT, locale=language),
        unit_price="" if price is None else format_currency(price, item.currency, locale=language),
        total="" if price is None else format_currency(_line_total(item), item.currency, locale=language),
        reason=reason,
        defect_description=item.defect_description,
        requested_remedy=item.requested_remedy.value if item.requested_remedy else "",
        reception=item.reception_state.value,
        decision=item.decision_state.value,
        resolution=item.resolution.value if item.resolution else "",
        inspection_note=item.inspection_note,
        decision_note=item.decision_note,
        fields=_protocol_fields(values, language),
    )


def _line_total(item: CaseItem) -> Decimal:
    assert item.unit_price_amount is not None
    return quantize_amount(item.quantity * item.unit_price_amount)


def _items_total(items: list[CaseItem], language: str) -> str:
    currencies = {item.currency for item in items}
    if not items or len(currencies) != 1 or any(item.unit_price_amount is None for item in items):
        return ""
    total = sum((_line_total(item) for item in items), Decimal("0"))
    return format_currency(total, currencies.pop(), locale=language)


def _protocol_fields(values: list[tuple[CustomFieldDefinition, Any]], language: str) -> tuple[ProtocolField, ...]:
    """The filled-in fields, in the given order, as text in ``language``; empty ones are left out."""
    fields = []
    for definition, value in values:
        if value is None or value == "" or value == []:
            continue
        label = definition.name(language)
        if definition.field_type is FieldType.checkbox:
            fields.append(ProtocolField(label=label, text="", is_checked=bool(value)))
        else:
            fields.append(
                ProtocolField(
                    label=label,
                    text=field_display_text(definition, value, language),
                    is_long=definition.field_type is FieldType.multiline,
                )
            )
    return tuple(fields)


def field_display_text(definition: CustomFieldDefinition, value: Any, language: str) -> str:
    """A stored (normalised) custom field value as a reader of ``language`` expects to see it.

    Numbers and dates follow the locale, options show their names rather than their codes. A
    value that no longer fits its field's type (the type was changed later) is shown as stored.
    """
    field_type = definition.field_type
    try:
        if field_type is FieldType.number:
            return format_decimal(Decimal(str(value)), locale=language, decimal_quantization=False)
        if field_type is FieldType.date:
            return format_date(date.fromisoformat(str(value)), format="medium", locale=language)
        if field_type in (FieldType.dropdown, FieldType.multichoice):
            names = {str(option["value"]): localized(option.get("names"), language) for option in definition.options}
            chosen = value if isinstance(value, list) else [value]
            return ", ".join(names.get(str(choice)) or str(choice) for choice in chosen)
    except (InvalidOperation, ValueError, TypeError, KeyError):
        pass
    if isinstance(value, list):
        return ", ".join(str(choice) for choice in value)
    return str(value)


def _local(value: datetime) -> datetime:
    return clock.as_utc(value).astimezone(DISPLAY_TIME_ZONE)


def _date(value: datetime | None, language: str) -> str:
    if value is None:
        return ""
    return format_date(_local(value).date(), format="medium", locale=language)


def _moment(value: datetime | None, language: str) -> str:
    """Date and time (to the minute) in the display time zone, joined the way ``language`` joins them."""
    if value is None:
        return ""
    local = _local(value)
    day = format_date(local.date(), format="medium", locale=language)
    time = format_time(local.time(), format="short", locale=language)
    return str(get_datetime_format("medium", locale=language)).replace("{1}", day).replace("{0}", time)
