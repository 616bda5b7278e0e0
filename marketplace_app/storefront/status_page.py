"""The shopper's case status page behind the random link in every e-mail: ``/s/<token>``.

The access token (random, at least 128 bits, see ``cases.numbering``) is the only credential: an
unknown, short or overlong token is the same plain 404 as any unknown page, and every object the
page serves (messages, files, the protocol) is looked up through the case the token names, so a
file id of another case is a 404 too. The page is in the case's language unless ``?lang=``
says otherwise, may be framed by the case's channel's shop domains, and for a deactivated
account shows only the "not available" page (403 for a POST).

Forms (the reply, the rating) carry no session cookie, because the page may be framed on the
shop's domain where browsers withhold our cookies. Instead each form carries a signed token
(``itsdangerous``, secret key, 2 hours) binding this case, the form's purpose and a random nonce.
With no ambient credential to ride on, a forged request would have to know the case's secret
token *and* a valid signature for it, so the signed token is the anti-forgery guarantee; a
missing, forged, expired or other case's token is a 400 with nothing stored. The reply's nonce
also names the stored message, so a double-clicked "Send" stores one message.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Response, g, redirect, render_template, request, send_file, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from marketplace_app.database import db, runtime
from marketplace_app.extensions import csrf
from marketplace_app.storefront import blueprint, form_tokens
from marketplace_app.storefront.i18n import gettext as _
from marketplace_app.storefront.i18n import lazy_gettext, translated_error, translated_field_errors
from retino_core.accounts.actor import Actor, ActorKind
from retino_core.accounts.models import Account
from retino_core.case_types.queries import reason_names
from retino_core.cases.attachments import MAX_ATTACHMENT_BYTES
from retino_core.cases.history import HistoryKind
from retino_core.cases.models import Case, CaseAttachment
from retino_core.cases.queries import get_case_by_access_token
from retino_core.channels.queries import widget_settings
from retino_core.deadlines.models import CaseDeadline
from retino_core.deadlines.queries import deadlines_for_case
from retino_core.deadlines.rules import Consequence, DeadlineKind
from retino_core.documents import DOCUMENT_LANGUAGES, case_protocol_pdf
from retino_core.errors import DomainError, ErrorKind
from retino_core.i18n import SUPPORTED_LANGUAGES
from retino_core.messaging.errors import MessagingError, MessagingErrorCode
from retino_core.messaging.inbound import InboundAttachment
from retino_core.messaging.inbound_actions import record_customer_message
from retino_core.messaging.models import EmailStatus, InboundMessage, InboundSource, OutboundEmail
from retino_core.messaging.schemas import BODY_MAX_LENGTH
from retino_core.ratings.actions import rate_case
from retino_core.ratings.models import Rating
from retino_core.ratings.queries import rating_of_case
from retino_core.ratings.schemas import MAX_COMMENT_LENGTH
from retino_core.storage import FileNotInStorage

#: Files one reply may carry (the case's own limit applies on top).
MAX_FILES_PER_REPLY = 5
#: Deadlines the shopper is told about; the merchant's own handling target stays internal.
SHOPPER_DEADLINES = (
    DeadlineKind.first_response,
    DeadlineKind.resolve,
    DeadlineKind.withdrawal_window,
    DeadlineKind.refund,
)
#: E-mails of a case the shopper sees in the thread: the ones that went, or are going, to them.
THREAD_EMAIL_STATUSES = (EmailStatus.sent, EmailStatus.queued)

#: One line per process step code of the default workflows: what the step means for the shopper.
STEP_EXPLANATIONS = {
    "new": lazy_gettext("The shop has received your request and will look at it soon."),
    "waiting_for_goods": lazy_gettext("The shop is waiting for the goods to arrive back."),
    "goods_received": lazy_gettext("The goods have arrived at the shop and are being checked."),
    "decision": lazy_gettext("The shop is deciding how to settle your request."),
    "resolved": lazy_gettext("Your case is settled. You will find the outcome in the messages below."),
}


class FormTokenError(Exception):
    pass


def form_token(case: Case, purpose: str) -> str:
    """A signed token for one form of this case's page (see ``form_tokens``)."""
    return form_tokens.issue(purpose, f"case:{case.id}")


def check_form_token(case: Case, purpose: str, token: str | None) -> str:
    """The token's nonce if it was signed by us, for this case and purpose, within two hours."""
    content = form_tokens.read(purpose, f"case:{case.id}", token or "")
    if content is None:
        raise FormTokenError
    return content["k"]


