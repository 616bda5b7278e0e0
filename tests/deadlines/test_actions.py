from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.permissions import Role
from retino_core.deadlines.actions import attach_deadlines, extend_deadline, mark_deadline_met
from retino_core.deadlines.errors import DeadlineError, DeadlineErrorCode
from retino_core.deadlines.models import CaseDeadline
from retino_core.deadlines.rules import Consequence, DeadlineKind
from retino_core.errors import ErrorKind

# A Monday; 10:00 in Prague.
NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
APR_09 = datetime(2025, 4, 9, 21, 59, 59, tzinfo=UTC)
MAR_24 = datetime(2025, 3, 24, 22, 59, 59, tzinfo=UTC)


def _rows(deadlines):
    return [(d.kind, d.due_at, d.rule_code, d.rule_version, d.consequence, d.is_extendable) for d in deadlines]


def test_attach_stores_the_czech_complaint_deadline(session, make_account, make_case_row):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="CZ")
        case = make_case_row(account, "complaint")
        # when
        deadlines = attach_deadlines(session, case=case)
    # then
    assert _rows(deadlines) == [
        (DeadlineKind.resolve, APR_09, "cz.complaint.resolve", 2, Consequence.consumer_may_withdraw, True)
    ]
    assert [(d.account_id, d.case_id, d.computed_due_at, d.met_at) for d in deadlines] == [
        (account.id, case.id, APR_09, None)
    ]


def test_attach_stores_both_hungarian_complaint_deadlines(session, make_account, make_case_row):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="HU", default_language="hu", default_currency="HUF")
        case = make_case_row(account, "complaint")
        # when
        deadlines = attach_deadlines(session, case=case)
    # then
    assert _rows(deadlines) == [
        (
            DeadlineKind.first_response,
            datetime(2025, 3, 17, 22, 59, 59, tzinfo=UTC),
            "hu.complaint.first_response",
            1,
            Consequence.none,
            False,
        ),
        (DeadlineKind.resolve, APR_09, "hu.complaint.resolve", 1, Consequence.none, False),
    ]


def test_attach_uses_the_accounts_reasonable_period_in_germany(session, make_account, make_case_row):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="DE", default_language="de", default_currency="EUR")
        account.reasonable_period_days = 21
        case = make_case_row(account, "complaint")
        # when
        deadlines = attach_deadlines(session, case=case)
    # then
    assert [(d.kind, d.due_at, d.source) for d in deadlines] == [
        (
            DeadlineKind.resolve,
            datetime(2025, 3, 31, 21, 59, 59, tzinfo=UTC),
            "BGB § 475(5): cure within a reasonable period (the merchant's reasonable period: 21 days)",
        )
    ]


def test_attach_takes_the_withdrawal_window_from_the_orders_delivery(
    session, make_account, make_channel, make_order, make_case_row
):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="PL", default_language="pl", default_currency="PLN")
        order = make_order(make_channel(account), delivered_at=datetime(2025, 3, 1, 12, 0, tzinfo=UTC))
        case = make_case_row(account, "withdrawal", order_id=order.id)
        # when
        deadlines = attach_deadlines(session, case=case)
    # then
    assert _rows(deadlines) == [
        (
            DeadlineKind.withdrawal_window,
            datetime(2025, 3, 15, 22, 59, 59, tzinfo=UTC),
            "eu.withdrawal.withdrawal_window",
            1,
            Consequence.window_closes,
            False,
        ),
        (DeadlineKind.refund, MAR_24, "eu.withdrawal.refund", 1, Consequence.none, True),
    ]


