"""The refund job against the platforms: Prism mocks of the official specs, and a stateful local store.

Each test stores a refund through the action, commits, and runs the queued outbox row the way a
worker does (``run_outbox_job``); running it again stands for a second delivery or a retry.
"""

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from retino_core.jobs import OutboxStatus, run_now, run_outbox_job
from retino_core.platforms.http import Unavailable
from retino_core.platforms.registry import adapter_runtime_for_session
from retino_core.refunds.actions import request_platform_refund
from retino_core.refunds.models import PlatformRefund, RefundFailure, RefundKind, RefundState
from retino_core.refunds.tasks import run_platform_refund
from tests.refunds.conftest import (
    ALLEGRO_SELLER_ID,
    allegro_factory,
    money,
    open_for,
    outbox_rows,
    shoptet_factory,
    woocommerce_factory,
)
from tests.refunds.peers import running_store

JOB = "retino_core.refunds.tasks.run_platform_refund"
FORM_ID = "29738e61-7f6a-11e8-ac45-09db60ede9d6"
ALLEGRO_LINE_ID = "62ae358b-8f65-4fc4-9c77-bedf604a2e2b"
ALLEGRO_PAYMENT_ID = "0f8f1d13-7e9e-11e8-9b00-c5b0dfb78ea6"
WOO_REFUNDS = "/orders/727/refunds"


@pytest.fixture
def store():
    yield from running_store()


def _refund(session, settings, shop, case, amount, currency, lines=(), reason=""):
    refund = request_platform_refund(
        session,
        account=shop.account,
        actor=shop.owner,
        case=case,
        amount=money(amount, currency),
        lines=[{"case_item_id": case.items[index].id, "quantity": quantity} for index, quantity in lines],
        reason=reason,
        runtime=adapter_runtime_for_session(settings, session),
    )
    session.commit()
    return refund


def _run(session, runtime):
    """Run the refund's outbox row as a worker would, then read the refund afresh."""
    [row] = outbox_rows(session, JOB)
    session.rollback()
    run_outbox_job(runtime, row.id)
    session.expire_all()
    return row


def _finished(refund):
    return (refund.state, refund.failure, refund.external_id, refund.message)


def _last_history(session, case):
    session.expire(case, ["history"])
    entry = case.history[-1]
    return entry.kind, entry.actor_label, entry.data


# WooCommerce


def test_woocommerce_refund_goes_through_the_spec_once(
    session, settings, runtime, platforms, wire, woo_shop, prism_woocommerce
):
    platforms.register("woocommerce", woocommerce_factory(prism_woocommerce, wire))
    case = open_for(session, woo_shop)
    refund = _refund(session, settings, woo_shop, case, "6.45", "USD", reason="Return accepted")

    _run(session, runtime)

    # The mock's refund list holds only a placeholder refund, so none carries our key and one is posted.
    assert _finished(refund) == (RefundState.succeeded, None, "0", "")
    assert refund.finished_at is not None
    assert wire.calls == [("GET", f"{WOO_REFUNDS}?page=1&per_page=100"), ("POST", WOO_REFUNDS)]
    assert wire.request_violations() == []
    key = f"case-{case.id}-refund-1"
    assert wire.bodies("POST", WOO_REFUNDS) == [
        {
            "amount": "6.45",
            "reason": f"Return accepted (ref {key})",
            "api_refund": False,
            "api_restock": False,
            "meta_data": [{"key": "retino_idempotency_key", "value": key}],
        }
    ]
    assert _last_history(session, case) == (
        "refund_succeeded",
        "woocommerce",
        {"refund_id": refund.id, "external_id": "0"},
    )

    # A second delivery of the job finds the refund answered and asks nothing.
    run_now(runtime, run_platform_refund, refund.id, account_id=woo_shop.account.id)
    assert len(wire.calls) == 2