@dataclass(frozen=True)
class ThreadEntry:
    at: datetime
    #: "shop" for our e-mails, "customer" for what the shopper wrote.
    author: str
    subject: str
    body: str
    attachments: tuple[CaseAttachment, ...] = ()


@dataclass(frozen=True)
class ShopperDeadline:
    kind: DeadlineKind
    text: str
    consequence: str
    is_met: bool


@dataclass
class PageState:
    """What a re-rendered form shows after a refusal."""

    error: str = ""
    field_errors: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    score: int | None = None
    comment: str = ""


def with_case(view: Callable[..., Any]) -> Callable[..., Any]:
    """Resolve ``<token>`` into the case and its account, set the page's context, guard the closed shop.

    An unknown token is a 404. The page speaks the case's language and may be framed by the
    case's channel's shop domains. A deactivated account answers with the "not available" page
    (200 for GET, 403 for POST) and the view never runs.
    """

    @functools.wraps(view)
    def wrapper(token: str, **kwargs: Any) -> Any:
        case = get_case_by_access_token(db(), token=token)
        account = db().get(Account, case.account_id) if case is not None else None
        if case is None or account is None:
            raise NotFound()
        g.account = account
        g.storefront_language = case.language
        g.frame_ancestors = widget_settings(db(), channel=case.channel).shop_domains if case.channel else ()
        if not account.is_active:
            # The unavailable page links the shop's site when it knows the channel.
            g.channel = case.channel
            status = 200 if request.method in ("GET", "HEAD") else 403
            return render_template("storefront/unavailable.html"), status
        return view(case, account, **kwargs)

    return wrapper


def _refused(message: str, status: int) -> tuple[str, int]:
    return render_template("storefront/status_refused.html", message=message), status


def _customer(case: Case) -> Actor:
    return Actor.customer(case.customer_email)


def _link_args() -> dict[str, str]:
    """Keeps an explicit ``?lang=`` on the page's own links and redirects."""
    language = request.args.get("lang", "")
    return {"lang": language} if language in SUPPORTED_LANGUAGES else {}


def _language() -> str:
    return str(get_locale() or "en")


def _shopper_attachment_ids(case: Case) -> set[int]:
    """Files the shopper sent (with the case, a reply or an e-mail): the only files this page serves."""
    ids: set[int] = set()
    for entry in case.history:
        if entry.actor_kind != ActorKind.customer.value:
            continue
        if entry.kind == HistoryKind.attachment_added.value:
            ids.add(int(entry.data.get("attachment_id") or 0))
        elif entry.kind == HistoryKind.customer_message_received.value:
            ids.update(int(value) for value in entry.data.get("attachment_ids") or ())
    ids.discard(0)
    return ids


def _thread(case: Case, shopper_ids: set[int]) -> list[ThreadEntry]:
    """Our e-mails to the shopper and their messages, oldest first; internal notes never appear."""
    session = db()
    entries: list[ThreadEntry] = []
    emails = session.scalars(
        OutboundEmail.select_for_account(case.account_id).where(
            OutboundEmail.case_id == case.id, OutboundEmail.status.in_(THREAD_EMAIL_STATUSES)
        )
    )
    customer_address = case.customer_email.strip().lower()
    for email in emails:
        if email.to_address.strip().lower() != customer_address:
            continue
        entries.append(
            ThreadEntry(
                at=email.sent_at or email.created_at, author="shop", subject=email.subject, body=email.body_text
            )
        )
    files: dict[int, list[CaseAttachment]] = {}
    for attachment in case.attachments:
        if attachment.inbound_message_id is not None and attachment.id in shopper_ids:
            files.setdefault(attachment.inbound_message_id, []).append(attachment)
    messages = session.scalars(
        InboundMessage.select_for_account(case.account_id).where(InboundMessage.case_id == case.id)
    )
    for message in messages:
        entries.append(
            ThreadEntry(
                at=message.received_at,
                author="customer",
                subject=message.subject,
                body=message.body_text,
                attachments=tuple(files.get(message.id, ())),
            )
        )
    return sorted(entries, key=lambda entry: (entry.at, entry.author != "shop"))


