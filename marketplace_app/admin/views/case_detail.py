"""The case detail screen: everything about one case on one page, and its attachments' downloads.

The forms on this page post to ``case_actions``; each answers with a redirect back here, the
re-rendered detail fragment for htmx, or this page with a form error (422).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import abort, render_template, request, send_file
from flask_babel import format_currency, format_date, format_decimal, get_locale, gettext, lazy_gettext
from sqlalchemy import select

from marketplace_app.admin import blueprint
from marketplace_app.database import db, runtime
from marketplace_app.errors import translated_message
from marketplace_app.tenancy import admin_context, requires
from retino_core import clock
from retino_core.accounts.models import Membership, User
from retino_core.accounts.permissions import Permission
from retino_core.case_types.models import CaseStatus, StatusTransition
from retino_core.cases.actions import RECEPTION_FLOW, RESOLUTIONS_FOR_DECISION
from retino_core.cases.history import HistoryKind
from retino_core.cases.models import (
    Case,
    CaseAttachment,
    CaseHistory,
    CaseNote,
    DecisionState,
    ReceptionState,
    Resolution,
)
from retino_core.cases.queries import get_case
from retino_core.custom_fields.models import FieldScope, FieldType
from retino_core.custom_fields.queries import case_field_values, fields_for_case_type, item_field_values
from retino_core.deadlines.models import CaseDeadline
from retino_core.deadlines.queries import deadlines_for_case
from retino_core.deadlines.rules import Consequence, DeadlineKind
from retino_core.errors import DomainError
from retino_core.intake.platform_returns import REJECTION_FAILED, REJECTION_REQUESTED, REJECTION_SUCCEEDED
from retino_core.messaging.inbound_actions import mark_customer_messages_read
from retino_core.messaging.models import EmailStatus, InboundMessage, OutboundEmail
from retino_core.messaging.queries import attachments_by_message, messages_of_case
from retino_core.storage import FileNotInStorage

RECEPTION_LABELS = {
    ReceptionState.expected: lazy_gettext("Expected"),
    ReceptionState.in_transit: lazy_gettext("In transit"),
    ReceptionState.received: lazy_gettext("Received"),
    ReceptionState.inspected: lazy_gettext("Inspected"),
}
DECISION_LABELS = {
    DecisionState.pending: lazy_gettext("Pending"),
    DecisionState.accepted: lazy_gettext("Accepted"),
    DecisionState.rejected: lazy_gettext("Rejected"),
}
RESOLUTION_LABELS = {
    Resolution.refund: lazy_gettext("Refund"),
    Resolution.replace: lazy_gettext("Replace"),
    Resolution.repair: lazy_gettext("Repair"),
    Resolution.discount: lazy_gettext("Discount"),
    Resolution.keep: lazy_gettext("Keep the goods"),
    Resolution.reject: lazy_gettext("Reject"),
}
#: Requested remedies share their codes with resolutions.
REMEDY_LABELS = {resolution.value: label for resolution, label in RESOLUTION_LABELS.items()}
DEADLINE_LABELS = {
    DeadlineKind.resolve: lazy_gettext("Resolve the case"),
    DeadlineKind.first_response: lazy_gettext("First response"),
    DeadlineKind.withdrawal_window: lazy_gettext("Withdrawal window"),
    DeadlineKind.refund: lazy_gettext("Refund"),
    DeadlineKind.policy_window: lazy_gettext("Return policy window"),
    DeadlineKind.handling_target: lazy_gettext("Handling target"),
}
EMAIL_STATUS_LABELS = {
    EmailStatus.queued: lazy_gettext("Queued"),
    EmailStatus.sent: lazy_gettext("Sent"),
    EmailStatus.failed: lazy_gettext("Failed"),
}
#: The prefix of custom field inputs: ``field-<key>``.
FIELD_PREFIX = "field-"
#: Resolutions offered with an acceptance, in a stable order.
ACCEPT_RESOLUTIONS = [r for r in Resolution if r in RESOLUTIONS_FOR_DECISION[DecisionState.accepted]]
#: History kinds the timeline shows as the note or e-mail itself rather than as a history line.
_HISTORY_SHOWN_ELSEWHERE = frozenset(
    {HistoryKind.note_added.value, HistoryKind.email_queued.value, HistoryKind.customer_message_received.value}
)


@dataclass(frozen=True)
class FormError:
    """A refusal shown next to the form that caused it."""

    message: str
    fields: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_domain(cls, error: DomainError) -> FormError:
        return cls(message=translated_message(error), fields=_flatten(error.field_errors))


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{field: [translated message, ...]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            for name, messages in _flatten(value, str(key) if not prefix else f"{prefix}.{key}").items():
                flat.setdefault(name, []).extend(messages)
    elif isinstance(errors, list | tuple):
        for value in errors:
            for name, messages in _flatten(value, prefix).items():
                flat.setdefault(name, []).extend(messages)
    else:
        flat[prefix or "_schema"] = [gettext(str(errors))]
    return flat


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    at: datetime
    order: int
    actor: str
    text: str = ""
    note: CaseNote | None = None
    email: OutboundEmail | None = None
    message: InboundMessage | None = None
    #: For a customer message: the files kept, and what its history row says (skipped files, closed case).
    attachments: tuple[CaseAttachment, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)


def _language() -> str:
    return str(get_locale() or "en")


def load_case(case_id: int) -> Case:
    """The signed-in account's case; another account's id raises not-found (404)."""
    return get_case(db(), account_id=admin_context().account.id, case_id=case_id)


def _date(value: datetime) -> str:
    return format_date(value, "medium")


def deadline_consequence(deadline: CaseDeadline) -> str:
    """What missing ``deadline`` means, in words, with its date."""
    date = _date(deadline.due_at)
    if deadline.consequence is Consequence.deemed_accepted:
        return gettext("Deemed accepted on %(date)s", date=date)
    if deadline.consequence is Consequence.consumer_may_withdraw:
        return gettext("Consumer may withdraw after %(date)s", date=date)
    if deadline.consequence is Consequence.window_closes:
        return gettext("The window closes on %(date)s", date=date)
    return gettext("No legal consequence; due on %(date)s", date=date)


def _quantity(value: Any) -> str:
    return format_decimal(value.normalize() if hasattr(value, "normalize") else value, format="#,##0.###")


def _money(amount: Any, currency: str) -> str:
    return format_currency(amount, currency)


def _status_names(case: Case, language: str) -> dict[str, str]:
    return {status.code: status.name(language) for status in case.case_type.statuses}


def _user_names(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(db().execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).tuples().all())


def history_text(entry: CaseHistory, *, case: Case, statuses: dict[str, str], users: dict[int, str]) -> str:
    """One history row in words, in the reader's language."""
    data = entry.data or {}
    items = {item.id: item.name for item in case.items}
    item_name = items.get(data.get("item_id") or 0, gettext("An item"))
    kind = entry.kind
    if kind == HistoryKind.case_opened.value:
        return gettext("Case %(number)s opened", number=data.get("number", case.number))
    if kind == HistoryKind.status_changed.value:
        old, new = (data.get("status") or ["", ""])[:2]
        text = gettext(
            "Status changed from %(from_status)s to %(to_status)s",
            from_status=statuses.get(old, old),
            to_status=statuses.get(new, new),
        )
        return text + (f" ({data['reason']})" if data.get("reason") else "")
    if kind == HistoryKind.owner_changed.value:
        old_id, new_id = (data.get("owner_id") or [None, None])[:2]
        nobody = gettext("nobody")
        return gettext(
            "Owner changed from %(from_owner)s to %(to_owner)s",
            from_owner=users.get(old_id, nobody) if old_id else nobody,
            to_owner=users.get(new_id, nobody) if new_id else nobody,
        )
    if kind == HistoryKind.tag_added.value:
        return gettext("Tag %(tag)s added", tag=data.get("tag", ""))
    if kind == HistoryKind.tag_removed.value:
        return gettext("Tag %(tag)s removed", tag=data.get("tag", ""))
    if kind == HistoryKind.attachment_added.value:
        return gettext("File %(filename)s attached", filename=data.get("filename", ""))
    if kind in (HistoryKind.item_received.value, HistoryKind.item_inspected.value):
        old, new = (data.get("reception") or ["", ""])[:2]
        return gettext(
            "%(item)s: reception changed from %(from_state)s to %(to_state)s",
            item=item_name,
            from_state=_label(RECEPTION_LABELS, ReceptionState, old),
            to_state=_label(RECEPTION_LABELS, ReceptionState, new),
        )
    if kind == HistoryKind.item_decided.value:
        new = (data.get("decision") or ["", ""])[-1]
        return gettext(
            "%(item)s: %(decision)s (%(resolution)s)",
            item=item_name,
            decision=_label(DECISION_LABELS, DecisionState, new),
            resolution=_label(RESOLUTION_LABELS, Resolution, data.get("resolution") or ""),
        )
    if kind == HistoryKind.case_closed.value:
        return gettext("Case closed as %(status)s", status=statuses.get(str(data.get("status")), ""))
    if kind == HistoryKind.case_reopened.value:
        return gettext("Case reopened in %(status)s", status=statuses.get(str(data.get("status")), ""))
    if kind == HistoryKind.details_changed.value:
        return gettext("Case details changed: %(fields)s", fields=", ".join(sorted(data)))
    if kind == HistoryKind.custom_fields_changed.value:
        names = ", ".join(sorted(data.get("fields") or {}))
        if data.get("item_id"):
            return gettext("%(item)s: fields changed: %(fields)s", item=item_name, fields=names)
        return gettext("Fields changed: %(fields)s", fields=names)
    if kind == HistoryKind.shipping_chosen.value:
        if data.get("branch_id"):
            return gettext(
                "Return shipping chosen: %(option)s, branch %(branch)s",
                option=data.get("option", ""),
                branch=data["branch_id"],
            )
        return gettext("Return shipping chosen: %(option)s", option=data.get("option", ""))
    if kind == HistoryKind.rating_received.value:
        return gettext("The customer rated the case %(score)s out of 5", score=data.get("score", ""))
    return _platform_history_text(kind, data)


