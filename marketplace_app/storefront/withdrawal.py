"""The withdrawal function (Art. 11a CRD): "Withdraw from contract here" at a stable public URL.

``GET /storefront/<public_id>/withdraw`` asks for the name, the order number and the e-mail;
``POST`` there finds the order and shows the summary with the items (none ticked means the whole
order) and the "Confirm withdrawal" button; ``POST .../withdraw/confirm`` stores the withdrawal
case and its statement (``retino_core.withdrawals``) and shows the statement exactly as stored and
e-mailed. The widget and the portal link to the first URL.

Anti-forgery: the storefront sets no cookies (it runs in an iframe on the shop's domain, where
the browser would not send them), so there is no ambient credential a forged cross-site request
could ride on, and Flask-WTF's session CSRF is off for these views. Every POST must instead carry
a form token signed with the app's secret (``itsdangerous``, salt per form) that binds the channel,
the form's purpose and a random nonce, and expires after two hours; the confirm token also binds
the name, order number and e-mail shown in the summary. A missing, forged, expired or foreign
token is a 400 and nothing is stored. The confirm nonce makes the withdrawal idempotent: the same
form confirmed twice gives one case.

A wrong order number and a right number with a wrong e-mail give the same answer (422, the
form again with the same message and the posted token echoed, so the same bytes). Failed lookups
share the portal's limits and counters (``lookup_limits``: per IP address, in the same
flask-limiter scope, and per order number), so alternating between the two forms gains an attacker nothing and
no real shopper is locked out for good.
"""

from __future__ import annotations

from typing import Any

from flask import g, render_template, request
from flask_babel import format_decimal, get_locale

from marketplace_app.database import db
from marketplace_app.extensions import csrf
from marketplace_app.storefront import blueprint, form_tokens, lookup_limits
from marketplace_app.storefront.i18n import gettext as _
from marketplace_app.storefront.i18n import translated_error, translated_field_errors
from retino_core.accounts.actor import Actor
from retino_core.cases.errors import CaseError
from retino_core.errors import DomainError, ErrorKind
from retino_core.withdrawals.actions import WithdrawalPreview, preview_withdrawal, submit_withdrawal
from retino_core.withdrawals.errors import WithdrawalError, WithdrawalErrorCode

LOOKUP = "withdraw-lookup"
CONFIRM = "withdraw-confirm"


def _channel_binding() -> str:
    return f"channel:{g.channel.public_id}"


def issue_form_token(purpose: str, **bound: str) -> str:
    """A signed token for one form of this channel, binding whatever else the form must not change."""
    return form_tokens.issue(purpose, _channel_binding(), **bound)


def read_form_token(purpose: str) -> dict[str, str] | None:
    return form_tokens.read(purpose, _channel_binding())


def _language() -> str:
    return str(get_locale() or g.storefront_language)


def _customer(email: str) -> Actor:
    return Actor.customer(email.strip().lower() or "anonymous")


def _item_rows(preview: WithdrawalPreview) -> list[dict[str, Any]]:
    rows = []
    for entry in preview.items:
        item = entry.order_item
        shown = entry.available or item.quantity
        name = f"{item.name} – {item.variant_name}" if item.variant_name else item.name
        rows.append(
            {
                "id": item.id,
                "name": name,
                "quantity": format_decimal(shown.normalize(), format="#,##0.###"),
                "available": entry.available > 0,
            }
        )
    return rows


def _bad_token() -> tuple[str, int]:
    message = _("This form has expired or is not valid. Please start again.")
    return render_template("storefront/withdraw.html", values={}, errors={}, message=message, token=""), 400


@blueprint.get("/storefront/<public_id>/withdraw")
def withdraw() -> Any:
    """The entry of the withdrawal function: name, order number, e-mail."""
    values = {"order_code": request.args.get("order", ""), "customer_email": request.args.get("email", "")}
    return render_template(
        "storefront/withdraw.html", values=values, errors={}, message="", token=issue_form_token(LOOKUP)
    )


@blueprint.post("/storefront/<public_id>/withdraw")
@csrf.exempt
@lookup_limits.per_ip_failures()
def withdraw_lookup() -> Any:
    """Find the order and show the summary with the "Confirm withdrawal" button."""
    if read_form_token(LOOKUP) is None:
        return _bad_token()
    token = request.form["form_token"]
    values = {key: request.form.get(key, "")[:300] for key in ("customer_name", "order_code", "customer_email")}
    if lookup_limits.order_locked_for_this_address(values["order_code"]):
        lookup_limits.mark_failed()
        return lookup_limits.too_many()
    payload = {**values, "language": _language()}
    try:
        preview = preview_withdrawal(
            db(), account=g.account, actor=_customer(values["customer_email"]), channel=g.channel, payload=payload
        )
    except WithdrawalError as error:
        if error.code is WithdrawalErrorCode.order_not_found:
            lookup_limits.mark_failed()
            lookup_limits.count_order_failure(values["order_code"])
        errors = translated_field_errors(error.field_errors)
        message = "" if errors else translated_error(error)
        page = render_template("storefront/withdraw.html", values=values, errors=errors, message=message, token=token)
        return page, 422
    data = preview.data
    confirm_token = issue_form_token(CONFIRM, n=data["customer_name"], o=data["order_code"], e=data["customer_email"])
    return render_template(
        "storefront/withdraw_confirm.html",
        preview=preview,
        item_rows=_item_rows(preview),
        token=confirm_token,
        message="",
    )


@blueprint.post("/storefront/<public_id>/withdraw/confirm")
@csrf.exempt
def withdraw_confirm() -> Any:
    """Store the withdrawal (once per confirm form) and show the statement as stored and e-mailed."""
    bound = read_form_token(CONFIRM)
    if bound is None:
        return _bad_token()
    chosen = request.form.getlist("item")
    payload = {
        "customer_name": bound["n"],
        "order_code": bound["o"],
        "customer_email": bound["e"],
        "language": _language(),
        "order_item_ids": chosen,
    }
    try:
        statement = submit_withdrawal(
            db(), account=g.account, actor=_customer(bound["e"]), channel=g.channel, payload=payload, nonce=bound["k"]
        )
    except (WithdrawalError, CaseError) as error:
        return _refused_confirm(error, payload)
    case = statement.case
    status_link = f"{request.script_root}/s/{case.access_token}"
    return render_template("storefront/withdraw_done.html", statement=statement, case=case, status_link=status_link)


def _refused_confirm(error: DomainError, payload: dict[str, Any]) -> tuple[str, int]:
    """The summary again with the reason, or the first page when the order itself is gone."""
    status = 409 if error.kind is ErrorKind.conflict else 422
    message = translated_error(error)
    try:
        preview = preview_withdrawal(
            db(), account=g.account, actor=_customer(payload["customer_email"]), channel=g.channel, payload=payload
        )
    except WithdrawalError:
        page = render_template(
            "storefront/withdraw.html", values={}, errors={}, message=message, token=issue_form_token(LOOKUP)
        )
        return page, status
    page = render_template(
        "storefront/withdraw_confirm.html",
        preview=preview,
        item_rows=_item_rows(preview),
        token=request.form["form_token"],
        message=message,
    )
    return page, status