def _deadline_texts(deadline: CaseDeadline) -> tuple[str, str]:
    date = format_date(deadline.due_at, "long")
    texts = {
        DeadlineKind.first_response: _("The shop must respond to your complaint by %(date)s.", date=date),
        DeadlineKind.resolve: _("The shop must settle your complaint by %(date)s.", date=date),
        DeadlineKind.withdrawal_window: _("You can withdraw from the purchase until %(date)s.", date=date),
        DeadlineKind.refund: _("The shop must refund you by %(date)s.", date=date),
    }
    consequences = {
        Consequence.deemed_accepted: _(
            "If the shop does not answer by then, the law deems your complaint accepted.",
        ),
        Consequence.consumer_may_withdraw: _(
            "If it is not settled by then, you may withdraw from the contract and ask for your money back.",
        ),
    }
    return texts.get(deadline.kind, ""), consequences.get(deadline.consequence, "")


def _deadlines(case: Case) -> list[ShopperDeadline]:
    shown = []
    for deadline in deadlines_for_case(db(), account_id=case.account_id, case_id=case.id):
        if deadline.kind not in SHOPPER_DEADLINES or deadline.rule_code.startswith("merchant."):
            continue
        text, consequence = _deadline_texts(deadline)
        shown.append(ShopperDeadline(kind=deadline.kind, text=text, consequence=consequence, is_met=deadline.is_met))
    return shown


def _shipping(case: Case) -> Any:
    """The return shipping the shopper chose, when the shipping module stores one for the case."""
    try:
        from retino_core.shipping.queries import shipping_choice_for_case
    except ImportError:
        return None
    return shipping_choice_for_case(db(), case=case)


def _page(case: Case, account: Account, state: PageState | None = None, status: int = 200) -> tuple[str, int]:
    language = _language()
    shopper_ids = _shopper_attachment_ids(case)
    names = reason_names(db(), account_id=account.id, language=language)
    branding = account.branding_for(language)
    rating = rating_of_case(db(), account_id=account.id, case_id=case.id)
    items = [
        {
            "name": item.name,
            "product_code": item.product_code,
            "quantity": format_decimal(item.quantity.normalize(), format="#,##0.###"),
            "reason": names.name(item.reason) if item.reason else "",
            "defect_description": item.defect_description,
        }
        for item in case.items
    ]
    return render_template(
        "storefront/status.html",
        case=case,
        shop_name=branding.shop_name if branding else account.name,
        case_type_name=case.case_type.name(language),
        status_name=case.status.name(language),
        step_explanation=STEP_EXPLANATIONS.get(case.status.step.code, ""),
        lodged_on=format_date(case.lodged_at, "long"),
        closed_on=format_date(case.closed_at, "long") if case.closed_at else "",
        deadlines=_deadlines(case),
        items=items,
        shipping=_shipping(case),
        thread=_thread(case, shopper_ids),
        format_datetime=format_datetime,
        documents=[a for a in case.attachments if a.id in shopper_ids and a.inbound_message_id is None],
        rating=rating,
        form_token=form_token(case, "message"),
        state=state or PageState(),
        created=request.args.get("created") == "1",
        sent=request.args.get("sent") == "1",
        link_args=_link_args(),
        max_files=MAX_FILES_PER_REPLY,
        max_body=BODY_MAX_LENGTH,
    ), status


@blueprint.get("/s/<token>")
@with_case
def status(case: Case, account: Account) -> Any:
    """The status page: status in plain words, deadlines, items, shipping, messages, documents."""
    return _page(case, account)


def _status_for(error: DomainError) -> int:
    return {ErrorKind.invalid: 422, ErrorKind.not_found: 404, ErrorKind.forbidden: 403, ErrorKind.conflict: 409}[
        error.kind
    ]


def _uploaded_files() -> list[InboundAttachment]:
    files = []
    for upload in request.files.getlist("files"):
        if not upload or not upload.filename:
            continue
        # One byte over the limit is enough for the core to refuse the file as too large.
        files.append(InboundAttachment(filename=upload.filename, data=upload.stream.read(MAX_ATTACHMENT_BYTES + 1)))
    return files


