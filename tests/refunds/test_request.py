"""Asking for a refund: what is stored and queued, and every refusal with nothing stored.

Building the adapter does no I/O, so these tests register factories pointing at an address
nothing listens on: a call to the platform would fail them.
"""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from retino_core.accounts.models import ChannelStatus
from retino_core.accounts.permissions import Role
from retino_core.cases.actions import decide_item
from retino_core.errors import DomainError, ErrorKind
from retino_core.jobs import OutboxJob, OutboxStatus
from retino_core.platforms.registry import adapter_runtime_for_session
from retino_core.refunds.actions import request_platform_refund
from retino_core.refunds.errors import RefundErrorCode
from retino_core.refunds.models import PlatformRefund, RefundKind, RefundState
from retino_core.refunds.queries import refund_proposal, refunds_of_case
from tests.refunds.conftest import (
    Wire,
    allegro_factory,
    money,
    open_for,
    shoptet_factory,
    woocommerce_factory,
)

NOWHERE = "http://127.0.0.1:9"
JOB = "retino_core.refunds.tasks.run_platform_refund"


@pytest.fixture
def registered(platforms):
    wire = Wire()
    platforms.register("woocommerce", woocommerce_factory(NOWHERE, wire))
    platforms.register("allegro", allegro_factory(NOWHERE, wire))
    platforms.register("shoptet", shoptet_factory(NOWHERE, wire))
    return wire


def _request(session, settings, shop, case, amount, currency="USD", lines=(), reason="Return", actor=None):
    return request_platform_refund(
        session,
        account=shop.account,
        actor=actor or shop.owner,
        case=case,
        amount=money(amount, currency),
        lines=list(lines),
        reason=reason,
        runtime=adapter_runtime_for_session(settings, session),
    )


def _line(case, index, quantity):
    return {"case_item_id": case.items[index].id, "quantity": quantity}


def _counts(session):
    return (
        session.scalar(select(func.count()).select_from(PlatformRefund)),
        session.scalar(select(func.count()).select_from(OutboxJob).where(OutboxJob.job_name == JOB)),
    )


def _refused(session, settings, shop, case, code, kind=ErrorKind.invalid, **request):
    before = _counts(session)
    with pytest.raises(DomainError) as raised:
        _request(session, settings, shop, case, **request)
    assert (raised.value.code, raised.value.kind) == (code, kind)
    assert _counts(session) == before
    return raised.value


def test_refund_is_stored_pending_with_history_and_its_job_queued(session, settings, registered, woo_shop):
    case = open_for(session, woo_shop, {"315": "2", "316": "1"})

    refund = _request(
        session, settings, woo_shop, case, "16.13", lines=[_line(case, 0, "1"), _line(case, 1, "1")], reason=" Broken "
    )

    assert (refund.kind, refund.state, refund.amount, refund.currency, refund.reason) == (
        RefundKind.refund,
        RefundState.pending,
        Decimal("16.13"),
        "USD",
        "Broken",
    )
    assert (refund.case_id, refund.channel_id, refund.order_id, refund.requested_by_id) == (
        case.id,
        woo_shop.channel.id,
        woo_shop.order.id,
        woo_shop.owner_user.id,
    )
    assert refund.idempotency_key == f"case-{case.id}-refund-1"
    assert refund.lines == [
        {"case_item_id": case.items[0].id, "order_item_external_id": "315", "quantity": "1", "amount": "3.23"},
        {"case_item_id": case.items[1].id, "order_item_external_id": "316", "quantity": "1", "amount": "12.90"},
    ]
    assert (refund.external_id, refund.message, refund.failure, refund.finished_at) == ("", "", None, None)
    entry = case.history[-1]
    assert (entry.kind, entry.data) == (
        "refund_requested",
        {"refund_id": refund.id, "kind": "refund", "amount": "16.13", "currency": "USD"},
    )
    [job] = session.scalars(select(OutboxJob).where(OutboxJob.job_name == JOB)).all()
    assert (job.args, job.account_id, job.status) == ([refund.id], woo_shop.account.id, OutboxStatus.pending)
    assert registered.calls == []


def test_a_platform_that_only_issues_credit_notes_gets_a_credit_note(session, settings, registered, shoptet_shop):
    case = open_for(session, shoptet_shop, {"line-0": "2"})

    refund = _request(session, settings, shoptet_shop, case, "242.00", currency="CZK")

    assert (refund.kind, refund.lines) == (RefundKind.credit_note, [])


