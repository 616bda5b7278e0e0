"""The refund section of the case detail and its form: offered when the platform can refund, refused without a trace.

The app runs its jobs in-process after commit, so a refund posted here is asked of the Prism mock
before the redirect comes back.
"""

import pytest
from sqlalchemy import func, select

from marketplace_app import create_app
from retino_core.accounts.permissions import Role
from retino_core.cases.actions import decide_item
from retino_core.jobs import OutboxJob
from retino_core.refunds.models import PlatformRefund, RefundState
from tests.admin.conftest import sign_in
from tests.refunds.conftest import open_for, shoptet_factory, woocommerce_factory

REFUND_JOB = "retino_core.refunds.tasks.run_platform_refund"


@pytest.fixture
def app(settings, engine):
    app = create_app(settings)
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    yield app
    app.extensions["retino_runtime"].close()


def _client(app, session, make_member, shop, role=Role.owner):
    user, _actor = make_member(shop.account, role, language="en")
    session.commit()
    client = app.test_client()
    sign_in(client, user.email)
    return client


def _stored(session):
    session.rollback()
    return (
        session.scalar(select(func.count()).select_from(PlatformRefund)),
        session.scalar(select(func.count()).select_from(OutboxJob).where(OutboxJob.job_name == REFUND_JOB)),
    )


def _accept_for_refund(session, shop, case, index=0):
    decide_item(
        session,
        account=shop.account,
        actor=shop.owner,
        case=case,
        item_id=case.items[index].id,
        decision="accepted",
        resolution="refund",
    )


def test_the_case_offers_a_refund_through_woocommerce_prefilled_with_the_accepted_items(
    app, session, make_member, platforms, wire, woo_shop, prism_woocommerce
):
    platforms.register("woocommerce", woocommerce_factory(prism_woocommerce, wire))
    case = open_for(session, woo_shop, {"315": "2", "316": "1"})
    _accept_for_refund(session, woo_shop, case)
    client = _client(app, session, make_member, woo_shop)

    page = client.get(f"/admin/cases/{case.id}").get_data(as_text=True)

    assert "Refund through WooCommerce" in page
    assert 'name="amount" type="text" inputmode="decimal" required\n      value="6.46"' in page
    assert f'name="quantity-{case.items[0].id}" type="text" inputmode="decimal"\n        value="2"' in page
    assert f'name="quantity-{case.items[1].id}" type="text" inputmode="decimal"\n        value=""' in page
    assert wire.calls == []


def test_a_shoptet_case_offers_a_credit_note(app, session, make_member, platforms, wire, shoptet_shop):
    platforms.register("shoptet", shoptet_factory("http://127.0.0.1:9", wire))
    case = open_for(session, shoptet_shop, {"line-0": "2"})
    client = _client(app, session, make_member, shoptet_shop)

    page = client.get(f"/admin/cases/{case.id}").get_data(as_text=True)

    assert "Issue credit note in Shoptet" in page
    assert "leave every quantity empty to credit the whole invoice" in page


def test_no_section_without_an_adapter_and_no_form_for_a_role_that_cannot_decide(
    app, session, make_member, platforms, wire, woo_shop
):
    case = open_for(session, woo_shop)
    owner = _client(app, session, make_member, woo_shop)
    assert 'id="refunds"' not in owner.get(f"/admin/cases/{case.id}").get_data(as_text=True)

    platforms.register("woocommerce", woocommerce_factory("http://127.0.0.1:9", wire))
    agent = _client(app, session, make_member, woo_shop, Role.agent)

    assert 'id="refunds"' not in agent.get(f"/admin/cases/{case.id}").get_data(as_text=True)
    assert 'id="refunds"' in owner.get(f"/admin/cases/{case.id}").get_data(as_text=True)


