"""Manual case creation: a member opens a case for a phone call, a walk-in customer or a letter.

The form is one POST target. Only the "create" button creates; the other buttons (show the
type's fields, add a row, include or exclude every item) re-render the form with the input kept,
so the screen works without JavaScript and htmx only swaps the form in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from werkzeug.datastructures import MultiDict

from marketplace_app.admin import blueprint
from marketplace_app.database import db
from marketplace_app.errors import translated_message
from marketplace_app.tenancy import admin_context, requires
from retino_core import clock
from retino_core.accounts.models import Account, SalesChannel
from retino_core.accounts.permissions import Permission
from retino_core.case_types.models import CaseType
from retino_core.cases.actions import claimed_quantities, open_case
from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.cases.models import Case, CaseOrigin, RequestedRemedy
from retino_core.cases.schemas import CaseCreateSchema
from retino_core.custom_fields.actions import set_case_field_values
from retino_core.custom_fields.errors import CustomFieldError
from retino_core.custom_fields.models import FieldScope, FieldType
from retino_core.custom_fields.queries import LinkedField, fields_for_case_type
from retino_core.errors import ErrorKind
from retino_core.i18n import SUPPORTED_LANGUAGES
from retino_core.orders.errors import OrderError
from retino_core.orders.models import Order, OrderItem
from retino_core.orders.queries import MINIMUM_SEARCH_LENGTH, search_orders

#: Free rows offered without an order, and the most the "add row" button will give.
DEFAULT_FREE_ROWS = 1
MAX_FREE_ROWS = 50
#: Key of the error shown above the item table.
ITEMS_ERROR = "items"
#: Key of errors that belong to no single field.
GENERAL_ERROR = "_general"


@dataclass
class ItemRow:
    """One line of the item table: an order item (``o<id>``) or a free row (``n<index>``)."""

    key: str
    order_item: OrderItem | None = None
    claimed: Decimal = Decimal("0")
    include: bool = False
    name: str = ""
    quantity: str = "1"
    unit_price: str = ""
    reason: str = ""
    defect_description: str = ""
    requested_remedy: str = ""
    custom: dict[str, Any] = field(default_factory=dict)

    @property
    def available(self) -> Decimal:
        if self.order_item is None:
            return Decimal("0")
        return max(self.order_item.quantity - self.claimed, Decimal("0"))

    @property
    def is_blank(self) -> bool:
        """A free row nobody filled in is ignored rather than refused."""
        return self.order_item is None and not (
            self.name.strip() or self.unit_price.strip() or self.reason.strip() or self.defect_description.strip()
        )

    def field_name(self, name: str) -> str:
        return f"item-{self.key}-{name}"


@dataclass
class CaseForm:
    """Everything the form shows: the chosen order, the input as typed and the errors per input name."""

    order: Order | None
    values: dict[str, Any]
    rows: list[ItemRow]
    custom: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    @property
    def case_type(self) -> str:
        return str(self.values.get("case_type", ""))


def quantity_text(value: Decimal) -> str:
    """A quantity as people write it: "2", "1.5", never "2.000"."""
    return f"{value.normalize():f}"


def _account_order(order_id: str | None) -> Order | None:
    """The account's order with this id; another account's order, or a malformed id, is a 404."""
    if not order_id:
        return None
    if not order_id.isdigit():
        abort(404)
    order = Order.get_for_account(db(), int(order_id), admin_context().account.id)
    if order is None:
        abort(404)
    return order


def _case_types(account_id: int) -> list[CaseType]:
    return list(
        db().scalars(
            CaseType.select_for_account(account_id)
            .where(CaseType.is_active, CaseType.initial_status_id.is_not(None))
            .order_by(CaseType.position, CaseType.id)
        )
    )


def _channels(account_id: int) -> list[SalesChannel]:
    return list(db().scalars(SalesChannel.select_for_account(account_id).order_by(SalesChannel.name)))


def _linked_fields(account_id: int, case_type: CaseType | None) -> tuple[list[LinkedField], list[LinkedField]]:
    """The chosen type's custom fields: (case scope, item scope)."""
    if case_type is None:
        return [], []
    linked = fields_for_case_type(db(), account_id=account_id, case_type_id=case_type.id)
    return (
        [field for field in linked if field.definition.scope is FieldScope.case],
        [field for field in linked if field.definition.scope is FieldScope.item],
    )


