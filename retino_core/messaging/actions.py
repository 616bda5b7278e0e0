"""Queueing the system e-mails of a case: render now, store once, send after commit.

Template placeholders (both system e-mails): ``shop_name``, ``sender_name``, ``signature``,
``customer_name``, ``case_number``, ``case_type_name``, ``status_name``, ``lodged_at``,
``closed_at``, ``items`` (each with ``name``, ``product_code``, ``quantity`` as text and
``unit_price`` as Money or None), ``status_url``, ``rating_url`` and ``language``.
"""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retino_core.accounts.actor import Actor
from retino_core.accounts.models import Account
from retino_core.cases.history import email_queued_entry
from retino_core.cases.models import Case
from retino_core.clock import now
from retino_core.config import Settings
from retino_core.i18n import N_
from retino_core.jobs import enqueue_after_commit
from retino_core.messaging.errors import MessagingError, MessagingErrorCode
from retino_core.messaging.models import EmailStatus, OutboundEmail
from retino_core.messaging.render import SYSTEM_TEMPLATES, render_email
from retino_core.messaging.tasks import header_name, send_email


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
    session: Session, *, case: Case, template: str, actor: Actor, runtime_settings: Settings
) -> OutboundEmail | None:
    """Render ``template`` for ``case`` and queue it; at most one e-mail per template and case.

    Returns the stored e-mail (the earlier one if this template was already queued for the case),
    or None when the case has no customer e-mail address. The send job is dispatched only after
    the caller commits; the history row says who caused the e-mail.
    """
    if template not in SYSTEM_TEMPLATES:
        raise MessagingError(MessagingErrorCode.unknown_template, N_("Unknown e-mail template."), template=template)
    if not case.customer_email:
        return None
    key = f"{template}:{case.id}"
    existing = _existing(session, case.account_id, key)
    if existing is not None:
        return existing
    context = case_email_context(session, case=case, settings=runtime_settings)
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