def test_posting_the_form_refunds_through_the_platform_and_lists_the_answer(
    app, session, make_member, platforms, wire, woo_shop, prism_woocommerce
):
    platforms.register("woocommerce", woocommerce_factory(prism_woocommerce, wire))
    case = open_for(session, woo_shop)
    client = _client(app, session, make_member, woo_shop)

    response = client.post(
        f"/admin/cases/{case.id}/refunds",
        data={"amount": "6,45", f"quantity-{case.items[0].id}": "", "reason": "Vráceno"},
    )

    assert (response.status_code, response.headers["Location"]) == (302, f"/admin/cases/{case.id}#refunds")
    session.rollback()
    refund = session.scalars(select(PlatformRefund)).one()
    assert (str(refund.amount), refund.currency, refund.lines, refund.reason, refund.state, refund.external_id) == (
        "6.45",
        "USD",
        [],
        "Vráceno",
        RefundState.succeeded,
        "0",
    )
    assert ("POST", "/orders/727/refunds") in wire.calls
    page = client.get(f"/admin/cases/{case.id}").get_data(as_text=True)
    assert "Done" in page
    assert "No. 0" in page


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"amount": ""}, 422, "Enter the amount to refund."),
        ({"amount": "abc"}, 422, "Enter the amount to refund."),
        ({"amount": "100"}, 422, "At most 29.35 USD of this order is left to refund."),
        ({"amount": "1", "quantity-ITEM": "x"}, 422, "Enter a quantity, or leave it empty."),
        ({"amount": "1", "quantity-ITEM": "-1"}, 422, "Enter a quantity, or leave it empty."),
        ({"amount": "1", "quantity-ITEM": "5"}, 422, "At most 1 of Woo Single #1 is left to refund."),
    ],
)
def test_refused_input_is_the_case_page_with_the_error_and_nothing_stored(
    app, session, make_member, platforms, wire, woo_shop, data, status, message
):
    platforms.register("woocommerce", woocommerce_factory("http://127.0.0.1:9", wire))
    case = open_for(session, woo_shop)
    client = _client(app, session, make_member, woo_shop)
    before = _stored(session)
    item_field = f"quantity-{case.items[0].id}"

    response = client.post(
        f"/admin/cases/{case.id}/refunds",
        data={key.replace("quantity-ITEM", item_field): value for key, value in data.items()},
    )

    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert _stored(session) == before
    assert wire.calls == []


def test_a_refund_still_waiting_is_a_conflict_shown_on_the_page(app, session, make_member, platforms, wire, woo_shop):
    platforms.register("woocommerce", woocommerce_factory("http://127.0.0.1:9", wire))
    case = open_for(session, woo_shop)
    client = _client(app, session, make_member, woo_shop)
    # The first refund's job cannot reach the store, so the refund stays pending.
    assert client.post(f"/admin/cases/{case.id}/refunds", data={"amount": "1"}).status_code == 302
    before = _stored(session)

    response = client.post(f"/admin/cases/{case.id}/refunds", data={"amount": "1"})

    assert response.status_code == 409
    assert "An earlier refund of this case is still waiting for the platform." in response.get_data(as_text=True)
    assert _stored(session) == before
    assert "Waiting for the platform" in client.get(f"/admin/cases/{case.id}").get_data(as_text=True)


def test_another_accounts_case_is_not_found(app, session, make_member, platforms, wire, woo_shop, shoptet_shop):
    platforms.register("woocommerce", woocommerce_factory("http://127.0.0.1:9", wire))
    case = open_for(session, woo_shop)
    stranger = _client(app, session, make_member, shoptet_shop)
    before = _stored(session)

    response = stranger.post(f"/admin/cases/{case.id}/refunds", data={"amount": "1"})

    assert response.status_code == 404
    assert _stored(session) == before


def test_a_channel_that_cannot_refund_refuses_the_post_visibly(app, session, make_member, platforms, woo_shop):
    case = open_for(session, woo_shop)
    client = _client(app, session, make_member, woo_shop)
    before = _stored(session)

    response = client.post(f"/admin/cases/{case.id}/refunds", data={"amount": "1"})

    assert response.status_code == 409
    assert "This sales channel cannot refund through its platform." in response.get_data(as_text=True)
    assert _stored(session) == before