def _order_rows(order: Order) -> list[ItemRow]:
    claimed = claimed_quantities(
        db(), account_id=order.account_id, order_item_ids=[order_item.id for order_item in order.items]
    )
    return [
        ItemRow(key=f"o{order_item.id}", order_item=order_item, claimed=claimed.get(order_item.id, Decimal("0")))
        for order_item in order.items
    ]


def _prefill(order: Order | None, account: Account) -> dict[str, Any]:
    """Contact and localisation from the order (or the account) for a fresh form."""
    values: dict[str, Any] = {
        "case_type": request.args.get("type", ""),
        "customer_name": "",
        "customer_email": "",
        "customer_phone": "",
        "channel_id": "",
        "language": account.default_language,
        "country": account.country,
        "description": "",
        "lodged_at": "",
        "notify_customer": True,
        "assign_to_me": False,
    }
    if order is not None:
        channel = SalesChannel.get_for_account(db(), order.channel_id, account.id)
        address = order.shipping_address or order.billing_address or {}
        values.update(
            customer_name=order.customer_name,
            customer_email=order.customer_email,
            customer_phone=order.customer_phone,
            channel_id=str(order.channel_id),
            language=order.language or (channel.default_language if channel else account.default_language),
            country=(str(address.get("country_code") or "") or (channel.country if channel else account.country)),
        )
    return values


def _custom_value(form: MultiDict[str, str], name: str, linked: LinkedField) -> Any:
    """The raw input of one custom field: a list for multichoice, None for an unticked checkbox."""
    if linked.definition.field_type is FieldType.multichoice:
        return form.getlist(name)
    if linked.definition.field_type is FieldType.checkbox:
        return "true" if form.get(name) else None
    return form.get(name, "")


def _read_row(form: MultiDict[str, str], row: ItemRow, item_fields: list[LinkedField]) -> ItemRow:
    row.include = bool(form.get(row.field_name("include")))
    row.name = form.get(row.field_name("name"), "")
    row.quantity = form.get(row.field_name("quantity"), "1").strip()
    row.unit_price = form.get(row.field_name("unit_price"), "").strip()
    row.reason = form.get(row.field_name("reason"), "")
    row.defect_description = form.get(row.field_name("defect_description"), "")
    row.requested_remedy = form.get(row.field_name("requested_remedy"), "")
    row.custom = {
        linked.definition.key: _custom_value(form, row.field_name(f"cf-{linked.definition.key}"), linked)
        for linked in item_fields
    }
    return row


def _form_from_request(order: Order | None, case_type: CaseType | None) -> CaseForm:
    form = request.form
    case_fields, item_fields = _linked_fields(admin_context().account.id, case_type)
    values: dict[str, Any] = {
        name: form.get(name, "").strip()
        for name in (
            "case_type",
            "customer_name",
            "customer_email",
            "customer_phone",
            "channel_id",
            "language",
            "country",
            "lodged_at",
        )
    }
    values["description"] = form.get("description", "")
    values["notify_customer"] = bool(form.get("notify_customer"))
    values["assign_to_me"] = bool(form.get("assign_to_me"))
    if order is not None:
        values["channel_id"] = str(order.channel_id)
        rows = [_read_row(form, row, item_fields) for row in _order_rows(order)]
    else:
        count = min(max(form.get("rows", DEFAULT_FREE_ROWS, type=int) or DEFAULT_FREE_ROWS, 1), MAX_FREE_ROWS)
        rows = [_read_row(form, ItemRow(key=f"n{index}"), item_fields) for index in range(count)]
    custom = {
        linked.definition.key: _custom_value(form, f"cf-{linked.definition.key}", linked) for linked in case_fields
    }
    return CaseForm(order=order, values=values, rows=rows, custom=custom)