def _platform_history_text(kind: str, data: dict[str, Any]) -> str:
    """Refunds and credit notes through the platform, and rejections of a platform's return."""
    if kind == HistoryKind.refund_requested.value:
        if data.get("kind") == "credit_note":
            return gettext(
                "Credit note of %(amount)s %(currency)s asked for",
                amount=data.get("amount"),
                currency=data.get("currency"),
            )
        return gettext(
            "Refund of %(amount)s %(currency)s asked for", amount=data.get("amount"), currency=data.get("currency")
        )
    if kind == HistoryKind.refund_succeeded.value:
        return gettext("The platform confirmed the refund (%(reference)s)", reference=data.get("external_id") or "—")
    if kind == HistoryKind.refund_failed.value:
        return gettext("The platform did not make the refund")
    if kind == REJECTION_REQUESTED:
        return gettext("Rejection of the platform's return asked for: %(message)s", message=data.get("message", ""))
    if kind == REJECTION_SUCCEEDED:
        return gettext("The platform rejected the return")
    if kind == REJECTION_FAILED:
        return gettext("The platform refused to reject the return: %(message)s", message=data.get("message", ""))
    return kind


def _label(labels: dict[Any, Any], enum: Any, value: str) -> str:
    member = enum._value2member_map_.get(value)
    return str(labels[member]) if member is not None else value