def test_attach_adds_the_merchants_windows_from_the_case_type(
    session, make_account, make_channel, make_order, make_case_row
):
    # given: "missing_item" accepts cases 14 days after delivery and aims to handle them in 5
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="CZ")
        order = make_order(make_channel(account), delivered_at=datetime(2025, 3, 3, 12, 0, tzinfo=UTC))
        case = make_case_row(account, "missing_item", order_id=order.id)
        # when
        deadlines = attach_deadlines(session, case=case)
    # then
    assert _rows(deadlines) == [
        (
            DeadlineKind.handling_target,
            datetime(2025, 3, 15, 22, 59, 59, tzinfo=UTC),
            "merchant.handling_target",
            1,
            Consequence.none,
            True,
        ),
        (
            DeadlineKind.policy_window,
            datetime(2025, 3, 17, 22, 59, 59, tzinfo=UTC),
            "merchant.policy_window",
            1,
            Consequence.window_closes,
            True,
        ),
    ]


def test_attach_twice_does_not_duplicate_rows(session, make_account, make_case_row):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="CZ")
        case = make_case_row(account, "complaint")
        first = attach_deadlines(session, case=case)
        # when
        second = attach_deadlines(session, case=case)
    # then
    assert [d.id for d in second] == [d.id for d in first]
    assert session.scalar(select(func.count()).select_from(CaseDeadline)) == 1


def test_attach_again_adds_the_window_once_the_delivery_is_known_and_keeps_the_refund(
    session, make_account, make_channel, make_order, make_case_row
):
    # given: a withdrawal lodged before the order was linked
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="CZ")
        case = make_case_row(account, "withdrawal")
        [refund] = attach_deadlines(session, case=case)
        case.order = make_order(make_channel(account), delivered_at=datetime(2025, 3, 1, 12, 0, tzinfo=UTC))
        session.flush()
    # when
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        deadlines = attach_deadlines(session, case=case)
    # then
    assert [(d.kind, d.due_at) for d in deadlines] == [
        (DeadlineKind.withdrawal_window, datetime(2025, 3, 15, 22, 59, 59, tzinfo=UTC)),
        (DeadlineKind.refund, MAR_24),
    ]
    assert deadlines[1].id == refund.id


def test_case_lodged_before_a_rule_change_keeps_the_old_version(session, make_account, make_case_row):
    # given: lodged on 30 June 2024, attached on 2 July, after the new Slovak act applies
    account = make_account(country="SK", default_language="sk", default_currency="EUR")
    case = make_case_row(account, "complaint", lodged_at=datetime(2024, 6, 30, 10, 0, tzinfo=UTC))
    # when
    with time_machine.travel(datetime(2024, 7, 2, 8, 0, tzinfo=UTC), tick=False):
        deadlines = attach_deadlines(session, case=case)
    # then
    assert [(d.rule_code, d.rule_version, d.due_at) for d in deadlines] == [
        ("sk.complaint.resolve", 1, datetime(2024, 7, 30, 21, 59, 59, tzinfo=UTC))
    ]


def test_extension_is_refused_for_a_slovak_complaint(session, make_account, make_member, make_case_row):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="SK", default_language="sk", default_currency="EUR")
        _, actor = make_member(account)
        case = make_case_row(account, "complaint")
        [deadline] = attach_deadlines(session, case=case)
        # when
        with pytest.raises(DeadlineError) as caught:
            extend_deadline(
                session, case=case, kind=DeadlineKind.resolve, new_due_at=APR_09 + timedelta(days=10), actor=actor
            )
    # then
    assert (caught.value.code, caught.value.kind) == (DeadlineErrorCode.deadline_not_extendable, ErrorKind.conflict)
    assert caught.value.render() == "The sk.complaint.resolve deadline cannot be extended."
    session.refresh(deadline)
    assert (deadline.due_at, deadline.extended_at, deadline.extended_by) == (APR_09, None, "")


