"""What opening and closing a case sets in motion: deadlines, the two system e-mails and their jobs."""

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from retino_core.cases.actions import close_case, open_case, transition_case
from retino_core.cases.models import CaseOrigin
from retino_core.deadlines.models import CaseDeadline
from retino_core.deadlines.rules import DeadlineKind
from retino_core.jobs.models import OutboxJob, OutboxStatus
from retino_core.messaging.models import OutboundEmail

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _open(session, shop, *, case_type="complaint", notify=True, **extra):
    account, _, actor, _, order = shop
    payload = {
        "case_type": case_type,
        "order_id": order.id,
        "items": [{"order_item_id": order.items[0].id, "quantity": "1"}],
        "notify_customer": notify,
        **extra,
    }
    return open_case(session, account=account, actor=actor, payload=payload, origin=CaseOrigin.storefront)


def _deadlines(session, case):
    rows = session.scalars(select(CaseDeadline).where(CaseDeadline.case_id == case.id)).all()
    return {row.kind: row for row in rows}


def test_opening_a_czech_complaint_starts_the_30_day_clock_and_queues_the_created_email(session, shop):
    with time_machine.travel(NOW, tick=False):
        case = _open(session, shop)
    deadlines = _deadlines(session, case)
    assert set(deadlines) == {DeadlineKind.resolve}
    assert deadlines[DeadlineKind.resolve].rule_code == "cz.complaint.resolve"
    assert deadlines[DeadlineKind.resolve].due_at == datetime(2026, 12, 23, 22, 59, 59, tzinfo=UTC)
    [email] = session.scalars(select(OutboundEmail)).all()
    assert (email.template, email.to_address, email.language) == ("case_created", "petr.dvorak@example.test", "cs")
    assert case.number in email.subject
    [job] = session.scalars(select(OutboxJob)).all()
    assert (job.job_name, job.args, job.status) == (
        "retino_core.messaging.tasks.send_email",
        [email.id],
        OutboxStatus.pending,
    )
    assert [h.kind for h in case.history] == ["case_opened", "email_queued"]


def test_no_email_when_the_agent_says_so(session, shop):
    _open(session, shop, notify=False)
    assert session.scalar(select(func.count()).select_from(OutboundEmail)) == 0
    assert session.scalar(select(func.count()).select_from(OutboxJob)) == 0


def test_return_policy_window_is_met_at_lodging(session, shop):
    _, _, _, _, order = shop
    case = _open(session, shop, case_type="return", notify=False)
    window = _deadlines(session, case)[DeadlineKind.policy_window]
    assert window.due_at.date() == (order.delivered_at + timedelta(days=30)).date()
    assert window.met_at == case.lodged_at


def test_closing_meets_the_resolution_deadline_and_queues_the_rating_email(session, shop):
    account, _, actor, _, _ = shop
    case = _open(session, shop, notify=False)
    transition_case(session, account=account, actor=actor, case=case, to_status="in_review")
    assert _deadlines(session, case)[DeadlineKind.resolve].met_at is None
    close_case(session, account=account, actor=actor, case=case, status="repaired")
    assert _deadlines(session, case)[DeadlineKind.resolve].met_at == case.closed_at
    [email] = session.scalars(select(OutboundEmail)).all()
    assert email.template == "case_closed"
    assert "/rate" in email.body_text


def test_cancelling_sends_no_rating_email_and_closing_twice_sends_one(session, shop):
    account, _, actor, _, _ = shop
    cancelled = _open(session, shop, notify=False)
    close_case(session, account=account, actor=actor, case=cancelled, status="cancelled")
    assert session.scalar(select(func.count()).select_from(OutboundEmail)) == 0
    case = _open(session, shop, notify=False)
    close_case(session, account=account, actor=actor, case=case, status="rejected")
    transition_case(session, account=account, actor=actor, case=case, to_status="in_review")
    close_case(session, account=account, actor=actor, case=case, status="repaired")
    assert session.scalar(select(func.count()).select_from(OutboundEmail)) == 1


def test_backdated_lodging_makes_an_old_complaint_overdue(session, shop):
    from retino_core.deadlines.queries import overdue_deadlines

    account, _, _, _, _ = shop
    with time_machine.travel(NOW, tick=False):
        case = _open(session, shop, notify=False, lodged_at=(NOW - timedelta(days=40)).isoformat())
        overdue = overdue_deadlines(session, account_id=account.id, now=NOW)
    assert [(d.case_id, d.kind) for d in overdue] == [(case.id, DeadlineKind.resolve)]


def test_a_customer_cannot_backdate(session, shop):
    from retino_core.accounts.actor import Actor

    account, _, _, _, order = shop
    with time_machine.travel(NOW, tick=False):
        case = open_case(
            session,
            account=account,
            actor=Actor.customer(order.customer_email),
            payload={
                "case_type": "return",
                "order_id": order.id,
                "items": [{"order_item_id": order.items[0].id, "quantity": "1"}],
                "notify_customer": False,
                "lodged_at": "2026-01-01T00:00:00+00:00",
            },
            origin=CaseOrigin.storefront,
        )
    assert case.lodged_at == NOW
