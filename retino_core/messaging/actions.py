"""Queueing the e-mails of a case: render now, store once, send after commit.

System e-mails (``SYSTEM_TEMPLATES``) are rendered from shipped templates, at most once per case;
a member's message to the customer (``send_customer_message``) is stored as written, once per call.

Template placeholders (both system e-mails): ``shop_name``, ``sender_name``, ``signature``,
``customer_name``, ``case_number``, ``case_type_name``, ``status_name``, ``lodged_at``,
``closed_at``, ``items`` (each with ``name``, ``product_code``, ``quantity`` as text and
``unit_price`` as Money or None), ``status_url``, ``rating_url`` and ``language``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from babel.numbers import format_decimal
from markupsafe import Markup, escape
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retino_core.accounts.actor import Actor
from retino_core.accounts.models import Account
from retino_core.accounts.permissions import Permission
from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.cases.history import email_queued_entry
from retino_core.cases.models import Case
from retino_core.clock import now
from retino_core.config import Settings
from retino_core.errors import ErrorKind
from retino_core.i18n import DEFAULT_LANGUAGE, N_, SUPPORTED_LANGUAGES
from retino_core.jobs import enqueue_after_commit
from retino_core.messaging.errors import MessagingError, MessagingErrorCode
from retino_core.messaging.models import EmailStatus, OutboundEmail
from retino_core.messaging.render import (
    HTML_LAYOUT,
    SYSTEM_TEMPLATES,
    TEMPLATE_FOLDER,
    RenderedEmail,
    render_email,
    render_email_source,
)
from retino_core.messaging.schemas import CustomerMessageSchema
from retino_core.messaging.tasks import header_name, send_email
from retino_core.validation import load_or_raise

#: The template name stored on a member's free-text message to the customer.
CUSTOMER_MESSAGE_TEMPLATE = "customer_message"


def status_url(settings: Settings, case: Case) -> str:
    return f"{settings.public_base_url.rstrip('/')}/s/{case.access_token}"


def rating_url(settings: Settings, case: Case) -> str:
    return f"{status_url(settings, case)}/rate"


def case_email_context(session: Session, *, case: Case, settings: Settings) -> dict[str, Any]:
    """The placeholders of a case e-mail, in the case's language, with the account's branding."""
    language = case.language
    account = session.get(Account, case.account_id)
    if account is None:
        raise LookupError(f"case {case.id} has no account")
    branding = account.branding_for(language)
    return {
        "shop_name": branding.shop_name if branding else account.name,
        "sender_name": branding.sender_name if branding else account.name,
        "signature": branding.signature if branding else "",
        "customer_name": case.customer_name,
        "case_number": case.number,
        "case_type_name": case.case_type.name(language),
        "status_name": case.status.name(language),
        "lodged_at": case.lodged_at,
        "closed_at": case.closed_at,
        "items": [
            {
                "name": item.name,
                "product_code": item.product_code,
                "quantity": format_decimal(item.quantity, locale=language),
                "unit_price": item.unit_price,
            }
            for item in case.items
        ],
        "status_url": status_url(settings, case),
        "rating_url": rating_url(settings, case),
    }


def _existing(session: Session, account_id: int, key: str) -> OutboundEmail | None:
    return session.scalar(OutboundEmail.select_for_account(account_id).where(OutboundEmail.idempotency_key == key))


def queue_case_email(
    session: Session,
    *,
    case: Case,
    template: str,
    actor: Actor,
    runtime_settings: Settings,
    extra_context: Mapping[str, Any] | None = None,
) -> OutboundEmail | None:
    """Render ``template`` for ``case`` and queue it; at most one e-mail per template and case.

    Returns the stored e-mail (the earlier one if this template was already queued for the case),
    or None when the case has no customer e-mail address. The send job is dispatched only after
    the caller commits; the history row says who caused the e-mail. ``extra_context`` adds the
    placeholders a template of its own needs (``withdrawal_received``: the statement).
    """
    if template not in SYSTEM_TEMPLATES:
        raise MessagingError(MessagingErrorCode.unknown_template, N_("Unknown e-mail template."), template=template)
    if not case.customer_email:
        return None
    key = f"{template}:{case.id}"
    existing = _existing(session, case.account_id, key)
    if existing is not None:
        return existing
    context = {**case_email_context(session, case=case, settings=runtime_settings), **(extra_context or {})}
    rendered = render_email(template, case.language, context)
    email = OutboundEmail(
        account_id=case.account_id,
        case_id=case.id,
        template=template,
        language=case.language,
        from_name=header_name(context["sender_name"])[:200],
        from_address=runtime_settings.mail_sender,
        to_address=case.customer_email,
        to_name=header_name(case.customer_name)[:200],
        subject=rendered.subject[:400],
        body_text=rendered.text,
        body_html=rendered.html,
        idempotency_key=key,
        status=EmailStatus.queued,
        error="",
        created_at=now(),
    )
    try:
        with session.begin_nested():
            session.add(email)
    except IntegrityError:
        # A concurrent transaction queued the same e-mail first.
        concurrent = _existing(session, case.account_id, key)
        if concurrent is None:
            raise
        return concurrent
    email_queued_entry(session, case=case, actor=actor, email_id=email.id, template=template)
    enqueue_after_commit(session, send_email, email.id, account_id=case.account_id)
    return email


def text_to_html(text: str) -> Markup:
    """Plain text as simple HTML: everything escaped, blank lines start paragraphs, line breaks kept."""
    paragraphs = [part.strip("\n") for part in text.replace("\r\n", "\n").split("\n\n")]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in paragraph.split("\n")))
        for paragraph in paragraphs
        if paragraph.strip()
    )


def send_customer_message(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    case: Case,
    subject: str,
    body: str,
    runtime_settings: Settings,
) -> OutboundEmail:
    """Queue a member's own message to the case's customer; it is sent by the mailer after commit.

    The text is stored as written (the HTML part is the escaped text), so nothing the member
    types can become markup or a header. Each call stores a new e-mail under a random
    idempotency key: two identical replies are two messages, but a retried send job still
    delivers each one once. Refused, with nothing stored, when the case has no customer
    e-mail address or the subject or body is blank or too long.
    """
    if case.account_id != account.id:
        raise CaseError(CaseErrorCode.case_not_found, N_("This case does not exist."), kind=ErrorKind.not_found)
    actor.require(Permission.case_note)
    data = _load_message({"subject": subject, "body": body})
    if not case.customer_email:
        raise MessagingError(
            MessagingErrorCode.invalid_recipient,
            N_("The case has no customer e-mail address."),
            field_errors={"body": [N_("The case has no customer e-mail address.")]},
        )
    sender = account.branding_for(case.language)
    clean_subject = header_name(data["subject"])
    text = data["body"].replace("\r\n", "\n").strip("\n") + "\n"
    html = HTML_LAYOUT.format(language=escape(case.language), title=escape(clean_subject), body=text_to_html(text))
    email = OutboundEmail(
        account_id=account.id,
        case_id=case.id,
        template=CUSTOMER_MESSAGE_TEMPLATE,
        language=case.language,
        from_name=header_name(sender.sender_name if sender else account.name)[:200],
        from_address=runtime_settings.mail_sender,
        to_address=case.customer_email,
        to_name=header_name(case.customer_name)[:200],
        subject=clean_subject,
        body_text=text,
        body_html=html,
        idempotency_key=f"{CUSTOMER_MESSAGE_TEMPLATE}:{case.id}:{secrets.token_urlsafe(18)}",
        status=EmailStatus.queued,
        error="",
        created_at=now(),
    )
    session.add(email)
    session.flush()
    email_queued_entry(session, case=case, actor=actor, email_id=email.id, template=CUSTOMER_MESSAGE_TEMPLATE)
    session.flush()
    enqueue_after_commit(session, send_email, email.id, account_id=account.id)
    return email


def _load_message(payload: Mapping[str, Any]) -> dict[str, Any]:
    return load_or_raise(CustomerMessageSchema(), payload, error_class=CaseError, code=CaseErrorCode.invalid_input)


#: E-mails about a person's access (not about a case), rendered from ``default_templates/<name>/``.
#: Placeholders: ``password_reset``: ``full_name``, ``reset_url``, ``valid_minutes``;
#: ``invitation``: ``shop_name``, ``inviter_name``, ``role_name``, ``accept_url``, ``expires_at``.
ACCOUNT_TEMPLATES: tuple[str, ...] = ("password_reset", "invitation")
#: Sender name of the e-mails the platform itself sends to merchants' staff.
ACCOUNT_SENDER_NAME = "Retino"


def render_account_email(template: str, language: str, context: dict[str, Any]) -> RenderedEmail:
    """Render a shipped account template in ``language`` (English when that language has no file)."""
    if template not in ACCOUNT_TEMPLATES:
        raise MessagingError(MessagingErrorCode.unknown_template, N_("Unknown e-mail template."), template=template)
    file_language = language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
    path = TEMPLATE_FOLDER / template / f"{file_language}.jinja"
    if not path.is_file():
        file_language = DEFAULT_LANGUAGE
        path = TEMPLATE_FOLDER / template / f"{DEFAULT_LANGUAGE}.jinja"
    return render_email_source(path.read_text(encoding="utf-8"), file_language, context)


def queue_account_email(
    session: Session,
    *,
    account_id: int,
    to_address: str,
    to_name: str,
    template: str,
    language: str,
    context: Mapping[str, Any],
    settings: Settings,
) -> OutboundEmail:
    """Render an account e-mail (password reset, invitation) and queue it; sent by the mailer after commit.

    The row is not bound to a case (``case_id`` is None) and writes no case history. It belongs to
    ``account_id`` because every outbound e-mail is tenant-owned: for a password reset that is an
    account the user is a member of. Each call queues a new e-mail.
    """
    rendered = render_account_email(template, language, dict(context))
    email = OutboundEmail(
        account_id=account_id,
        case_id=None,
        template=template,
        language=language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE,
        from_name=ACCOUNT_SENDER_NAME,
        from_address=settings.mail_sender,
        to_address=to_address,
        to_name=header_name(to_name)[:200],
        subject=rendered.subject[:400],
        body_text=rendered.text,
        body_html=rendered.html,
        idempotency_key=f"{template}:{secrets.token_urlsafe(18)}",
        status=EmailStatus.queued,
        error="",
        created_at=now(),
    )
    session.add(email)
    session.flush()
    enqueue_after_commit(session, send_email, email.id, account_id=account_id)
    return email
