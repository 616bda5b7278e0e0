import hashlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from retino_core.accounts.actor import Actor
from retino_core.accounts.errors import AccountError
from retino_core.accounts.models import AccountStatus
from retino_core.cases.models import Case, CaseOrigin
from retino_core.deadlines.models import CaseDeadline
from retino_core.deadlines.rules import DeadlineKind
from retino_core.jobs import bind_dispatcher
from retino_core.messaging.models import OutboundEmail
from retino_core.withdrawals.actions import preview_withdrawal, submit_withdrawal
from retino_core.withdrawals.errors import WithdrawalError, WithdrawalErrorCode
from retino_core.withdrawals.models import StatementImmutable, WithdrawalStatement

NOW = datetime(2026, 6, 19, 12, 3, 27, 250000, tzinfo=UTC)
SHOPPER = Actor.customer("petr.dvorak@example.test")


def _payload(order, **overrides):
    payload = {
        "customer_name": "Petr  Dvořák",
        "order_code": order.code,
        "customer_email": "Petr.Dvorak@example.test",
        "language": "cs",
    }
    payload.update(overrides)
    return payload


def _submit(session, shop, nonce="nonce-1", **overrides):
    account, channel, order = shop
    return submit_withdrawal(
        session,
        account=account,
        actor=SHOPPER,
        channel=channel,
        payload=_payload(order, **overrides),
        nonce=nonce,
    )


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


CZECH_STATEMENT = (
    "Odstoupení od smlouvy\n"
    "\n"
    "Tímto odstupuji od kupní smlouvy na níže uvedené zboží.\n"
    "\n"
    "Obchod: Obchod s trička\n"
    "Číslo objednávky: 2026000123\n"
    "Zboží:\n"
    "- 2 × Tričko s potiskem\n"
    "- 1 × Kšiltovka\n"
    "Jméno: Petr Dvořák\n"
    "E-mail: petr.dvorak@example.test\n"
    "Datum a čas odstoupení: 19. června 2026 14:03:27 (UTC+02:00, Europe/Prague)"
)


def test_a_withdrawal_stores_the_case_and_the_exact_statement_with_its_hash(session, shop):
    account, channel, order = shop
    with time_machine.travel(NOW, tick=False):
        statement = _submit(session, shop)
    case = statement.case
    assert statement.statement_text == CZECH_STATEMENT
    assert statement.text_sha256 == hashlib.sha256(CZECH_STATEMENT.encode()).hexdigest()
    assert (statement.submitted_at, case.lodged_at) == (NOW, NOW)
    assert (statement.account_id, statement.case_id, statement.language) == (account.id, case.id, "cs")
    assert (case.case_type.code, case.origin, case.order_id, case.channel_id) == (
        "withdrawal",
        CaseOrigin.storefront,
        order.id,
        channel.id,
    )
    assert [(item.order_item_id, item.quantity) for item in case.items] == [
        (order.items[0].id, 2),
        (order.items[1].id, 1),
    ]
    assert (case.customer_name, case.customer_email, case.language) == (
        "Petr Dvořák",
        "petr.dvorak@example.test",
        "cs",
    )


def test_the_refund_deadline_runs_14_days_from_the_statement_timestamp(session, shop):
    with time_machine.travel(NOW, tick=False):
        statement = _submit(session, shop)
    refund = session.scalar(
        select(CaseDeadline).where(CaseDeadline.case_id == statement.case_id, CaseDeadline.kind == DeadlineKind.refund)
    )
    assert (refund.rule_code, refund.rule_version) == ("eu.withdrawal.refund", 1)
    prague = ZoneInfo("Europe/Prague")
    assert (
        refund.due_at.astimezone(prague).date()
        == (statement.submitted_at + timedelta(days=14)).astimezone(prague).date()
    )
    assert refund.due_at.astimezone(prague).date().isoformat() == "2026-07-03"


def test_the_acknowledgement_is_sent_once_over_smtp_with_the_same_text_and_time(
    session, shop, smtp_runtime, smtp_server
):
    # given
    bind_dispatcher(session, smtp_runtime.dispatcher)
    with time_machine.travel(NOW, tick=False):
        statement = _submit(session, shop)
        # when: the same confirm form arrives again
        again = _submit(session, shop)
    session.commit()
    # then
    assert again.id == statement.id
    assert (_count(session, Case), _count(session, WithdrawalStatement), _count(session, OutboundEmail)) == (1, 1, 1)
    [received] = smtp_server.received
    assert received.recipients == ["petr.dvorak@example.test"]
    message = received.message
    assert message["Subject"] == f"Potvrzení odstoupení od smlouvy {statement.case.number} – Obchod s trička"
    body = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert CZECH_STATEMENT + "\n" in body
    assert "Datum a čas odstoupení: 19. června 2026 14:03:27 (UTC+02:00, Europe/Prague)\n" in body
    assert f"http://shop.example.test/s/{statement.case.access_token}\n" in body
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "19. června 2026 14:03:27 (UTC+02:00, Europe/Prague)" in html
    [email] = session.scalars(select(OutboundEmail)).all()
    assert (email.template, email.idempotency_key) == (
        "withdrawal_received",
        f"withdrawal_received:{statement.case_id}",
    )