def _chosen_type(account_id: int, code: str) -> CaseType | None:
    return next((case_type for case_type in _case_types(account_id) if case_type.code == code), None)


def _render(case_form: CaseForm, *, status: int = 200, results: list[Order] | None = None, hint: str = "") -> Any:
    context = admin_context()
    account_id = context.account.id
    case_type = _chosen_type(account_id, case_form.case_type)
    case_fields, item_fields = _linked_fields(account_id, case_type)
    channels = _channels(account_id)
    return (
        render_template(
            "admin/case_new.html",
            form=case_form,
            order=case_form.order,
            case_types=_case_types(account_id),
            case_type=case_type,
            case_fields=case_fields,
            item_fields=item_fields,
            reasons=case_type.offered_reasons if case_type else [],
            channels=channels,
            channels_by_id={channel.id: channel for channel in channels},
            languages=SUPPORTED_LANGUAGES,
            remedies=list(RequestedRemedy),
            field_types=FieldType,
            currency=_currency(case_form, channels, context.account),
            quantity_text=quantity_text,
            query=request.args.get("q", ""),
            results=results,
            hint=hint,
            today=clock.today().isoformat(),
            lang=str(get_locale()),
            language_names=_language_names(),
            remedy_names=_remedy_names(),
            min_search_length=MINIMUM_SEARCH_LENGTH,
        ),
        status,
    )


def _language_names() -> dict[str, str]:
    return {
        "cs": gettext("Czech"),
        "sk": gettext("Slovak"),
        "pl": gettext("Polish"),
        "en": gettext("English"),
        "de": gettext("German"),
        "hu": gettext("Hungarian"),
    }


def _remedy_names() -> dict[str, str]:
    return {
        RequestedRemedy.refund.value: gettext("Refund"),
        RequestedRemedy.replace.value: gettext("Replacement"),
        RequestedRemedy.repair.value: gettext("Repair"),
        RequestedRemedy.discount.value: gettext("Discount"),
    }


def _currency(case_form: CaseForm, channels: list[SalesChannel], account: Account) -> str:
    """The case's currency as ``open_case`` will set it: the order's, else the channel's, else the account's."""
    if case_form.order is not None:
        return case_form.order.currency
    channel = next((channel for channel in channels if str(channel.id) == case_form.values.get("channel_id")), None)
    return channel.currency if channel else account.default_currency


def _search(text: str) -> tuple[list[Order] | None, str]:
    """Results for ``text``, or a hint when it is too short to search."""
    try:
        return search_orders(db(), account_id=admin_context().account.id, text=text), ""
    except OrderError as refused:
        return None, translated_message(refused)


@blueprint.get("/orders/search", endpoint="search_orders")
@requires(Permission.case_create)
def order_search_results() -> Any:
    """The htmx partial under the search box: matching orders, or a hint below three characters."""
    text = request.args.get("q", "")
    results, hint = _search(text)
    channels = {channel.id: channel for channel in _channels(admin_context().account.id)}
    return render_template(
        "admin/_order_results.html",
        results=results,
        hint=hint,
        channels_by_id=channels,
        case_type_code=request.args.get("type", ""),
    )


@blueprint.route("/cases/new", methods=["GET", "POST"])
@requires(Permission.case_create)
def new_case() -> Any:
    """The form (GET, optionally for ``?order=``) and its submission (POST)."""
    if request.method == "POST":
        return _submit()
    context = admin_context()
    order = _account_order(request.args.get("order"))
    rows = _order_rows(order) if order is not None else [ItemRow(key=f"n{index}") for index in range(DEFAULT_FREE_ROWS)]
    case_form = CaseForm(order=order, values=_prefill(order, context.account), rows=rows)
    results, hint = (None, "")
    if request.args.get("q") is not None:
        results, hint = _search(request.args["q"])
    return _render(case_form, results=results, hint=hint)


