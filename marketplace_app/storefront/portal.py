"""The returns portal: choose a type, find the order, fill in the draft, confirm → the case is filed.

No cookies: the portal runs in an iframe on the shop's domain, where browsers do not send ours.
The state lives server-side in a draft (``retino_core.intake``) addressed by the random token in
the URL, and every POST carries a **signed form token** instead of a session CSRF token (the
views are exempt from Flask-WTF's check). The token is an ``itsdangerous`` signature over the
form's purpose, what it is bound to (the channel, or the draft) and a nonce, valid for two hours.
Since the portal uses no ambient credential at all — no cookie, no HTTP auth — a forged request
from another site cannot act with the shopper's authority: it would have to know the draft token
and carry a form token signed with our secret. A missing, forged or expired form token is a 400
and nothing is stored.

Order lookup safety (see ``intake.actions.lookup_order``): both kinds of failure give the same
status, the same bytes and the same work. Failed lookups are rate limited per IP address and per
order number (``lookup_limits``), without locking a real shopper out for good.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g, redirect, render_template, request, url_for
from flask_babel import format_currency, get_locale
from flask_limiter.errors import RateLimitExceeded
from werkzeug.wrappers import Response

from marketplace_app.database import db, runtime
from marketplace_app.extensions import csrf
from marketplace_app.storefront import blueprint, form_tokens, lookup_limits
from marketplace_app.storefront.i18n import gettext as _
from marketplace_app.storefront.i18n import translated_error, translated_field_errors
from retino_core.accounts.actor import Actor
from retino_core.case_types.models import CaseKind, CaseType
from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.cases.models import Case
from retino_core.channels.models import ShippingKind
from retino_core.channels.queries import shipping_options, widget_settings
from retino_core.custom_fields.errors import CustomFieldError
from retino_core.custom_fields.models import FieldScope, FieldType
from retino_core.custom_fields.queries import fields_for_case_type
from retino_core.errors import DomainError, ErrorKind
from retino_core.i18n import SUPPORTED_LANGUAGES
from retino_core.intake.actions import confirm_draft, fill_draft, start_draft, start_draft_without_order
from retino_core.intake.errors import IntakeError, IntakeErrorCode
from retino_core.intake.models import CaseDraft
from retino_core.intake.queries import draft_by_token, draft_rows, portal_case_types
from retino_core.orders.models import Order
from retino_core.shipping.errors import ShippingError

PHOTO_KINDS = frozenset({CaseKind.complaint, CaseKind.warranty})
PICKUP_FIELDS = ("name", "street", "city", "zip_code", "country_code", "phone")


# --- small helpers -------------------------------------------------------------------------------


def _lang() -> str:
    return str(get_locale())


def portal_url(endpoint: str, **values: Any) -> str:
    """``url_for`` that keeps an explicit ``?lang=`` so every link stays in the shopper's language."""
    if request.args.get("lang") in SUPPORTED_LANGUAGES and "lang" not in values:
        values["lang"] = request.args["lang"]
    return url_for(endpoint, **values)


@blueprint.app_template_global("portal_url")
def _portal_url_global(endpoint: str, **values: Any) -> str:
    return portal_url(endpoint, **values)


def new_form_token(purpose: str, binding: str) -> str:
    return form_tokens.issue(purpose, binding)


def form_token_is_valid(purpose: str, binding: str) -> bool:
    return form_tokens.read(purpose, binding) is not None


def _bad_form_token() -> tuple[str, int]:
    return _message(
        _("This form is no longer valid"),
        _("The form has expired or was not sent from this page. Please go back, reload the page and try again."),
        400,
    )


def _message(title: str, text: str, status: int) -> tuple[str, int]:
    return render_template("storefront/portal_message.html", title=title, text=text), status


def _customer(email: str) -> Actor:
    return Actor.customer(email)


def _channel_binding() -> str:
    return f"channel:{g.channel.public_id}"


def _draft_binding(draft: CaseDraft) -> str:
    return f"draft:{draft.id}"