def test_the_key_counts_every_refund_of_the_case(session, settings, registered, woo_shop):
    case = open_for(session, woo_shop)
    first = _request(session, settings, woo_shop, case, "1.00")
    first.state = RefundState.failed
    session.flush()

    second = _request(session, settings, woo_shop, case, "1.00")

    assert second.idempotency_key == f"case-{case.id}-refund-2"


def test_refused_for_a_case_without_an_order(session, settings, registered, woo_shop, make_case_row):
    case = make_case_row(woo_shop.account, channel_id=woo_shop.channel.id)

    error = _refused(session, settings, woo_shop, case, RefundErrorCode.no_order, ErrorKind.conflict, amount="1.00")

    assert error.render() == "Only a case with an order from a sales channel can be refunded."


@pytest.mark.parametrize(
    "change",
    [
        {"status": ChannelStatus.disabled},
        {"status": ChannelStatus.waiting},
        # The WooCommerce factory refuses a channel without credentials.
        {"credentials_encrypted": None},
    ],
)
def test_refused_when_the_channel_cannot_refund_now(session, settings, registered, woo_shop, change):
    case = open_for(session, woo_shop)
    for name, value in change.items():
        setattr(woo_shop.channel, name, value)
    session.flush()

    error = _refused(session, settings, woo_shop, case, RefundErrorCode.not_supported, ErrorKind.conflict, amount="1")

    assert error.render() == "This sales channel cannot refund through its platform."


def test_refused_when_no_adapter_is_registered_for_the_platform(session, settings, platforms, woo_shop):
    case = open_for(session, woo_shop)

    _refused(session, settings, woo_shop, case, RefundErrorCode.not_supported, ErrorKind.conflict, amount="1.00")


def test_refused_while_an_earlier_refund_waits_for_the_platform(session, settings, registered, woo_shop):
    case = open_for(session, woo_shop)
    _request(session, settings, woo_shop, case, "1.00")

    error = _refused(
        session, settings, woo_shop, case, RefundErrorCode.refund_pending, ErrorKind.conflict, amount="1.00"
    )

    assert error.render() == "An earlier refund of this case is still waiting for the platform."


@pytest.mark.parametrize(
    ("amount", "currency", "code", "message"),
    [
        ("1.00", "EUR", RefundErrorCode.currency_mismatch, "The refund must be in the order's currency, USD."),
        ("0", "USD", RefundErrorCode.amount_out_of_range, "Enter an amount above zero with at most two decimals."),
        ("-5", "USD", RefundErrorCode.amount_out_of_range, "Enter an amount above zero with at most two decimals."),
        ("1.005", "USD", RefundErrorCode.amount_out_of_range, "Enter an amount above zero with at most two decimals."),
        ("NaN", "USD", RefundErrorCode.amount_out_of_range, "Enter an amount above zero with at most two decimals."),
        ("29.36", "USD", RefundErrorCode.amount_out_of_range, "At most 29.35 USD of this order is left to refund."),
    ],
)
def test_refused_amounts(session, settings, registered, woo_shop, amount, currency, code, message):
    case = open_for(session, woo_shop)

    error = _refused(session, settings, woo_shop, case, code, amount=amount, currency=currency)

    assert error.render() == message


def test_what_other_cases_refunded_or_are_refunding_of_the_order_is_not_left(session, settings, registered, woo_shop):
    first_case = open_for(session, woo_shop, {"315": "1"})
    second_case = open_for(session, woo_shop, {"316": "1"})
    done = _request(session, settings, woo_shop, first_case, "10.00")
    done.state = RefundState.succeeded
    failed = _request(session, settings, woo_shop, first_case, "5.00")
    failed.state = RefundState.failed
    session.flush()
    _request(session, settings, woo_shop, second_case, "15.00")
    third_case = open_for(session, woo_shop, {"315": "1"})

    error = _refused(session, settings, woo_shop, third_case, RefundErrorCode.amount_out_of_range, amount="4.36")

    assert error.render() == "At most 4.35 USD of this order is left to refund."
    assert _request(session, settings, woo_shop, third_case, "4.35").amount == Decimal("4.35")