def test_extension_moves_an_extendable_deadline_and_keeps_the_computed_date(
    session, make_account, make_member, make_case_row
):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="CZ")
        _, actor = make_member(account, full_name="Eva Svobodová")
        case = make_case_row(account, "complaint")
        attach_deadlines(session, case=case)
    new_due_at = APR_09 + timedelta(days=15)
    # when
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        deadline = extend_deadline(session, case=case, kind=DeadlineKind.resolve, new_due_at=new_due_at, actor=actor)
    # then
    session.expire_all()
    stored = session.get(CaseDeadline, deadline.id)
    assert (stored.due_at, stored.computed_due_at, stored.extended_at, stored.extended_by) == (
        new_due_at,
        APR_09,
        NOW + timedelta(days=2),
        "Eva Svobodová",
    )


@pytest.mark.parametrize("shift", [timedelta(days=-1), timedelta(0)])
def test_extension_to_an_earlier_or_the_same_date_is_refused(session, make_account, make_member, make_case_row, shift):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="CZ")
        _, actor = make_member(account)
        case = make_case_row(account, "complaint")
        [deadline] = attach_deadlines(session, case=case)
        # when
        with pytest.raises(DeadlineError) as caught:
            extend_deadline(session, case=case, kind=DeadlineKind.resolve, new_due_at=APR_09 + shift, actor=actor)
    # then
    assert (caught.value.code, caught.value.kind) == (DeadlineErrorCode.extension_not_later, ErrorKind.conflict)
    assert deadline.due_at == APR_09


def test_extension_of_a_met_deadline_is_refused(session, make_account, make_member, make_case_row):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="CZ")
        _, actor = make_member(account)
        case = make_case_row(account, "complaint")
        attach_deadlines(session, case=case)
        mark_deadline_met(session, case=case, kind=DeadlineKind.resolve)
        # when
        with pytest.raises(DeadlineError) as caught:
            extend_deadline(
                session, case=case, kind=DeadlineKind.resolve, new_due_at=APR_09 + timedelta(days=1), actor=actor
            )
    # then
    assert caught.value.code is DeadlineErrorCode.deadline_already_met


def test_viewer_may_not_extend_a_deadline(session, make_account, make_member, make_case_row):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="CZ")
        _, viewer = make_member(account, role=Role.viewer)
        case = make_case_row(account, "complaint")
        [deadline] = attach_deadlines(session, case=case)
        # when
        with pytest.raises(AccountError) as caught:
            extend_deadline(
                session, case=case, kind=DeadlineKind.resolve, new_due_at=APR_09 + timedelta(days=1), actor=viewer
            )
    # then
    assert caught.value.code is AccountErrorCode.permission_denied
    assert (deadline.due_at, deadline.extended_by) == (APR_09, "")


def test_mark_met_records_now_and_keeps_the_first_time(session, make_account, make_case_row):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="CZ")
        case = make_case_row(account, "complaint")
        attach_deadlines(session, case=case)
    # when
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        first = mark_deadline_met(session, case=case, kind=DeadlineKind.resolve)
    second = mark_deadline_met(session, case=case, kind=DeadlineKind.resolve, at=NOW + timedelta(days=9))
    # then
    assert first.met_at == NOW + timedelta(days=4)
    assert second.met_at == NOW + timedelta(days=4)


def test_mark_met_takes_an_explicit_time(session, make_account, make_case_row):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="CZ")
        case = make_case_row(account, "complaint")
        attach_deadlines(session, case=case)
    # when
    deadline = mark_deadline_met(session, case=case, kind=DeadlineKind.resolve, at=NOW + timedelta(hours=5))
    # then
    assert deadline.met_at == datetime(2025, 3, 10, 14, 0, tzinfo=UTC)


def test_mark_met_of_a_missing_deadline_is_not_found(session, make_account, make_case_row):
    # given: Czech complaints have no first-response deadline
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="CZ")
        case = make_case_row(account, "complaint")
        attach_deadlines(session, case=case)
        # when
        with pytest.raises(DeadlineError) as caught:
            mark_deadline_met(session, case=case, kind=DeadlineKind.first_response)
    # then
    assert (caught.value.code, caught.value.kind) == (DeadlineErrorCode.deadline_not_found, ErrorKind.not_found)
    assert caught.value.render() == "The case has no first_response deadline."