def _status_page(access_token: str) -> Response:
    target = f"/s/{access_token}?created=1"
    if request.args.get("lang") in SUPPORTED_LANGUAGES:
        target += f"&lang={request.args['lang']}"
    return redirect(target, code=303)


# --- choose a type -------------------------------------------------------------------------------


@blueprint.get("/storefront/<public_id>/", endpoint="portal_home")
def choose_type() -> Any:
    """The types the merchant offers, each leading to the lookup; the withdrawal function separately."""
    return render_template(
        "storefront/portal_choose.html",
        case_types=portal_case_types(db(), channel=g.channel),
        lang=_lang(),
        allow_without_order=widget_settings(db(), channel=g.channel).allow_intake_without_order,
        withdraw_url=_withdraw_url(),
    )


def _withdraw_url() -> str:
    """The withdrawal function's stable public URL (its page belongs to the withdrawal module)."""
    url = f"/storefront/{g.channel.public_id}/withdraw"
    return f"{url}?lang={request.args['lang']}" if request.args.get("lang") in SUPPORTED_LANGUAGES else url


# --- lookup --------------------------------------------------------------------------------------


def _offered(code: str) -> CaseType | None:
    return next((case_type for case_type in portal_case_types(db(), channel=g.channel) if case_type.code == code), None)


def _render_lookup(values: Mapping[str, str], *, token: str = "", error: str = "", status: int = 200) -> Any:
    case_type = _offered(values.get("case_type", ""))
    return (
        render_template(
            "storefront/portal_lookup.html",
            values=values,
            case_type=case_type,
            case_types=portal_case_types(db(), channel=g.channel),
            lang=_lang(),
            form_token=token or new_form_token("lookup", _channel_binding()),
            error=error,
            allow_without_order=widget_settings(db(), channel=g.channel).allow_intake_without_order,
        ),
        status,
    )


@blueprint.errorhandler(RateLimitExceeded)
def rate_limited(error: RateLimitExceeded) -> Response:
    """A storefront limit's own answer (``on_breach``), else the translated "too many attempts" page.

    Without this the app-wide HTTP error handler would answer with the admin's page in English.
    """
    return error.response if error.response is not None else lookup_limits.too_many()


@blueprint.route("/storefront/<public_id>/lookup", methods=["GET", "POST"], endpoint="portal_lookup")
@csrf.exempt
@lookup_limits.per_ip_failures()
def lookup() -> Any:
    """Order number + e-mail → a draft (303 to its first step), or one answer for every failure."""
    if request.method == "GET":
        code = request.args.get("type", "")
        if _offered(code) is None:
            return redirect(portal_url("storefront.portal_home"))
        return _render_lookup({"case_type": code, "order_code": "", "email": "", "origin": "storefront"})
    if not form_token_is_valid("lookup", _channel_binding()):
        return _bad_form_token()
    values = {
        "case_type": request.form.get("case_type", "")[:64],
        "order_code": request.form.get("order_code", "").strip()[:100],
        "email": request.form.get("email", "").strip()[:254],
        "origin": "direct_link" if request.form.get("origin") == "direct_link" else "storefront",
    }
    if lookup_limits.order_locked_for_this_address(values["order_code"]):
        lookup_limits.mark_failed()
        return lookup_limits.too_many()
    try:
        _draft, token = start_draft(
            db(),
            account=g.account,
            actor=_customer(values["email"]),
            channel=g.channel,
            payload={**values, "language": _lang()},
        )
    except IntakeError as refused:
        lookup_limits.mark_failed()
        if refused.code is IntakeErrorCode.case_type_not_offered:
            return redirect(portal_url("storefront.portal_home"))
        lookup_limits.count_order_failure(values["order_code"])
        # The posted form token is echoed, not renewed: both failure kinds must give the same bytes.
        return _render_lookup(values, token=request.form[form_tokens.FIELD], error=_lookup_message(refused), status=422)
    return redirect(portal_url("storefront.portal_details", draft_token=token), code=303)


def _lookup_message(refused: IntakeError) -> str:
    if refused.code is IntakeErrorCode.lookup_failed:
        return translated_error(refused)
    return _("Enter the order number and a valid e-mail address.")