def build_timeline(case: Case, language: str) -> list[TimelineEntry]:
    """History in words, internal notes, e-mails to the customer and the customer's messages, newest first."""
    session = db()
    statuses = _status_names(case, language)
    history = list(
        session.scalars(CaseHistory.select_for_account(case.account_id).where(CaseHistory.case_id == case.id))
    )
    users = _user_names(
        {user_id for entry in history if entry.kind == "owner_changed" for user_id in entry.data["owner_id"] if user_id}
    )
    entries = [
        TimelineEntry(
            kind="history",
            at=entry.created_at,
            order=entry.id,
            actor=entry.actor_label,
            text=history_text(entry, case=case, statuses=statuses, users=users),
        )
        for entry in history
        if entry.kind not in _HISTORY_SHOWN_ELSEWHERE
    ]
    notes = session.scalars(CaseNote.select_for_account(case.account_id).where(CaseNote.case_id == case.id))
    entries += [
        TimelineEntry(kind="note", at=note.created_at, order=note.id, actor=note.author_label, note=note)
        for note in notes
    ]
    queued_by = {entry.data.get("email_id"): entry.actor_label for entry in history if entry.kind == "email_queued"}
    emails = session.scalars(OutboundEmail.select_for_account(case.account_id).where(OutboundEmail.case_id == case.id))
    entries += [
        TimelineEntry(kind="email", at=email.created_at, order=email.id, actor=queued_by.get(email.id, ""), email=email)
        for email in emails
    ]
    received = {
        entry.data.get("message_id"): entry.data for entry in history if entry.kind == "customer_message_received"
    }
    files = attachments_by_message(session, account_id=case.account_id, case_id=case.id)
    entries += [
        TimelineEntry(
            kind="customer_message",
            at=message.received_at,
            order=message.id,
            actor="",
            message=message,
            attachments=tuple(files.get(message.id, ())),
            facts=received.get(message.id) or {},
        )
        for message in messages_of_case(session, account_id=case.account_id, case_id=case.id)
    ]
    return sorted(entries, key=lambda entry: (clock.as_utc(entry.at), entry.order), reverse=True)


