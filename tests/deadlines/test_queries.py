from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from retino_core.deadlines.actions import attach_deadlines, mark_deadline_met
from retino_core.deadlines.models import CaseDeadline
from retino_core.deadlines.queries import deadlines_due_soon, deadlines_for_case, overdue_deadlines
from retino_core.deadlines.rules import DeadlineKind

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
#: A Czech complaint lodged then is due at the end of 3 March: a week overdue at NOW.
LONG_AGO = datetime(2025, 2, 1, 10, 0, tzinfo=UTC)
#: ... lodged then is due at the end of 14 March: within a week of NOW.
RECENTLY = datetime(2025, 2, 12, 10, 0, tzinfo=UTC)


def _complaint(session, make_case_row, account, lodged_at, **overrides):
    case = make_case_row(account, "complaint", lodged_at=lodged_at, **overrides)
    attach_deadlines(session, case=case)
    return case


def test_overdue_lists_unmet_deadlines_of_open_cases_of_the_account_only(session, make_account, make_case_row):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="CZ")
        other_account = make_account(country="CZ")
        overdue = _complaint(session, make_case_row, account, LONG_AGO)
        _complaint(session, make_case_row, account, RECENTLY)
        _complaint(session, make_case_row, account, NOW)
        _complaint(session, make_case_row, account, LONG_AGO, closed_at=NOW - timedelta(days=1))
        met = _complaint(session, make_case_row, account, LONG_AGO)
        mark_deadline_met(session, case=met, kind=DeadlineKind.resolve, at=NOW - timedelta(days=8))
        other = _complaint(session, make_case_row, other_account, LONG_AGO)
    # when
    mine = overdue_deadlines(session, account_id=account.id, now=NOW)
    theirs = overdue_deadlines(session, account_id=other_account.id, now=NOW)
    # then
    assert [(d.case_id, d.kind, d.due_at) for d in mine] == [
        (overdue.id, DeadlineKind.resolve, datetime(2025, 3, 3, 22, 59, 59, tzinfo=UTC))
    ]
    assert [d.case.number for d in mine] == [overdue.number]
    assert [(d.account_id, d.case_id) for d in theirs] == [(other_account.id, other.id)]


def test_due_soon_lists_deadlines_running_out_within_the_window(session, make_account, make_case_row):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="CZ")
        other_account = make_account(country="CZ")
        _complaint(session, make_case_row, account, LONG_AGO)
        soon = _complaint(session, make_case_row, account, RECENTLY)
        _complaint(session, make_case_row, account, NOW)
        _complaint(session, make_case_row, account, RECENTLY, closed_at=NOW)
        _complaint(session, make_case_row, other_account, RECENTLY)
    # when
    within_week = deadlines_due_soon(session, account_id=account.id, now=NOW, within=timedelta(days=7))
    within_day = deadlines_due_soon(session, account_id=account.id, now=NOW, within=timedelta(days=1))
    # then
    assert [(d.case_id, d.kind, d.due_at) for d in within_week] == [
        (soon.id, DeadlineKind.resolve, datetime(2025, 3, 14, 22, 59, 59, tzinfo=UTC))
    ]
    assert within_day == []


def test_deadline_at_its_last_second_is_due_soon_not_overdue(session, make_account, make_case_row):
    # given
    due_at = datetime(2025, 3, 14, 22, 59, 59, tzinfo=UTC)
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="CZ")
        case = _complaint(session, make_case_row, account, RECENTLY)
    # when
    overdue = overdue_deadlines(session, account_id=account.id, now=due_at)
    due_soon = deadlines_due_soon(session, account_id=account.id, now=due_at, within=timedelta(hours=1))
    overdue_after = overdue_deadlines(session, account_id=account.id, now=due_at + timedelta(seconds=1))
    # then
    assert overdue == []
    assert [d.case_id for d in due_soon] == [case.id]
    assert [d.case_id for d in overdue_after] == [case.id]


def test_deadlines_for_case_lists_them_earliest_first_and_never_for_another_account(
    session, make_account, make_case_row
):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="HU", default_language="hu", default_currency="HUF")
        other_account = make_account(country="HU", default_language="hu", default_currency="HUF")
        case = _complaint(session, make_case_row, account, NOW)
    # when
    mine = deadlines_for_case(session, account_id=account.id, case_id=case.id)
    theirs = deadlines_for_case(session, account_id=other_account.id, case_id=case.id)
    # then
    assert [d.kind for d in mine] == [DeadlineKind.first_response, DeadlineKind.resolve]
    assert theirs == []


def test_deadlines_of_a_deleted_case_go_with_it(session, make_account, make_case_row):
    # given
    with time_machine.travel(NOW, tick=False):
        account = make_account(country="CZ")
        case = _complaint(session, make_case_row, account, LONG_AGO)
    # when
    session.delete(case)
    session.flush()
    session.expire_all()
    # then
    assert session.scalar(select(func.count()).select_from(CaseDeadline)) == 0