@blueprint.get("/storefront/<public_id>/start", endpoint="portal_start")
def direct_link() -> Any:
    """The pre-filled direct link: ``?type=<code>&email=<e-mail>&order=<order number>``.

    Platform e-mail templates fill ``{email}`` and ``{order_code}``; the lookup still verifies
    them like a typed lookup, nothing is trusted from the link. An unknown type shows the choice.
    """
    code = request.args.get("type", "")
    if _offered(code) is None:
        return redirect(portal_url("storefront.portal_home"))
    return _render_lookup(
        {
            "case_type": code,
            "order_code": request.args.get("order", "").strip()[:100],
            "email": request.args.get("email", "").strip()[:254],
            "origin": "direct_link",
        }
    )


@blueprint.route("/storefront/<public_id>/without-order", methods=["GET", "POST"], endpoint="portal_without_order")
@csrf.exempt
def without_order() -> Any:
    """Intake without an order, where the merchant allows it: name, e-mail, then items typed by name."""
    if not widget_settings(db(), channel=g.channel).allow_intake_without_order:
        return redirect(portal_url("storefront.portal_home"))
    if request.method == "GET":
        values = {"case_type": request.args.get("type", ""), "email": "", "customer_name": ""}
        return _render_without_order(values)
    if not form_token_is_valid("without_order", _channel_binding()):
        return _bad_form_token()
    values = {
        "case_type": request.form.get("case_type", "")[:64],
        "email": request.form.get("email", "").strip()[:254],
        "customer_name": request.form.get("customer_name", "").strip()[:200],
    }
    try:
        _draft, token = start_draft_without_order(
            db(),
            account=g.account,
            actor=_customer(values["email"]),
            channel=g.channel,
            payload={**values, "language": _lang()},
        )
    except IntakeError as refused:
        return _render_without_order(values, errors=translated_field_errors(refused.field_errors), status=422)
    return redirect(portal_url("storefront.portal_details", draft_token=token), code=303)


def _render_without_order(values: Mapping[str, str], *, errors: Any = None, status: int = 200) -> Any:
    return (
        render_template(
            "storefront/portal_without_order.html",
            values=values,
            case_types=portal_case_types(db(), channel=g.channel),
            lang=_lang(),
            errors=errors or {},
            form_token=new_form_token("without_order", _channel_binding()),
        ),
        status,
    )


# --- the draft -----------------------------------------------------------------------------------


def _open_draft(draft_token: str) -> CaseDraft | tuple[str, int] | Response:
    """The draft of this URL (its language set for the page), an expired page, or a redirect to the filed case."""
    draft = draft_by_token(db(), channel=g.channel, token=draft_token)
    if draft is None:
        return _message(
            _("This form has expired"),
            _("Forms are kept for two hours. Please start again; nothing was filed."),
            404,
        )
    g.storefront_language = draft.language
    if draft.consumed_at is not None and draft.case_id is not None:
        case = Case.get_for_account(db(), draft.case_id, g.account.id)
        if case is not None:
            return _status_page(case.access_token)
    return draft


def _draft_context(draft: CaseDraft) -> dict[str, Any]:
    account_id = g.account.id
    case_type = CaseType.get_for_account(db(), draft.case_type_id, account_id)
    assert case_type is not None
    linked = fields_for_case_type(db(), account_id=account_id, case_type_id=case_type.id, public_only=True)
    order = Order.get_for_account(db(), draft.order_id, account_id) if draft.order_id else None
    return {
        "draft": draft,
        "case_type": case_type,
        "order_code": order.code if order else "",
        "rows": draft_rows(db(), draft=draft),
        "case_fields": [field for field in linked if field.definition.scope is FieldScope.case],
        "item_fields": [field for field in linked if field.definition.scope is FieldScope.item],
        "reasons": case_type.offered_reasons,
        "asks_defect": case_type.kind in PHOTO_KINDS,
        "options": shipping_options(db(), channel=g.channel),
        "ShippingKind": ShippingKind,
        "FieldType": FieldType,
        "lang": _lang(),
        "format_price": _format_price,
        "quantity_text": lambda value: f"{value.normalize():f}",
        "form_token": new_form_token("draft", _draft_binding(draft)),
    }


