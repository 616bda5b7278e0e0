"""Customer messages into a case: e-mail replies to our thread, and what the shopper writes on the web.

``receive_inbound_email`` is what the mail receiver and the MTA pipe call with the raw bytes of
one message. Anyone can send mail, so a reply is stored only when:

- its In-Reply-To or References names the Message-ID of an e-mail we sent about a case (the
  case, and with it the account, come from that e-mail and from nothing else in the message);
- its From address is the case's customer address or the address that e-mail went to
  (case-insensitive);
- it is not an automatic reply, and the case's account is not deactivated.

Replies to closed cases are stored too (the history row says the case was closed). A
redelivered message (same Message-ID in the same account) stores nothing new and is reported
as a duplicate. The From header can be forged by whoever knows a thread's Message-ID; checking
SPF/DKIM is the job of the MTA in front of the receiver.

``record_customer_message`` stores one message for either source; the storefront status page
calls it with the customer actor. This lives apart from ``actions.py`` because it uses the case
actions (attachments), which themselves import ``actions.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actor import Actor, ActorKind
from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.models import Account
from retino_core.accounts.permissions import Permission
from retino_core.cases.actions import add_attachment
from retino_core.cases.attachments import MAX_ATTACHMENTS_PER_CASE, check_attachment
from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.cases.history import customer_message_received_entry
from retino_core.cases.models import Case, CaseAttachment
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.messaging.errors import MessagingError, MessagingErrorCode
from retino_core.messaging.inbound import (
    InboundAttachment,
    InboundRefusal,
    InboundRefused,
    InboundResult,
    InboundStatus,
    parse_inbound_email,
)
from retino_core.messaging.models import InboundMessage, InboundSource, OutboundEmail
from retino_core.messaging.schemas import InboundMessageSchema
from retino_core.messaging.tasks import header_name
from retino_core.storage import FileStorage
from retino_core.validation import load_or_raise


def receive_inbound_email(session: Session, *, raw: bytes, storage: FileStorage) -> InboundResult:
    """Store one e-mail reply in its case, or say why not; refusals and duplicates write nothing.

    Runs as the system on behalf of the sender; the history row names the customer's address.
    The caller commits once (the receiver's unit of work); an exception means nothing is stored
    and the sender should retry later.
    """
    try:
        parsed = parse_inbound_email(raw)
    except InboundRefused as refused:
        return InboundResult(status=InboundStatus.refused, refusal=refused.refusal)
    if parsed.is_auto_reply:
        return InboundResult(status=InboundStatus.refused, refusal=InboundRefusal.auto_reply)
    answered = _answered_email(session, parsed.thread_ids)
    case = Case.get_for_account(session, answered.case_id or 0, answered.account_id) if answered else None
    if answered is None or case is None:
        return InboundResult(status=InboundStatus.refused, refusal=InboundRefusal.unknown_thread)
    if parsed.from_address not in {case.customer_email.lower(), answered.to_address.lower()} - {""}:
        return InboundResult(status=InboundStatus.refused, refusal=InboundRefusal.sender_mismatch)
    account = session.get(Account, case.account_id)
    if account is None or not account.is_active:
        return InboundResult(status=InboundStatus.refused, refusal=InboundRefusal.account_deactivated)
    existing = _stored(session, account.id, parsed.message_id)
    if existing is not None:
        return _duplicate(session, existing)
    try:
        message, skipped = _record(
            session,
            account=account,
            actor=Actor.customer(parsed.from_address),
            case=case,
            storage=storage,
            subject=parsed.subject,
            body=parsed.body_text,
            attachments=parsed.attachments,
            source=InboundSource.email,
            from_address=parsed.from_address,
            from_name=parsed.from_name,
            message_id=parsed.message_id,
            in_reply_to_email_id=answered.id,
            skipped_attachments=parsed.skipped_attachments,
            is_body_truncated=parsed.is_body_truncated,
        )
    except MessagingError as error:
        concurrent = _stored(session, account.id, parsed.message_id)
        if error.code is not MessagingErrorCode.duplicate_message or concurrent is None:
            raise
        return _duplicate(session, concurrent)
    return InboundResult(
        status=InboundStatus.stored,
        message_id=message.id,
        case_id=case.id,
        case_number=case.number,
        skipped_attachments=tuple(skipped),
    )


def _answered_email(session: Session, thread_ids: Sequence[str]) -> OutboundEmail | None:
    """Our case e-mail named first in ``thread_ids`` (In-Reply-To before References).

    The only lookup without an account: Message-IDs are unique across accounts, and the account
    is then taken from the e-mail found, never from the message.
    """
    if not thread_ids:
        return None
    found = {
        email.message_id: email
        for email in session.scalars(
            select(OutboundEmail).where(OutboundEmail.message_id.in_(thread_ids), OutboundEmail.case_id.is_not(None))
        )
    }
    return next((found[thread_id] for thread_id in thread_ids if thread_id in found), None)


def _stored(session: Session, account_id: int, message_id: str) -> InboundMessage | None:
    return session.scalar(InboundMessage.select_for_account(account_id).where(InboundMessage.message_id == message_id))


def _duplicate(session: Session, message: InboundMessage) -> InboundResult:
    """The earlier message with this Message-ID, in whichever of the account's cases it was stored."""
    case = Case.get_for_account(session, message.case_id, message.account_id)
    return InboundResult(
        status=InboundStatus.duplicate,
        message_id=message.id,
        case_id=message.case_id,
        case_number=case.number if case else "",
    )


def record_customer_message(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    case: Case,
    storage: FileStorage,
    body: str,
    subject: str = "",
    attachments: Sequence[InboundAttachment] = (),
    source: InboundSource = InboundSource.portal,
    from_address: str = "",
    from_name: str = "",
    message_id: str | None = None,
    in_reply_to_email_id: int | None = None,
    skipped_attachments: Sequence[str] = (),
    is_body_truncated: bool = False,
) -> InboundMessage:
    """Store a message from the case's customer with its photos and PDFs, unread, as the latest activity.

    Only the customer, or the system or a platform relaying them, writes one: a member is refused
    (members write to the customer with ``send_customer_message``). A deactivated account is
    refused. From the status page (``source=portal``) the input is validated (a body of at most
    10,000 characters unless files come with it) and a file that is not a photo or PDF, is too
    large, or does not fit the case's limit refuses the whole message with nothing stored. From
    e-mail such files are skipped instead, and their names kept in the history row with
    ``skipped_attachments``. The sender defaults to the case's customer. A second message with the
    same ``message_id`` in the account raises ``duplicate_message`` (conflict), leaving the first.
    """
    message, _ = _record(
        session,
        account=account,
        actor=actor,
        case=case,
        storage=storage,
        body=body,
        subject=subject,
        attachments=attachments,
        source=source,
        from_address=from_address,
        from_name=from_name,
        message_id=message_id,
        in_reply_to_email_id=in_reply_to_email_id,
        skipped_attachments=skipped_attachments,
        is_body_truncated=is_body_truncated,
    )
    return message


def _record(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    case: Case,
    storage: FileStorage,
    body: str,
    subject: str,
    attachments: Sequence[InboundAttachment],
    source: InboundSource,
    from_address: str,
    from_name: str,
    message_id: str | None,
    in_reply_to_email_id: int | None,
    skipped_attachments: Sequence[str],
    is_body_truncated: bool,
) -> tuple[InboundMessage, list[str]]:
    """``record_customer_message``, also returning the names of the files not kept."""
    if case.account_id != account.id:
        raise CaseError(CaseErrorCode.case_not_found, N_("This case does not exist."), kind=ErrorKind.not_found)
    if actor.kind is ActorKind.user:
        raise MessagingError(
            MessagingErrorCode.not_the_customer,
            N_("Only the customer can write a customer message."),
            kind=ErrorKind.forbidden,
        )
    actor.require(Permission.case_view)
    if attachments:
        actor.require(Permission.case_attach)
    if not account.is_active:
        raise AccountError(
            AccountErrorCode.account_deactivated, N_("This account is deactivated."), kind=ErrorKind.forbidden
        )
    if source is InboundSource.portal:
        data = load_or_raise(
            InboundMessageSchema(),
            {"subject": subject, "body": body, "has_attachments": bool(attachments)},
            error_class=CaseError,
            code=CaseErrorCode.invalid_input,
        )
        subject, body = data["subject"], data["body"].replace("\r\n", "\n").strip("\n")
    accepted, refused = _screen_attachments(session, case, attachments)
    if refused and source is InboundSource.portal:
        raise refused[0][1]
    message = InboundMessage(
        account_id=account.id,
        case_id=case.id,
        source=source,
        from_address=(from_address or case.customer_email).strip().lower()[:254],
        from_name=header_name(from_name or case.customer_name)[:200],
        subject=header_name(subject)[:400],
        body_text=body,
        message_id=message_id,
        in_reply_to_email_id=in_reply_to_email_id,
        received_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        raise MessagingError(
            MessagingErrorCode.duplicate_message,
            N_("This message is already stored."),
            kind=ErrorKind.conflict,
        ) from None
    attachment_ids = []
    for attachment in accepted:
        stored = add_attachment(
            session,
            account=account,
            actor=actor,
            case=case,
            storage=storage,
            filename=attachment.filename,
            data=attachment.data,
        )
        stored.inbound_message_id = message.id
        attachment_ids.append(stored.id)
    skipped = [*skipped_attachments, *(attachment.filename for attachment, _ in refused)]
    customer_message_received_entry(
        session,
        case=case,
        actor=actor,
        message_id=message.id,
        source=source.value,
        attachment_ids=attachment_ids,
        skipped_attachments=skipped,
        is_body_truncated=is_body_truncated,
    )
    case.updated_at = clock.now()
    session.flush()
    return message, skipped


def _screen_attachments(
    session: Session, case: Case, attachments: Sequence[InboundAttachment]
) -> tuple[list[InboundAttachment], list[tuple[InboundAttachment, CaseError]]]:
    """Split files into those ``add_attachment`` will take and those it would refuse, with why."""
    room = MAX_ATTACHMENTS_PER_CASE - (
        session.scalar(select(func.count()).select_from(CaseAttachment).where(CaseAttachment.case_id == case.id)) or 0
    )
    accepted: list[InboundAttachment] = []
    refused: list[tuple[InboundAttachment, CaseError]] = []
    for attachment in attachments:
        try:
            check_attachment(attachment.data)
        except CaseError as error:
            refused.append((attachment, error))
            continue
        if len(accepted) >= room:
            refused.append(
                (
                    attachment,
                    CaseError(
                        CaseErrorCode.too_many_attachments,
                        N_("A case can have at most %(limit)s files."),
                        kind=ErrorKind.conflict,
                        limit=MAX_ATTACHMENTS_PER_CASE,
                    ),
                )
            )
        else:
            accepted.append(attachment)
    return accepted, refused


def mark_customer_messages_read(session: Session, *, account: Account, actor: Actor, case: Case) -> list[int]:
    """Mark the case's unread customer messages read by ``actor``; returns the ids it marked.

    Needs ``case_view``. Only a member who can answer the customer (``case_note``) clears the
    unread mark: it is the team's "someone must reply" signal, so a viewer opening the case
    leaves it for the people who can act on it. A deactivated account is read-only, so nothing
    changes there either. Reading is not activity: the case's "last activity" stays.
    """
    if case.account_id != account.id:
        raise CaseError(CaseErrorCode.case_not_found, N_("This case does not exist."), kind=ErrorKind.not_found)
    actor.require(Permission.case_view)
    if not account.is_active or actor.kind is not ActorKind.user or not actor.can(Permission.case_note):
        return []
    unread = list(
        session.scalars(
            InboundMessage.select_for_account(account.id)
            .where(InboundMessage.case_id == case.id, InboundMessage.read_at.is_(None))
            .order_by(InboundMessage.id)
        )
    )
    read_at = clock.now()
    for message in unread:
        message.read_at = read_at
        message.read_by_id = actor.user_id
    session.flush()
    return [message.id for message in unread]