def test_woocommerce_refusal_is_a_failed_refund_with_its_message(
    session, settings, runtime, platforms, wire, woo_shop, prism_woocommerce
):
    platforms.register("woocommerce", woocommerce_factory(prism_woocommerce, wire))
    case = open_for(session, woo_shop)
    refund = _refund(session, settings, woo_shop, case, "3.23", "USD", lines=[(0, "1")])

    row = _run(session, runtime)

    # The mock's order is placeholders (currency "AED"), which the adapter refuses before posting.
    assert _finished(refund) == (
        RefundState.failed,
        RefundFailure.refused,
        "",
        "the refund is in USD but the order is in AED",
    )
    assert ("POST", WOO_REFUNDS) not in wire.calls
    assert _last_history(session, case) == (
        "refund_failed",
        "woocommerce",
        {"refund_id": refund.id, "failure": "refused"},
    )
    session.refresh(row)
    assert row.status is OutboxStatus.done


def test_a_lost_answer_is_retried_and_the_store_refunds_once(
    session, settings, runtime, platforms, wire, woo_shop, store
):
    """The store made the refund but the answer never came: the retry finds it by its key instead of paying twice."""
    platforms.register("woocommerce", woocommerce_factory(store.url, wire))
    case = open_for(session, woo_shop, {"315": "2", "316": "1"})
    refund = _refund(session, settings, woo_shop, case, "16.13", "USD", lines=[(0, "1"), (1, "1")], reason="Vratka")
    store.lose_next_refund_answer()

    with pytest.raises(Unavailable):
        _run(session, runtime)
    session.expire_all()
    [row] = outbox_rows(session, JOB)
    assert (refund.state, row.attempts, row.status) == (RefundState.pending, 1, OutboxStatus.pending)
    assert len(store.refunds) == 1

    run_outbox_job(runtime, row.id)
    session.expire_all()

    assert _finished(refund) == (RefundState.succeeded, None, "900", "")
    assert len(store.refunds) == 1
    assert store.requests == [
        ("GET", WOO_REFUNDS),
        ("GET", "/orders/727"),
        ("POST", WOO_REFUNDS),
        ("GET", WOO_REFUNDS),
    ]
    [made] = store.refunds
    assert (made["amount"], made["line_items"]) == (
        "16.13",
        [
            {"id": 315, "refund_total": "3.00", "quantity": 1, "refund_tax": [{"id": 75, "refund_total": "0.23"}]},
            {"id": 316, "refund_total": "12.00", "quantity": 1, "refund_tax": [{"id": 75, "refund_total": "0.90"}]},
        ],
    )


def test_after_the_last_retry_the_refund_fails_as_unavailable(session, settings, runtime, platforms, wire, woo_shop):
    platforms.register("woocommerce", woocommerce_factory("http://127.0.0.1:9", wire))
    case = open_for(session, woo_shop)
    refund = _refund(session, settings, woo_shop, case, "1.00", "USD")
    [row] = outbox_rows(session, JOB)
    session.rollback()

    for _attempt in range(run_platform_refund.job_spec.max_attempts):
        with pytest.raises(Unavailable):
            run_outbox_job(runtime, row.id)
    session.expire_all()

    assert (row.status, row.attempts) == (OutboxStatus.failed, 6)
    assert (refund.state, refund.failure, refund.external_id) == (RefundState.failed, RefundFailure.unavailable, "")
    assert refund.message.startswith("retino_core.platforms.http.Unavailable: woocommerce GET ")
    assert _last_history(session, case) == (
        "refund_failed",
        "system",
        {"refund_id": refund.id, "failure": "unavailable"},
    )


def test_a_channel_that_can_no_longer_refund_fails_the_refund(session, settings, runtime, platforms, wire, woo_shop):
    platforms.register("woocommerce", woocommerce_factory("http://127.0.0.1:9", wire))
    case = open_for(session, woo_shop)
    refund = _refund(session, settings, woo_shop, case, "1.00", "USD")
    woo_shop.channel.credentials_encrypted = None
    session.commit()

    _run(session, runtime)

    assert _finished(refund) == (RefundState.failed, RefundFailure.unsupported, "", "")
    assert wire.calls == []