def field_display(definition: Any, stored: Any, submitted: dict[str, list[str]] | None) -> dict[str, Any]:
    """What a custom field input shows: the submitted input after a refusal, else the stored value."""
    name = FIELD_PREFIX + definition.key
    if submitted is not None:
        raw = submitted.get(name, [])
        return {
            "name": name,
            "text": raw[0] if raw else "",
            "checked": bool(raw) and raw[-1] == "true",
            "selected": [value for value in raw if value],
        }
    return {
        "name": name,
        "text": "" if stored is None or isinstance(stored, list | bool) else str(stored),
        "checked": stored is True,
        "selected": [str(value) for value in stored] if isinstance(stored, list) else [],
    }


def _next_statuses(case: Case) -> list[CaseStatus]:
    return list(
        db().scalars(
            CaseStatus.select_for_account(case.account_id)
            .join(StatusTransition, StatusTransition.to_status_id == CaseStatus.id)
            .where(StatusTransition.account_id == case.account_id, StatusTransition.from_status_id == case.status_id)
            .order_by(CaseStatus.is_closing, CaseStatus.position)
        )
    )


def _members(account_id: int) -> list[Membership]:
    return list(
        db().scalars(Membership.select_for_account(account_id).where(Membership.is_active).order_by(Membership.id))
    )


def detail_context(
    case: Case, *, form_errors: dict[str, FormError] | None = None, form_values: dict[str, Any] | None = None
) -> dict[str, Any]:
    session = db()
    language = _language()
    account_id = case.account_id
    item_values = item_field_values(session, case=case)
    return {
        "case": case,
        "lang": language,
        "now": clock.now(),
        "next_statuses": _next_statuses(case),
        "members": _members(account_id),
        "deadlines": deadlines_for_case(session, account_id=account_id, case_id=case.id),
        "case_fields": fields_for_case_type(
            session, account_id=account_id, case_type_id=case.case_type_id, scope=FieldScope.case
        ),
        "item_fields": fields_for_case_type(
            session, account_id=account_id, case_type_id=case.case_type_id, scope=FieldScope.item
        ),
        "case_values": case_field_values(session, case=case),
        "item_values": item_values,
        # Retired reasons included: items that carry one still show its name.
        "reason_names": {reason.code: reason.name(language) for reason in case.case_type.reasons},
        "attachments": list(
            session.scalars(
                CaseAttachment.select_for_account(account_id)
                .where(CaseAttachment.case_id == case.id)
                .order_by(CaseAttachment.id)
            )
        ),
        "timeline": build_timeline(case, language),
        "reception_flow": RECEPTION_FLOW,
        "accept_resolutions": ACCEPT_RESOLUTIONS,
        "labels": {
            "reception": RECEPTION_LABELS,
            "decision": DECISION_LABELS,
            "resolution": RESOLUTION_LABELS,
            "remedy": REMEDY_LABELS,
            "deadline": DEADLINE_LABELS,
            "email_status": EMAIL_STATUS_LABELS,
        },
        "FieldType": FieldType,
        "DecisionState": DecisionState,
        "deadline_consequence": deadline_consequence,
        "field_display": field_display,
        "quantity": _quantity,
        "money": _money,
        "form_errors": form_errors or {},
        "form_values": form_values or {},
    }


def render_detail(
    case: Case,
    *,
    status: int = 200,
    form_errors: dict[str, FormError] | None = None,
    form_values: dict[str, Any] | None = None,
) -> tuple[str, int]:
    """The whole page, or only the detail fragment for an htmx request."""
    template = "admin/_case_detail.html" if request.headers.get("HX-Request") else "admin/case_detail.html"
    return render_template(template, **detail_context(case, form_errors=form_errors, form_values=form_values)), status


@blueprint.get("/cases/<int:case_id>")
@requires(Permission.case_view)
def case_detail(case_id: int) -> tuple[str, int]:
    """The page; the customer messages it shows as unread are then marked read (see the action for who)."""
    case = load_case(case_id)
    page = render_detail(case)
    context = admin_context()
    mark_customer_messages_read(db(), account=context.account, actor=context.actor, case=case)
    return page


@blueprint.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@requires(Permission.case_view)
def case_attachment(case_id: int, attachment_id: int) -> object:
    """The stored bytes as a download; only images may be shown inline (thumbnails)."""
    case = load_case(case_id)
    attachment = CaseAttachment.get_for_account(db(), attachment_id, case.account_id)
    if attachment is None or attachment.case_id != case.id:
        abort(404)
    try:
        data = runtime().storage.read(attachment.storage_key)
    except FileNotInStorage:
        abort(404)
    inline = request.args.get("inline") == "1" and attachment.content_type.startswith("image/")
    response = send_file(
        io.BytesIO(data),
        mimetype=attachment.content_type,
        as_attachment=not inline,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
