"""The refund section of the case detail: refund (or issue a credit note) through the case's sales channel.

The section is the include ``admin/_case_refunds.html``; it asks :func:`refund_panel` (offered to
the admin's templates by a context processor, so the detail view needs no change) what to show:
the form when the channel's platform can refund or credit and the member may decide items, and
the case's earlier refunds with the platform's answers. The form posts to :func:`case_refund`,
which parses it, calls :func:`request_platform_refund` and redirects back; refused input comes
back as the case page with the error on the form (422, or 409 when the case's state is the
reason) and nothing stored. The platform is asked by a job after commit.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import redirect, request, url_for
from flask_babel import gettext, lazy_gettext

from marketplace_app.admin import blueprint
from marketplace_app.admin.views.case_detail import FormError, load_case, render_detail
from marketplace_app.admin.views.settings_channels import PLATFORM_NAMES
from marketplace_app.database import db
from marketplace_app.platforms import adapter_runtime
from marketplace_app.tenancy import admin_context, requires
from retino_core.accounts.permissions import Permission
from retino_core.cases.models import Case
from retino_core.errors import DomainError, ErrorKind
from retino_core.money import Money
from retino_core.refunds.actions import request_platform_refund, retry_platform_refund
from retino_core.refunds.capabilities import channel_refund_kind
from retino_core.refunds.models import RefundFailure, RefundKind, RefundState
from retino_core.refunds.queries import refund_proposal, refunds_of_case

#: The form's name in ``form_errors`` / ``form_values`` of the detail page.
FORM = "refund"
#: Inputs ``quantity-<case item id>`` carry how many units of each item the refund covers.
QUANTITY_PREFIX = "quantity-"

KIND_LABELS = {RefundKind.refund: lazy_gettext("Refund"), RefundKind.credit_note: lazy_gettext("Credit note")}
STATE_LABELS = {
    RefundState.pending: lazy_gettext("Waiting for the platform"),
    RefundState.succeeded: lazy_gettext("Done"),
    RefundState.failed: lazy_gettext("Failed"),
}
FAILURE_LABELS = {
    RefundFailure.refused: lazy_gettext("The platform refused it."),
    RefundFailure.auth_expired: lazy_gettext("The platform no longer accepts our access; connect the channel again."),
    RefundFailure.forbidden: lazy_gettext("The platform does not allow this app to refund; check its permissions."),
    RefundFailure.order_not_found: lazy_gettext("The platform no longer has this order."),
    RefundFailure.invalid: lazy_gettext("The platform rejected the request."),
    RefundFailure.unavailable: lazy_gettext(
        "The platform did not answer, so it is not known whether the money moved. Send it again: a refund "
        "already made is recognised and not made twice."
    ),
    RefundFailure.unsupported: lazy_gettext("The sales channel can no longer refund through its platform."),
}


class _Refused(Exception):
    def __init__(self, error: FormError) -> None:
        super().__init__(error.message)
        self.error = error


def refund_panel(case: Case) -> dict[str, Any]:
    """What the refund section shows for ``case``; ``shown`` False hides it (unless a refused post put an error there).

    ``kind`` is how the channel gives money back now (None: no form), offered only to members who
    may decide items; ``refunds`` are the case's earlier refunds, shown to everyone who sees the case.
    """
    context = admin_context()
    refunds = refunds_of_case(db(), account_id=case.account_id, case_id=case.id)
    kind = None
    if case.order_id is not None and context.can(Permission.item_decide):
        kind = channel_refund_kind(case.channel, adapter_runtime())
    return {
        "shown": kind is not None or bool(refunds),
        "kind": kind,
        "platform": PLATFORM_NAMES.get(case.channel.platform, "") if case.channel else "",
        "currency": case.order.currency if case.order else case.currency,
        "refunds": refunds,
        "proposal": refund_proposal(case, refunds),
        "has_pending": any(refund.is_pending for refund in refunds),
        "can_retry": context.can(Permission.item_decide) and not any(refund.is_pending for refund in refunds),
        "RefundKind": RefundKind,
        "RefundState": RefundState,
        "kind_labels": KIND_LABELS,
        "state_labels": STATE_LABELS,
        "failure_labels": FAILURE_LABELS,
        "quantity_prefix": QUANTITY_PREFIX,
    }


@blueprint.context_processor
def _refund_helpers() -> dict[str, Any]:
    return {"refund_panel": refund_panel}


def _decimal(raw: str, field: str, message: str) -> Decimal | None:
    """The number typed in ``raw`` (a decimal comma allowed); None when empty; refused when not a number."""
    text = raw.strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _Refused(FormError(message=message, fields={field: [message]})) from None
    if not value.is_finite():
        raise _Refused(FormError(message=message, fields={field: [message]}))
    return value


def _parse(case: Case) -> tuple[Money, list[dict[str, Any]], str]:
    amount = _decimal(request.form.get("amount", ""), "amount", gettext("Enter the amount to refund."))
    if amount is None:
        message = gettext("Enter the amount to refund.")
        raise _Refused(FormError(message=message, fields={"amount": [message]}))
    lines = []
    for item in case.items:
        name = f"{QUANTITY_PREFIX}{item.id}"
        message = gettext("Enter a quantity, or leave it empty.")
        quantity = _decimal(request.form.get(name, ""), name, message)
        if quantity is not None and quantity < 0:
            raise _Refused(FormError(message=message, fields={name: [message]}))
        if quantity:
            lines.append({"case_item_id": item.id, "quantity": str(quantity)})
    currency = case.order.currency if case.order else case.currency
    return Money(amount, currency), lines, request.form.get("reason", "")


@blueprint.post("/cases/<int:case_id>/refunds")
@requires(Permission.item_decide)
def case_refund(case_id: int) -> Any:
    """Ask the case's platform for a refund (or credit note) of the amount and item quantities posted."""
    case = load_case(case_id)
    context = admin_context()
    try:
        amount, lines, reason = _parse(case)
        request_platform_refund(
            db(),
            account=context.account,
            actor=context.actor,
            case=case,
            amount=amount,
            lines=lines,
            reason=reason,
            runtime=adapter_runtime(),
        )
    except _Refused as refused:
        return _refused(case, refused.error, 422)
    except DomainError as error:
        if error.kind not in (ErrorKind.invalid, ErrorKind.conflict):
            raise
        return _refused(case, FormError.from_domain(error), 422 if error.kind is ErrorKind.invalid else 409)
    return redirect(url_for("admin.case_detail", case_id=case.id) + "#refunds")


def _refused(case: Case, error: FormError, status: int) -> Any:
    db().rollback()
    return render_detail(
        case, status=status, form_errors={FORM: error}, form_values={FORM: request.form.to_dict(flat=False)}
    )


@blueprint.post("/cases/<int:case_id>/refunds/<int:refund_id>/retry")
@requires(Permission.item_decide)
def case_refund_retry(case_id: int, refund_id: int) -> Any:
    """Send a refund the platform never answered again, under its own idempotency key."""
    case = load_case(case_id)
    context = admin_context()
    try:
        retry_platform_refund(db(), account=context.account, actor=context.actor, case=case, refund_id=refund_id)
    except DomainError as error:
        if error.kind is not ErrorKind.conflict:
            raise
        return _refused(case, FormError.from_domain(error), 409)
    return redirect(url_for("admin.case_detail", case_id=case.id) + "#refunds")