# Allegro


def _command_id(key):
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "urn:retino:allegro:payment-refund")
    return str(uuid.uuid5(namespace, f"{ALLEGRO_SELLER_ID}:{key}"))


def test_allegro_refund_carries_a_command_id_from_the_key(
    session, settings, runtime, platforms, wire, allegro_shop, prism_allegro
):
    platforms.register("allegro", allegro_factory(prism_allegro, wire))
    case = open_for(session, allegro_shop)
    refund = _refund(session, settings, allegro_shop, case, "123.45", "PLN", lines=[(0, "1")], reason="COMPLAINT")

    _run(session, runtime)

    assert wire.request_violations() == []
    assert wire.calls == [("GET", f"/order/checkout-forms/{FORM_ID}"), ("POST", "/payments/refunds")]
    assert _finished(refund) == (RefundState.succeeded, None, wire.responses[-1].json()["id"], "")
    assert wire.bodies("POST", "/payments/refunds") == [
        {
            "payment": {"id": ALLEGRO_PAYMENT_ID},
            "order": {"id": FORM_ID},
            "commandId": _command_id(f"case-{case.id}-refund-1"),
            "reason": "COMPLAINT",
            "lineItems": [{"id": ALLEGRO_LINE_ID, "type": "QUANTITY", "quantity": 1}],
        }
    ]


def test_allegro_retry_after_a_lost_answer_sends_the_same_command(
    session, settings, runtime, platforms, wire, allegro_shop, prism_allegro
):
    """Allegro dedupes on ``commandId``: the retry repeats the very command, so the buyer is paid once."""
    platforms.register("allegro", allegro_factory(prism_allegro, wire))
    case = open_for(session, allegro_shop)
    refund = _refund(session, settings, allegro_shop, case, "123.45", "PLN", lines=[(0, "1")])
    wire.replace_first[("POST", "/payments/refunds")] = 503

    with pytest.raises(Unavailable):
        _run(session, runtime)
    session.expire_all()
    assert refund.state is RefundState.pending
    [row] = outbox_rows(session, JOB)
    session.rollback()
    run_outbox_job(runtime, row.id)
    session.expire_all()

    first, retried = wire.bodies("POST", "/payments/refunds")
    assert first == retried
    assert first["commandId"] == _command_id(refund.idempotency_key)
    assert refund.state is RefundState.succeeded


def test_allegro_without_a_stored_token_fails_asking_to_reconnect(
    session, settings, runtime, platforms, wire, allegro_shop, encrypt
):
    platforms.register("allegro", allegro_factory("http://127.0.0.1:9", wire, stored_token=True))
    case = open_for(session, allegro_shop)
    refund = _refund(session, settings, allegro_shop, case, "123.45", "PLN")
    allegro_shop.channel.credentials_encrypted = encrypt({})
    session.commit()

    _run(session, runtime)

    assert _finished(refund) == (
        RefundState.failed,
        RefundFailure.auth_expired,
        "",
        "no Allegro access token is stored for this channel; connect it again",
    )
    assert wire.calls == []


# Shoptet


def test_shoptet_credit_note_for_the_whole_invoice(
    session, settings, runtime, platforms, wire, shoptet_shop, prism_shoptet
):
    platforms.register("shoptet", shoptet_factory(prism_shoptet, wire))
    case = open_for(session, shoptet_shop, {"line-0": "2"})
    refund = _refund(session, settings, shoptet_shop, case, "242.00", "CZK")
    assert refund.kind is RefundKind.credit_note

    _run(session, runtime)

    assert wire.request_violations() == []
    assert _finished(refund) == (RefundState.succeeded, None, "00000008", "")
    assert wire.bodies("POST", "/api/invoices/2015000001/credit-note") == [
        {"data": {"reasonRemark": f"{case.number} [ref case-{case.id}-refund-1]"}}
    ]
    assert ("GET", "/api/credit-notes?invoiceCode=2015000001&page=1&itemsPerPage=50") in wire.calls