@blueprint.post("/s/<token>/messages")
@with_case
def post_message(case: Case, account: Account) -> Any:
    """Store the shopper's reply (text and photos/PDFs) in the case, unread for the team; then back to the page."""
    try:
        submitted_token = request.form.get("form_token")
        body = request.form.get("body", "")
        files = _uploaded_files()
    except RequestEntityTooLarge:
        return _page(
            case,
            account,
            PageState(error=_("The files are too large together. Send fewer or smaller files.")),
            413,
        )
    try:
        nonce = check_form_token(case, "message", submitted_token)
    except FormTokenError:
        return _refused(_("This form has expired or is not valid. Reload the page and try again."), 400)
    if len(files) > MAX_FILES_PER_REPLY:
        return _page(
            case,
            account,
            PageState(error=_("Attach at most %(limit)s files to one message.", limit=MAX_FILES_PER_REPLY), body=body),
            422,
        )
    try:
        record_customer_message(
            db(),
            account=account,
            actor=_customer(case),
            case=case,
            storage=runtime().storage,
            body=body,
            attachments=files,
            source=InboundSource.portal,
            message_id=f"portal:{nonce}",
        )
    except MessagingError as error:
        if error.code is not MessagingErrorCode.duplicate_message:
            db().rollback()
            return _page(case, account, PageState(error=translated_error(error), body=body), _status_for(error))
        # The same form sent twice (a double click): the first one is stored, nothing more to do.
    except DomainError as error:
        db().rollback()
        return _page(
            case,
            account,
            PageState(
                error=translated_error(error), field_errors=translated_field_errors(error.field_errors), body=body
            ),
            _status_for(error),
        )
    return redirect(url_for("storefront.status", token=case.access_token, sent=1, **_link_args()) + "#thread", 303)


@blueprint.get("/s/<token>/attachments/<int:attachment_id>")
@with_case
def attachment(case: Case, account: Account, attachment_id: int) -> Any:
    """A file the shopper sent with this case, as a download; any other id is a 404."""
    stored = CaseAttachment.get_for_account(db(), attachment_id, case.account_id)
    if stored is None or stored.case_id != case.id or stored.id not in _shopper_attachment_ids(case):
        raise NotFound()
    try:
        data = runtime().storage.read(stored.storage_key)
    except FileNotInStorage:
        raise NotFound() from None
    response = send_file(
        io.BytesIO(data), mimetype=stored.content_type, as_attachment=True, download_name=stored.filename, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.get("/s/<token>/protocol.pdf")
@with_case
def protocol(case: Case, account: Account) -> Any:
    """The case protocol (no internal notes) in the page's language when documents speak it."""
    language = _language()
    document = case_protocol_pdf(
        db(),
        account=account,
        actor=_customer(case),
        case_id=case.id,
        language=language if language in DOCUMENT_LANGUAGES else None,
    )
    response = Response(document.content, mimetype=document.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _preselected_score() -> int | None:
    raw = request.args.get("score", "")
    return int(raw) if raw in {"1", "2", "3", "4", "5"} else None


def _rate_page(case: Case, account: Account, rating: Rating | None, state: PageState, status: int = 200) -> Any:
    branding = account.branding_for(_language())
    return render_template(
        "storefront/rate.html",
        case=case,
        shop_name=branding.shop_name if branding else account.name,
        rating=rating,
        form_token=form_token(case, "rate"),
        state=state,
        link_args=_link_args(),
        max_comment=MAX_COMMENT_LENGTH,
    ), status


@blueprint.route("/s/<token>/rate", methods=["GET", "POST"])
@with_case
def rate(case: Case, account: Account) -> Any:
    """Rate the closed case once (1–5 and a comment); before closing, or a second time, it says why not."""
    rating = rating_of_case(db(), account_id=account.id, case_id=case.id)
    if request.method == "GET":
        return _rate_page(case, account, rating, PageState(score=_preselected_score()))
    try:
        check_form_token(case, "rate", request.form.get("form_token"))
    except FormTokenError:
        return _refused(_("This form has expired or is not valid. Reload the page and try again."), 400)
    raw_score = request.form.get("score", "")
    comment = request.form.get("comment", "")
    score: object = int(raw_score) if raw_score.isdigit() and len(raw_score) < 3 else raw_score
    try:
        rate_case(db(), account=account, actor=_customer(case), case=case, score=score, comment=comment)
    except DomainError as error:
        db().rollback()
        state = PageState(
            error=translated_error(error),
            field_errors=translated_field_errors(error.field_errors),
            score=score if isinstance(score, int) else None,
            comment=comment,
        )
        rating = rating_of_case(db(), account_id=account.id, case_id=case.id)
        return _rate_page(case, account, rating, state, _status_for(error))
    return redirect(url_for("storefront.rate", token=case.access_token, **_link_args()), 303)


for _view in (post_message, rate):
    csrf.exempt(_view)
