"""Order notes: a case opened or closed for an order leaves one note per event in the platform's order history."""

import pytest
from sqlalchemy import func, select

from retino_core.cases.actions import close_case, transition_case
from retino_core.jobs import OutboxStatus, run_now, run_outbox_job
from retino_core.refunds.models import OrderNoteEvent, OrderNoteState, PlatformOrderNote
from retino_core.refunds.tasks import push_order_note
from tests.platforms.conftest import server  # noqa: F401 - the scripted local HTTP server fixture
from tests.refunds.conftest import (
    allegro_factory,
    open_for,
    outbox_rows,
    shoptet_factory,
    woocommerce_factory,
)

JOB = "retino_core.refunds.tasks.push_order_note"
WOO_NOTES = "/orders/727/notes"


def _notes(session):
    return list(session.scalars(select(PlatformOrderNote).order_by(PlatformOrderNote.id)))


def _run_all(session, runtime):
    rows = outbox_rows(session, JOB)
    session.rollback()
    for row in rows:
        run_outbox_job(runtime, row.id)
    session.expire_all()


def _close(session, shop, case, status="approved_refund"):
    close_case(session, account=shop.account, actor=shop.owner, case=case, status=status, notify_customer=False)
    session.commit()


def test_opening_and_closing_a_case_notes_the_woocommerce_order_once_each(
    session, runtime, platforms, wire, woo_shop, prism_woocommerce
):
    platforms.register("woocommerce", woocommerce_factory(prism_woocommerce, wire))
    case = open_for(session, woo_shop)
    session.commit()
    [opened] = _notes(session)
    assert (opened.case_id, opened.channel_id, opened.event, opened.state, opened.status_id) == (
        case.id,
        woo_shop.channel.id,
        OrderNoteEvent.case_opened,
        OrderNoteState.pending,
        case.status_id,
    )
    assert [row.args for row in outbox_rows(session, JOB)] == [[opened.id]]

    _run_all(session, runtime)
    _close(session, woo_shop, case)
    _run_all(session, runtime)

    assert [(note.event, note.state) for note in _notes(session)] == [
        (OrderNoteEvent.case_opened, OrderNoteState.sent),
        (OrderNoteEvent.case_closed, OrderNoteState.sent),
    ]
    assert wire.request_violations() == []
    assert wire.bodies("POST", WOO_NOTES) == [
        {"note": f"Case {case.number}: Nový", "customer_note": False},
        {"note": f"Case {case.number} closed: Schváleno – refundace", "customer_note": False},
    ]
    assert [row.status for row in outbox_rows(session, JOB)] == [OutboxStatus.done, OutboxStatus.done]


def test_a_case_closed_again_after_reopening_gets_no_second_closing_note(
    session, runtime, platforms, wire, woo_shop, prism_woocommerce
):
    platforms.register("woocommerce", woocommerce_factory(prism_woocommerce, wire))
    case = open_for(session, woo_shop)
    _close(session, woo_shop, case)
    transition_case(session, account=woo_shop.account, actor=woo_shop.owner, case=case, to_status="in_review")
    _close(session, woo_shop, case, status="rejected")

    assert [note.event for note in _notes(session)] == [OrderNoteEvent.case_opened, OrderNoteEvent.case_closed]
    assert len(outbox_rows(session, JOB)) == 2


def test_a_second_delivery_of_the_job_writes_no_second_note(
    session, runtime, platforms, wire, woo_shop, prism_woocommerce
):
    platforms.register("woocommerce", woocommerce_factory(prism_woocommerce, wire))
    open_for(session, woo_shop)
    session.commit()
    [note] = _notes(session)
    _run_all(session, runtime)

    run_now(runtime, push_order_note, note.id, account_id=woo_shop.account.id)

    assert wire.calls == [("POST", WOO_NOTES)]


def test_shoptet_takes_the_note_into_the_order_history(session, runtime, platforms, wire, shoptet_shop, prism_shoptet):
    platforms.register("shoptet", shoptet_factory(prism_shoptet, wire))
    case = open_for(session, shoptet_shop, {"line-0": "1"})
    session.commit()

    _run_all(session, runtime)

    assert wire.request_violations() == []
    assert wire.bodies("POST", "/api/orders/2017000017/history") == [
        {"data": {"text": f"{case.number}: Nový", "type": "system"}}
    ]
    assert [note.state for note in _notes(session)] == [OrderNoteState.sent]


def test_a_platform_refusal_fails_the_note_with_its_message(session, runtime, platforms, wire, woo_shop, server):  # noqa: F811
    platforms.register("woocommerce", woocommerce_factory(server.url, wire))
    server.answer(
        (
            403,
            {"Content-Type": "application/json"},
            b'{"code": "woocommerce_rest_cannot_create", "message": "Sorry, you are not allowed to create resources."}',
        )
    )
    open_for(session, woo_shop)
    session.commit()

    _run_all(session, runtime)

    [note] = _notes(session)
    assert (note.state, note.message, note.sent_at) == (
        OrderNoteState.failed,
        "Sorry, you are not allowed to create resources.",
        None,
    )
    assert [row.status for row in outbox_rows(session, JOB)] == [OutboxStatus.done]


@pytest.mark.parametrize("setup", ["allegro", "unregistered", "no_credentials"])
def test_nothing_is_queued_where_no_note_can_be_written(
    session, platforms, wire, woo_shop, allegro_shop, prism_allegro, setup
):
    platforms.register("allegro", allegro_factory(prism_allegro, wire))
    shop = allegro_shop if setup == "allegro" else woo_shop
    if setup == "no_credentials":
        platforms.register("woocommerce", woocommerce_factory("http://127.0.0.1:9", wire))
        woo_shop.channel.credentials_encrypted = None

    case = open_for(session, shop)
    _close(session, shop, case)

    assert session.scalar(select(func.count()).select_from(PlatformOrderNote)) == 0
    assert outbox_rows(session, JOB) == []
    assert wire.calls == []


def test_a_channel_that_lost_its_adapter_skips_the_queued_note(session, runtime, platforms, wire, woo_shop):
    platforms.register("woocommerce", woocommerce_factory("http://127.0.0.1:9", wire))
    open_for(session, woo_shop)
    woo_shop.channel.credentials_encrypted = None
    session.commit()

    _run_all(session, runtime)

    assert [note.state for note in _notes(session)] == [OrderNoteState.skipped]
    assert wire.calls == []