def test_refused_lines(session, settings, registered, woo_shop, make_case_row):
    case = open_for(session, woo_shop, {"315": "1", "316": "1"})
    other = open_for(session, woo_shop, {"315": "1"})
    cases = [
        (
            [{"case_item_id": other.items[0].id, "quantity": "1"}],
            RefundErrorCode.item_not_refundable,
            "Choose items of this case that come from its order.",
        ),
        (
            [_line(case, 0, "2")],
            RefundErrorCode.quantity_exceeds_item,
            "At most 1 of Woo Single #1 is left to refund.",
        ),
        (
            [_line(case, 0, "1"), _line(case, 1, "1")],
            RefundErrorCode.lines_exceed_amount,
            "The chosen items add up to 16.13 USD, more than the amount.",
        ),
        ([_line(case, 0, "0")], RefundErrorCode.invalid_input, "Some fields are not valid."),
        ([_line(case, 0, "0.0005")], RefundErrorCode.invalid_input, "Some fields are not valid."),
        ([_line(case, 0, "1"), _line(case, 0, "1")], RefundErrorCode.invalid_input, "Some fields are not valid."),
    ]
    for lines, code, message in cases:
        error = _refused(session, settings, woo_shop, case, code, amount="16.12", lines=lines)
        assert error.render() == message, lines


def test_a_refunded_quantity_is_not_refunded_again(session, settings, registered, woo_shop):
    case = open_for(session, woo_shop, {"315": "2"})
    earlier = _request(session, settings, woo_shop, case, "3.23", lines=[_line(case, 0, "1")])
    earlier.state = RefundState.succeeded
    session.flush()

    error = _refused(
        session,
        settings,
        woo_shop,
        case,
        RefundErrorCode.quantity_exceeds_item,
        amount="6.46",
        lines=[_line(case, 0, "2")],
    )

    assert error.render() == "At most 1 of Woo Single #1 is left to refund."
    assert refund_proposal(case, refunds_of_case(session, account_id=case.account_id, case_id=case.id)).remaining == {
        case.items[0].id: Decimal("1.000")
    }


def test_a_credit_note_with_lines_must_equal_them(session, settings, registered, shoptet_shop):
    case = open_for(session, shoptet_shop, {"line-0": "2"})

    error = _refused(
        session,
        settings,
        shoptet_shop,
        case,
        RefundErrorCode.lines_exceed_amount,
        amount="200.00",
        currency="CZK",
        lines=[_line(case, 0, "1")],
    )

    assert error.render() == ("A credit note credits exactly the chosen items: the amount must be 121.00 CZK.")
    refund = _request(session, settings, shoptet_shop, case, "121.00", currency="CZK", lines=[_line(case, 0, "1")])
    assert refund.lines == [
        {"case_item_id": case.items[0].id, "order_item_external_id": "line-0", "quantity": "1", "amount": "121.00"}
    ]


def test_a_role_that_cannot_decide_items_cannot_refund(session, settings, registered, woo_shop, make_member):
    case = open_for(session, woo_shop)
    _user, agent = make_member(woo_shop.account, Role.agent)

    before = _counts(session)
    with pytest.raises(DomainError) as raised:
        _request(session, settings, woo_shop, case, "1.00", actor=agent)
    assert raised.value.kind is ErrorKind.forbidden
    assert _counts(session) == before


def test_another_accounts_case_is_not_found(session, settings, registered, woo_shop, allegro_shop):
    case = open_for(session, allegro_shop)

    error = _refused(
        session, settings, woo_shop, case, RefundErrorCode.case_not_found, ErrorKind.not_found, amount="1.00"
    )

    assert error.render() == "This case does not exist."


def test_the_proposal_is_what_was_accepted_for_a_refund_and_not_yet_refunded(session, settings, registered, woo_shop):
    case = open_for(session, woo_shop, {"315": "2", "316": "1"})
    assert refund_proposal(case, []).amount is None
    decide_item(
        session,
        account=woo_shop.account,
        actor=woo_shop.owner,
        case=case,
        item_id=case.items[0].id,
        decision="accepted",
        resolution="refund",
    )
    decide_item(
        session,
        account=woo_shop.account,
        actor=woo_shop.owner,
        case=case,
        item_id=case.items[1].id,
        decision="accepted",
        resolution="replace",
    )

    proposal = refund_proposal(case, [])

    assert (proposal.amount, proposal.quantities) == (Decimal("6.46"), {case.items[0].id: Decimal("2.000")})
    assert proposal.remaining == {case.items[0].id: Decimal("2.000"), case.items[1].id: Decimal("1.000")}
