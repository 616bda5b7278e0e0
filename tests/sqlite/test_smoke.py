"""The embedded default works end to end on SQLite: cases, numbering, upserts, mail queued, the demo."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from retino_core.accounts.permissions import Role
from retino_core.cases.actions import close_case, decide_item, open_case, receive_item, transition_case
from retino_core.cases.errors import CaseError
from retino_core.cases.models import Case, CaseOrigin
from retino_core.cases.queries import CaseFilter, list_cases
from retino_core.deadlines.models import CaseDeadline
from retino_core.messaging.models import OutboundEmail

pytestmark = pytest.mark.sqlite


def test_runs_on_sqlite(engine):
    assert engine.dialect.name == "sqlite"


def test_a_complaint_lifecycle(session, make_account, make_member, make_channel, make_order):
    account = make_account()
    _, actor = make_member(account, Role.owner)
    order = make_order(make_channel(account))
    payload = {
        "case_type": "complaint",
        "order_id": order.id,
        "items": [{"order_item_id": order.items[0].id, "quantity": "2"}],
    }
    case = open_case(session, account=account, actor=actor, payload=payload, origin=CaseOrigin.storefront)
    second = open_case(
        session,
        account=account,
        actor=actor,
        payload={**payload, "items": [{"order_item_id": order.items[1].id, "quantity": "1"}]},
        origin=CaseOrigin.agent,
    )
    assert (case.number, second.number) == ("R00001", "R00002")
    with pytest.raises(CaseError):
        open_case(session, account=account, actor=actor, payload=payload, origin=CaseOrigin.agent)
    item = case.items[0]
    receive_item(session, account=account, actor=actor, case=case, item_id=item.id, state="received")
    transition_case(session, account=account, actor=actor, case=case, to_status="in_review")
    decide_item(
        session, account=account, actor=actor, case=case, item_id=item.id, decision="accepted", resolution="replace"
    )
    close_case(session, account=account, actor=actor, case=case, status="replaced")
    session.commit()
    assert item.quantity == Decimal("2")
    assert session.scalar(select(func.count()).select_from(CaseDeadline).where(CaseDeadline.met_at.is_not(None))) == 1
    assert sorted(session.scalars(select(OutboundEmail.template)).all()) == [
        "case_closed",
        "case_created",
        "case_created",
    ]
    assert list_cases(session, account_id=account.id, case_filter=CaseFilter(search="dvořák")) == [second, case]


def test_the_demo_loads_on_sqlite(session_factory, settings):
    from marketplace_app.demo import build_demo
    from retino_core import clock
    from retino_core.accounts.credentials import CredentialCipher
    from retino_core.case_types.models import CaseStatus
    from retino_core.deadlines.queries import overdue_deadlines

    with session_factory() as session:
        account = build_demo(session, CredentialCipher(settings.secret_key))
        session.commit()
        used_statuses = session.scalar(select(func.count(func.distinct(Case.status_id))))
        all_statuses = session.scalar(select(func.count()).select_from(CaseStatus))
        overdue = overdue_deadlines(session, account_id=account.id, now=clock.now())
        cases = session.scalar(select(func.count()).select_from(Case))
    assert used_statuses == all_statuses == 30
    assert cases == 44
    assert len(overdue) > 0


def test_embedded_mode_sends_mail_in_process_after_commit(settings, engine, make_account):
    """No Redis: jobs run right after commit and the e-mails land in the folder outbox.

    Two cases in one transaction: the second e-mail's savepoint must not dispatch the first
    e-mail before the real commit (it would wait on SQLite's write lock).
    """
    from retino_core.accounts.actor import Actor
    from retino_core.jobs.models import OutboxJob, OutboxStatus
    from retino_core.messaging.mailer import list_folder_messages
    from retino_core.runtime import build_runtime

    with build_runtime(settings, engine=engine) as runtime:
        with runtime.unit_of_work() as session:
            account = _account(session)
            numbers = [
                open_case(
                    session,
                    account=account,
                    actor=Actor.customer("zuzana@example.test"),
                    payload={
                        "case_type": case_type,
                        "customer_name": "Zuzana Řeháková",
                        "customer_email": "zuzana@example.test",
                        "items": [{"name": "Šála", "quantity": "1"}],
                    },
                    origin=CaseOrigin.storefront,
                ).number
                for case_type in ("withdrawal", "return")
            ]
        with runtime.unit_of_work() as session:
            statuses = session.scalars(select(OutboxJob.status)).all()
            emails = session.scalars(select(OutboundEmail.status)).all()
        messages = list_folder_messages(settings.resolved_storage_folder / "outbox")
    assert statuses == [OutboxStatus.done, OutboxStatus.done]
    assert [status.value for status in emails] == ["sent", "sent"]
    assert sorted(number for number in numbers for message in messages if number in message.subject) == [
        "O00001",
        "V00001",
    ]


def _account(session):
    from retino_core.accounts.actions import create_account

    return create_account(session, payload={"name": "Šátkárna", "slug": "satkarna", "country": "CZ"})