def _submit() -> Any:
    context = admin_context()
    order = _account_order(request.form.get("order_id"))
    case_type = _chosen_type(context.account.id, request.form.get("case_type", ""))
    case_form = _form_from_request(order, case_type)
    # Anything but an explicit "create" (add a row, include all, show the type's fields) only re-renders.
    action = request.form.get("action", "refresh")
    if action != "create":
        _apply_refresh(case_form, action)
        return _render(case_form)
    payload = _payload(case_form, case_type)
    if case_form.errors:
        return _render(case_form, status=422)
    try:
        case = open_case(db(), account=context.account, actor=context.actor, payload=payload, origin=CaseOrigin.agent)
    except CaseError as refused:
        if refused.kind is not ErrorKind.invalid:
            raise
        _undo_and_report(case_form, refused)
        return _render(case_form, status=422)
    _store_custom_fields(case, case_form)
    if case_form.errors:
        _undo(case_form)
        return _render(case_form, status=422)
    flash(gettext("Case %(number)s was created.", number=case.number))
    return redirect(url_for("admin.case_detail", case_id=case.id))


def _apply_refresh(case_form: CaseForm, action: str) -> None:
    if action == "add_row" and case_form.order is None and len(case_form.rows) < MAX_FREE_ROWS:
        case_form.rows.append(ItemRow(key=f"n{len(case_form.rows)}"))
    elif action in ("include_all", "exclude_all"):
        for row in case_form.rows:
            row.include = action == "include_all" and row.available > 0


def _payload(case_form: CaseForm, case_type: CaseType | None) -> dict[str, Any]:
    """What ``open_case`` takes, from the form; problems the schema cannot see become field errors."""
    values = case_form.values
    if case_type is None:
        case_form.add_error("case_type", gettext("Choose a case type."))
    channel_id: int | None = None
    if case_form.order is None and values["channel_id"]:
        known = {str(channel.id) for channel in _channels(admin_context().account.id)}
        if values["channel_id"] not in known:
            abort(404)
        channel_id = int(values["channel_id"])
    payload: dict[str, Any] = {
        "case_type": case_type.code if case_type else values["case_type"],
        "order_id": case_form.order.id if case_form.order else None,
        "channel_id": channel_id,
        "customer_name": values["customer_name"],
        "customer_email": values["customer_email"] or None,
        "customer_phone": values["customer_phone"],
        "language": values["language"] or None,
        "country": values["country"].upper() or None,
        "description": values["description"],
        "owner_id": admin_context().user.id if values["assign_to_me"] else None,
        "notify_customer": values["notify_customer"],
        "lodged_at": _lodged_at(case_form),
        "items": [_item_payload(row) for row in _chosen_rows(case_form)],
    }
    if not payload["items"]:
        case_form.add_error(
            ITEMS_ERROR,
            gettext("Include at least one item of the order.")
            if case_form.order
            else gettext("Add at least one item."),
        )
    errors = CaseCreateSchema().validate(payload)
    if not payload["items"]:
        errors.pop("items", None)
    _collect(case_form, errors)
    return payload


def _chosen_rows(case_form: CaseForm) -> list[ItemRow]:
    if case_form.order is not None:
        return [row for row in case_form.rows if row.include]
    return [row for row in case_form.rows if not row.is_blank]


def _item_payload(row: ItemRow) -> dict[str, Any]:
    item: dict[str, Any] = {
        "quantity": row.quantity,
        "reason": row.reason.strip(),
        "defect_description": row.defect_description,
        "requested_remedy": row.requested_remedy or None,
    }
    if row.order_item is not None:
        item["order_item_id"] = row.order_item.id
    else:
        item["name"] = row.name
        item["unit_price"] = row.unit_price or None
    return item