def _format_price(option: Any) -> str:
    if option.price is None:
        return _("free")
    return str(format_currency(option.price.amount, option.price.currency))


def _custom_input(definition: Any, name: str) -> Any:
    if definition.field_type is FieldType.multichoice:
        return request.form.getlist(name)
    if definition.field_type is FieldType.checkbox:
        return "true" if request.form.get(name) else None
    return request.form.get(name, "")


def _read_form(context: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str, bytes]]]:
    """The details form as ``fill_draft`` takes it, and the uploaded photos."""
    form = request.form
    items: dict[str, Any] = {}
    uploads: list[tuple[str, str, bytes]] = []
    for row in context["rows"]:
        prefix = f"items.{row.key}."
        items[row.key] = {
            "include": bool(form.get(prefix + "include")),
            "name": form.get(prefix + "name", ""),
            "quantity": form.get(prefix + "quantity", "1"),
            "reason": form.get(prefix + "reason", ""),
            "defect_description": form.get(prefix + "defect_description", ""),
            "custom": {
                linked.definition.key: _custom_input(linked.definition, f"{prefix}custom.{linked.definition.key}")
                for linked in context["item_fields"]
            },
        }
        for upload in request.files.getlist(prefix + "photos"):
            data = upload.read()
            if data:
                uploads.append((row.key, upload.filename or "photo", data))
    # Field names the page did not offer (another order's item, a forged key) are refused, not ignored.
    offered = {row.key for row in context["rows"]}
    for name in list(form.keys()) + list(request.files.keys()):
        if name.startswith("items."):
            key = name.split(".", 2)[1]
            if key not in offered:
                items[key] = {"include": True}
    shipping = {
        "option_id": form.get("shipping.option_id", ""),
        "branch_id": form.get("shipping.branch_id", ""),
        "branch_name": form.get("shipping.branch_name", ""),
        "pickup_address": {name: form.get(f"shipping.pickup_address.{name}", "") for name in PICKUP_FIELDS},
    }
    return (
        {
            "items": items,
            "custom": {
                linked.definition.key: _custom_input(linked.definition, f"custom.{linked.definition.key}")
                for linked in context["case_fields"]
            },
            "comment": form.get("comment", ""),
            "shipping": shipping,
        },
        uploads,
    )


def _values_from_payload(draft: CaseDraft) -> dict[str, Any]:
    """What the details form shows when reopened: the stored draft, as the inputs' names and values."""
    payload = draft.payload or {}
    values: dict[str, Any] = {"comment": payload.get("comment", "")}
    for item in payload.get("items", []):
        prefix = f"items.{item['key']}."
        values[prefix + "include"] = True
        values[prefix + "name"] = item["name"]
        values[prefix + "quantity"] = item["quantity"]
        values[prefix + "reason"] = item["reason"]
        values[prefix + "defect_description"] = item["defect_description"]
        for key, value in (item.get("custom") or {}).items():
            values[f"{prefix}custom.{key}"] = value
    for key, value in (payload.get("custom") or {}).items():
        values[f"custom.{key}"] = value
    shipping = payload.get("shipping") or {}
    if shipping:
        values["shipping.option_id"] = str(shipping["option_id"])
        values["shipping.branch_id"] = shipping.get("branch_id", "")
        values["shipping.branch_name"] = shipping.get("branch_name", "")
        for name, value in (shipping.get("pickup_address") or {}).items():
            values[f"shipping.pickup_address.{name}"] = value
    return values


