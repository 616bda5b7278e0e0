"""Bulk actions on the cases selected in the inbox: change status, assign an owner, add a tag, export.

Each selected case goes through the same core action as on its detail screen, with the member's
actor. A request is all or nothing: when any case refuses (an edge its workflow does not allow,
a permission its role lacks), the transaction is rolled back and the inbox comes back listing
every refusal; otherwise the request commits once and redirects to the inbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext, ngettext
from sqlalchemy.orm import selectinload

from marketplace_app.admin import blueprint
from marketplace_app.admin.query_args import MAXIMUM_ID
from marketplace_app.admin.views.inbox import inbox
from marketplace_app.database import db
from marketplace_app.errors import translated_message
from marketplace_app.tenancy import admin_context, requires
from retino_core.accounts.permissions import Permission
from retino_core.cases.actions import assign_case, tag_case, transition_case
from retino_core.cases.models import Case
from retino_core.db import is_postgresql
from retino_core.errors import DomainError, ErrorKind

#: The most cases one bulk request may change.
MAX_BULK_CASES = 500

#: Each action and the permissions of which the member needs at least one; the core then checks
#: each case (closing needs ``case_close``, any other move ``case_transition``).
ACTION_PERMISSIONS: dict[str, tuple[Permission, ...]] = {
    "status": (Permission.case_transition, Permission.case_close),
    "assign": (Permission.case_assign,),
    "tag": (Permission.case_tag,),
    "export": (Permission.case_export,),
}


@dataclass(frozen=True)
class Refusal:
    case_id: int
    number: str
    message: str
    kind: ErrorKind


@dataclass(frozen=True)
class BulkOutcome:
    """What the inbox shows above the list after a refused bulk request."""

    message: str
    refusals: tuple[Refusal, ...] = ()
    selected: frozenset[int] = field(default_factory=frozenset)


def _selected_ids() -> list[int]:
    raw = request.form.getlist("ids")
    if not all(value.isdigit() for value in raw) or len(raw) > MAX_BULK_CASES:
        abort(400)
    ids = sorted({int(value) for value in raw})
    if ids and ids[-1] > MAXIMUM_ID:
        abort(404)
    return ids


def _load_selected(account_id: int, ids: list[int], *, lock: bool) -> list[Case]:
    """The selected cases in id order, locked on PostgreSQL; one foreign or missing id → 404 for all."""
    statement = (
        Case.select_for_account(account_id)
        .where(Case.id.in_(ids))
        .order_by(Case.id)
        .options(selectinload(Case.status), selectinload(Case.case_type))
    )
    if lock and is_postgresql(db()):
        statement = statement.with_for_update(of=Case)
    cases = list(db().scalars(statement))
    if len(cases) != len(ids):
        abort(404)
    return cases


def _inbox_args() -> dict[str, str]:
    """The inbox filter the form was posted from (its query string), without the page cursor."""
    return {key: value for key, value in request.args.items() if key != "before"}


def _refused(outcome: BulkOutcome, status: int) -> tuple[str, int]:
    """Nothing is stored; the inbox (same filter, same selection) shows why."""
    db().rollback()
    g.bulk_outcome = outcome
    return inbox(), status


def _status_for(refusals: list[Refusal]) -> int:
    kinds = {refusal.kind for refusal in refusals}
    if kinds & {ErrorKind.conflict, ErrorKind.not_found}:
        return 409
    if ErrorKind.invalid in kinds:
        return 422
    return 403


def _apply(cases: list[Case], action: Callable[[Case], object]) -> list[Refusal]:
    """Run ``action`` on every case and collect each refusal; the actions validate before they change anything."""
    refusals: list[Refusal] = []
    for case in cases:
        number = case.number
        try:
            action(case)
        except DomainError as error:
            refusals.append(Refusal(case.id, number, translated_message(error), error.kind))
    return refusals


def _action_for(name: str) -> Callable[[Case], object] | str:
    """The per-case action for the submitted form, or the message saying what the form lacks."""
    context = admin_context()
    common: dict[str, Any] = {"account": context.account, "actor": context.actor}
    if name == "status":
        to_status = request.form.get("to_status", "").strip()
        if not to_status:
            return gettext("Choose a status.")
        reason = request.form.get("reason", "")[:500]
        return lambda case: transition_case(db(), case=case, to_status=to_status, reason=reason, **common)
    if name == "assign":
        raw = request.form.get("owner_id", "").strip()
        if raw != "none" and not raw.isdigit():
            return gettext("Choose an owner.")
        owner_id = int(raw) if raw.isdigit() else None
        return lambda case: assign_case(db(), case=case, owner_id=owner_id, **common)
    tag = request.form.get("tag", "").strip()
    if not tag:
        return gettext("Type a tag.")
    return lambda case: tag_case(db(), case=case, name=tag, **common)


@blueprint.post("/cases/bulk")
@requires(Permission.case_view)
def bulk_cases() -> Any:
    """Apply one action to the selected cases, all or nothing.

    A deactivated account may still export its selection (exporting only reads, see
    ``tenancy.READ_ONLY_PERMISSIONS``); every change is refused with 403.
    """
    context = admin_context()
    name = request.form.get("action", "")
    if name not in ACTION_PERMISSIONS:
        abort(400)
    if not any(context.can(permission) for permission in ACTION_PERMISSIONS[name]):
        abort(403)
    ids = _selected_ids()
    if not ids:
        return _refused(BulkOutcome(gettext("Select at least one case.")), 422)
    cases = _load_selected(context.account.id, ids, lock=name != "export")
    if name == "export":
        separator = request.form.get("sep", "comma")
        return redirect(
            url_for("admin.export_cases", ids=",".join(map(str, ids)), sep=separator),
            303,
        )
    action = _action_for(name)
    if isinstance(action, str):
        return _refused(BulkOutcome(action, selected=frozenset(ids)), 422)
    refusals = _apply(cases, action)
    if refusals:
        message = ngettext(
            "%(num)d case refused, so no case was changed.",
            "%(num)d cases refused, so no case was changed.",
            len(refusals),
        )
        return _refused(BulkOutcome(message, tuple(refusals), frozenset(ids)), _status_for(refusals))
    flash(ngettext("%(num)d case updated", "%(num)d cases updated", len(cases)))
    return redirect(url_for("admin.inbox", **_inbox_args()), 303)