def _lodged_at(case_form: CaseForm) -> str | None:
    """An earlier lodging day as the start of that day (UTC); today means now."""
    text = case_form.values["lodged_at"]
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        case_form.add_error("lodged_at", gettext("Enter a date as YYYY-MM-DD."))
        return None
    if day == clock.today():
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC).isoformat()


def _collect(case_form: CaseForm, errors: dict[Any, Any]) -> None:
    """File the schema's (or an action's) field errors under the form's input names."""
    rows = _chosen_rows(case_form)
    for name, messages in errors.items():
        if name == "items" and isinstance(messages, dict):
            for index, item_errors in messages.items():
                row_index = int(index) if str(index).isdigit() else -1
                for item_field, item_messages in _as_dict(item_errors).items():
                    target = rows[row_index].field_name(str(item_field)) if 0 <= row_index < len(rows) else ITEMS_ERROR
                    for message in _as_list(item_messages):
                        case_form.add_error(target, gettext(message))
            continue
        target = {"_schema": GENERAL_ERROR, "owner_id": "assign_to_me", "order_id": GENERAL_ERROR}.get(
            str(name), str(name)
        )
        for message in _as_list(messages):
            case_form.add_error(target, gettext(message))


def _as_dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {"_row": value}


def _as_list(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [message for nested in value.values() for message in _as_list(nested)]
    if isinstance(value, list | tuple):
        return [message for nested in value for message in _as_list(nested)]
    return [str(value)]


def _undo(case_form: CaseForm) -> None:
    """Roll the half-made case back now, so the re-rendered form counts claims without it."""
    db().rollback()
    if case_form.order is not None:
        claimed = claimed_quantities(
            db(),
            account_id=case_form.order.account_id,
            order_item_ids=[row.order_item.id for row in case_form.rows if row.order_item],
        )
        for row in case_form.rows:
            if row.order_item is not None:
                row.claimed = claimed.get(row.order_item.id, Decimal("0"))


def _undo_and_report(case_form: CaseForm, refused: CaseError) -> None:
    _undo(case_form)
    message = translated_message(refused)
    if refused.code is CaseErrorCode.quantity_exceeds_order:
        over = [row for row in _chosen_rows(case_form) if _exceeds(row)]
        for row in over:
            case_form.add_error(row.field_name("quantity"), message)
        if over:
            return
    if refused.field_errors:
        _collect(case_form, refused.field_errors)
    else:
        case_form.add_error(GENERAL_ERROR, message)


def _exceeds(row: ItemRow) -> bool:
    try:
        return Decimal(row.quantity) > row.available
    except InvalidOperation:
        return False


def _store_custom_fields(case: Case, case_form: CaseForm) -> None:
    """Write the case's and each item's custom field values; every refusal becomes a field error."""
    context = admin_context()
    case_fields, item_fields = _linked_fields(context.account.id, case.case_type)
    if case_fields:
        try:
            set_case_field_values(
                db(), account=context.account, actor=context.actor, case=case, values=case_form.custom
            )
        except CustomFieldError as refused:
            _file_custom_errors(case_form, refused, prefix="cf-")
    if item_fields:
        for row, item in zip(_chosen_rows(case_form), case.items, strict=True):
            try:
                set_case_field_values(
                    db(), account=context.account, actor=context.actor, case=case, values=row.custom, item=item
                )
            except CustomFieldError as refused:
                _file_custom_errors(case_form, refused, prefix=row.field_name("cf-"))


def _file_custom_errors(case_form: CaseForm, refused: CustomFieldError, *, prefix: str) -> None:
    if not refused.field_errors:
        case_form.add_error(GENERAL_ERROR, translated_message(refused))
        return
    for key, messages in refused.field_errors.items():
        for message in _as_list(messages):
            case_form.add_error(f"{prefix}{key}", gettext(message))