def _values_from_request(context: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in request.form:
        if name == form_tokens.FIELD:
            continue
        is_multi = any(
            name.endswith(f"custom.{linked.definition.key}") and linked.definition.field_type is FieldType.multichoice
            for linked in [*context["case_fields"], *context["item_fields"]]
        )
        values[name] = request.form.getlist(name) if is_multi else request.form.get(name, "")
    return values


@blueprint.route("/storefront/<public_id>/draft/<draft_token>/", methods=["GET", "POST"], endpoint="portal_details")
@csrf.exempt
def details(draft_token: str) -> Any:
    """The items, reasons, photos, custom fields, comment and shipping, all on one page; then the summary."""
    opened = _open_draft(draft_token)
    if not isinstance(opened, CaseDraft):
        return opened
    draft = opened
    context = _draft_context(draft)
    if request.method == "GET":
        return render_template(
            "storefront/portal_details.html", values=_values_from_payload(draft), errors={}, **context
        )
    if not form_token_is_valid("draft", _draft_binding(draft)):
        return _bad_form_token()
    form, uploads = _read_form(context)
    try:
        fill_draft(
            db(),
            account=g.account,
            actor=_customer(draft.customer_email),
            draft=draft,
            storage=runtime().storage,
            form=form,
            uploads=uploads,
        )
    except IntakeError as refused:
        db().rollback()
        status = 404 if refused.kind is ErrorKind.not_found else 422
        errors = translated_field_errors(refused.field_errors) if refused.field_errors else {}
        if not errors:
            errors = {"items": [translated_error(refused)]}
        context = _draft_context(_reload(draft_token) or draft)
        return (
            render_template(
                "storefront/portal_details.html", values=_values_from_request(context), errors=errors, **context
            ),
            status,
        )
    return redirect(portal_url("storefront.portal_summary", draft_token=draft_token), code=303)


def _reload(draft_token: str) -> CaseDraft | None:
    return draft_by_token(db(), channel=g.channel, token=draft_token)


def _summary(draft: CaseDraft, *, error: str = "", status: int = 200) -> Any:
    context = _draft_context(draft)
    payload = draft.payload or {}
    option = None
    shipping = payload.get("shipping")
    if shipping:
        option = next((item for item in context["options"] if item.id == shipping["option_id"]), None)
    return (
        render_template(
            "storefront/portal_summary.html",
            payload=payload,
            option=option,
            shipping=shipping or {},
            photos=list(draft.photos),
            reason_names={reason.code: reason.name(context["lang"]) for reason in context["reasons"]},
            error=error,
            **context,
        ),
        status,
    )


@blueprint.get("/storefront/<public_id>/draft/<draft_token>/summary", endpoint="portal_summary")
def summary(draft_token: str) -> Any:
    """Everything the shopper entered, with the drop-off instructions, and the confirm button."""
    opened = _open_draft(draft_token)
    if not isinstance(opened, CaseDraft):
        return opened
    if not (opened.payload or {}).get("complete"):
        return redirect(portal_url("storefront.portal_details", draft_token=draft_token))
    return _summary(opened)


@blueprint.post("/storefront/<public_id>/draft/<draft_token>/confirm", endpoint="portal_confirm")
@csrf.exempt
def confirm(draft_token: str) -> Any:
    """File the case (one transaction) and go to its status page; a second click lands on the same case."""
    opened = _open_draft(draft_token)
    if not isinstance(opened, CaseDraft):
        return opened
    draft = opened
    if not form_token_is_valid("draft", _draft_binding(draft)):
        return _bad_form_token()
    try:
        case, _created = confirm_draft(
            db(),
            account=g.account,
            actor=_customer(draft.customer_email),
            channel=g.channel,
            token=draft_token,
            storage=runtime().storage,
        )
    except (IntakeError, CaseError, CustomFieldError, ShippingError) as refused:
        db().rollback()
        reloaded = _reload(draft_token)
        if reloaded is None or refused.kind is ErrorKind.forbidden:
            return _message(_("This form has expired"), translated_error(refused), 404)
        return _summary(reloaded, error=_confirm_message(refused), status=422)
    return _status_page(case.access_token)


def _confirm_message(refused: DomainError) -> str:
    if isinstance(refused, CaseError) and refused.code is CaseErrorCode.quantity_exceeds_order:
        return _("Some items can no longer be claimed in the quantity you chose. Please change the items.")
    if refused.field_errors:
        return _("Some of the details are no longer valid. Please change them.")
    return translated_error(refused)