def test_shoptet_refuses_a_line_its_invoice_does_not_have(
    session, settings, runtime, platforms, wire, shoptet_shop, prism_shoptet
):
    platforms.register("shoptet", shoptet_factory(prism_shoptet, wire))
    case = open_for(session, shoptet_shop, {"line-0": "2"})
    refund = _refund(session, settings, shoptet_shop, case, "121.00", "CZK", lines=[(0, "1")])

    _run(session, runtime)

    assert _finished(refund) == (
        RefundState.failed,
        RefundFailure.refused,
        "",
        "order line line-0 is not in the order",
    )
    assert wire.bodies("POST", "/api/invoices/2015000001/credit-note") == []
    assert session.scalar(select(PlatformRefund.amount)) == Decimal("121.00")


def test_a_refund_with_an_unknown_outcome_is_sent_again_under_its_key_and_made_once(
    session, settings, runtime, platforms, wire, woo_shop, store
):
    """The store made the refund, every answer was lost, the retries ran out: "Send again" finds it, pays nothing."""
    from retino_core.refunds.actions import retry_platform_refund

    platforms.register("woocommerce", woocommerce_factory(store.url, wire))
    case = open_for(session, woo_shop, {"315": "2", "316": "1"})
    refund = _refund(session, settings, woo_shop, case, "16.13", "USD", lines=[(0, "1"), (1, "1")])
    key = refund.idempotency_key
    store.lose_next_refund_answer()
    with pytest.raises(Unavailable):
        _run(session, runtime)
    session.expire_all()
    refund.state, refund.failure = RefundState.failed, RefundFailure.unavailable
    for row in outbox_rows(session, JOB):
        row.status = OutboxStatus.failed
    session.commit()

    retry_platform_refund(session, account=woo_shop.account, actor=woo_shop.owner, case=case, refund_id=refund.id)
    session.commit()
    pending = [row for row in outbox_rows(session, JOB) if row.status is OutboxStatus.pending]
    session.rollback()
    run_outbox_job(runtime, pending[0].id)
    session.expire_all()

    assert (refund.state, refund.failure, refund.external_id, refund.idempotency_key) == (
        RefundState.succeeded,
        None,
        "900",
        key,
    )
    assert len(store.refunds) == 1
    assert [entry.kind for entry in case.history[-3:]] == ["refund_requested", "refund_requested", "refund_succeeded"]


def test_only_a_refund_with_an_unknown_outcome_can_be_sent_again(session, settings, platforms, wire, woo_shop, store):
    from retino_core.errors import ErrorKind
    from retino_core.refunds.actions import retry_platform_refund
    from retino_core.refunds.errors import RefundError, RefundErrorCode

    platforms.register("woocommerce", woocommerce_factory(store.url, wire))
    case = open_for(session, woo_shop)
    refund = _refund(session, settings, woo_shop, case, "1.00", "USD")

    for state, failure in ((RefundState.pending, None), (RefundState.failed, RefundFailure.refused)):
        refund.state, refund.failure = state, failure
        session.commit()
        with pytest.raises(RefundError) as refused:
            retry_platform_refund(
                session, account=woo_shop.account, actor=woo_shop.owner, case=case, refund_id=refund.id
            )
        assert (refused.value.code, refused.value.kind) == (RefundErrorCode.not_retryable, ErrorKind.conflict)
        session.rollback()
    with pytest.raises(RefundError) as missing:
        retry_platform_refund(session, account=woo_shop.account, actor=woo_shop.owner, case=case, refund_id=10**9)
    assert missing.value.kind is ErrorKind.not_found
