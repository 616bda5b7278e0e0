"""Read helpers for customer messages; every query is filtered by account first."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from retino_core.cases.models import CaseAttachment
from retino_core.messaging.models import InboundMessage


def unread_message_counts(session: Session, account_id: int, case_ids: Sequence[int]) -> dict[int, int]:
    """For each case that has any, how many customer messages nobody has read (one query for a page)."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(InboundMessage.case_id, func.count())
        .where(
            InboundMessage.account_id == account_id,
            InboundMessage.case_id.in_(case_ids),
            InboundMessage.read_at.is_(None),
        )
        .group_by(InboundMessage.case_id)
    ).all()
    return {case_id: count for case_id, count in rows}


def messages_of_case(session: Session, *, account_id: int, case_id: int) -> list[InboundMessage]:
    return list(
        session.scalars(
            InboundMessage.select_for_account(account_id)
            .where(InboundMessage.case_id == case_id)
            .order_by(InboundMessage.id)
        )
    )


def attachments_by_message(session: Session, *, account_id: int, case_id: int) -> dict[int, list[CaseAttachment]]:
    """The case's files that came with a customer message, grouped by that message's id."""
    grouped: dict[int, list[CaseAttachment]] = {}
    for attachment in session.scalars(
        CaseAttachment.select_for_account(account_id)
        .where(CaseAttachment.case_id == case_id, CaseAttachment.inbound_message_id.is_not(None))
        .order_by(CaseAttachment.id)
    ):
        grouped.setdefault(attachment.inbound_message_id or 0, []).append(attachment)
    return grouped