def test_a_stored_statement_cannot_be_changed(session, shop):
    statement = _submit(session, shop)
    session.commit()
    statement.statement_text = "I withdraw nothing."
    with pytest.raises(StatementImmutable):
        session.flush()
    session.rollback()
    assert session.get(WithdrawalStatement, statement.id).statement_text.startswith("Odstoupení od smlouvy\n")


def test_the_database_refuses_any_update_and_a_hash_that_does_not_match(session, shop):
    statement = _submit(session, shop)
    session.commit()
    with pytest.raises(DBAPIError, match="withdrawal statements are immutable"):
        session.execute(
            text("UPDATE withdrawal_statements SET submitted_at = submitted_at WHERE id = :id"), {"id": statement.id}
        )
    session.rollback()
    with pytest.raises(DBAPIError, match="ck_withdrawal_statements_sha256_matches_text"):
        session.execute(
            text(
                "INSERT INTO withdrawal_statements (account_id, case_id, submitted_at, language, statement_text,"
                " text_sha256, submission_key) SELECT account_id, id, lodged_at, 'cs', 'forged', :hash, 'k' FROM cases"
                " WHERE id <> :case_id LIMIT 1"
            ),
            {"hash": "0" * 64, "case_id": -1},
        )
    session.rollback()


@pytest.mark.parametrize(
    "overrides",
    [{"order_code": "2026999999"}, {"customer_email": "someone.else@example.test"}, {"order_code": " "}],
)
def test_a_wrong_order_number_or_e_mail_gets_one_answer_and_stores_nothing(session, shop, overrides):
    with pytest.raises(WithdrawalError) as raised:
        _submit(session, shop, **overrides)
    if overrides.get("order_code") == " ":
        assert raised.value.field_errors == {"order_code": ["Enter the order number."]}
        return
    assert (raised.value.code, str(raised.value)) == (
        WithdrawalErrorCode.order_not_found,
        "We cannot find an order with this number and e-mail address. Please check both.",
    )
    assert (_count(session, Case), _count(session, WithdrawalStatement), _count(session, OutboundEmail)) == (0, 0, 0)


def test_the_order_of_another_channel_is_not_found(session, shop, make_channel, make_order):
    account, _, _ = shop
    other = make_order(make_channel(account), code="OTHER-1")
    with pytest.raises(WithdrawalError) as raised:
        _submit(session, shop, order_code=other.code)
    assert raised.value.code is WithdrawalErrorCode.order_not_found


def test_chosen_items_only_and_an_item_of_another_order_is_refused(session, shop, make_order):
    _, channel, order = shop
    foreign = make_order(channel, code="2026000999")
    with pytest.raises(WithdrawalError) as raised:
        _submit(session, shop, order_item_ids=[order.items[0].id, foreign.items[0].id])
    assert (raised.value.code, raised.value.field_errors) == (
        WithdrawalErrorCode.item_not_in_order,
        {"order_item_ids": ["Choose items from the list."]},
    )
    statement = _submit(session, shop, order_item_ids=[str(order.items[1].id)])
    assert [item.order_item_id for item in statement.case.items] == [order.items[1].id]
    assert "- 1 × Kšiltovka\nJméno" in statement.statement_text
    assert "Tričko" not in statement.statement_text
    # Only the T-shirts are left: a second withdrawal of the whole order takes just them, the third finds nothing.
    second = _submit(session, shop, nonce="nonce-2")
    assert [item.order_item_id for item in second.case.items] == [order.items[0].id]
    with pytest.raises(WithdrawalError) as raised:
        _submit(session, shop, nonce="nonce-3")
    assert raised.value.code is WithdrawalErrorCode.nothing_to_withdraw


def test_the_preview_shows_what_is_still_available(session, shop):
    account, channel, order = shop
    _submit(session, shop, order_item_ids=[order.items[1].id])
    preview = preview_withdrawal(session, account=account, actor=SHOPPER, channel=channel, payload=_payload(order))
    assert [(entry.order_item.id, entry.available) for entry in preview.items] == [
        (order.items[0].id, 2),
        (order.items[1].id, 0),
    ]


def test_english_statement_and_a_deactivated_account(session, shop):
    account, _, _ = shop
    with time_machine.travel(NOW, tick=False):
        statement = _submit(session, shop, language="en")
    assert statement.statement_text.splitlines()[-1] == (
        "Date and time of the withdrawal: June 19, 2026 14:03:27 (UTC+02:00, Europe/Prague)"
    )
    account.status = AccountStatus.deactivated
    with pytest.raises(AccountError):
        _submit(session, shop, nonce="other")
