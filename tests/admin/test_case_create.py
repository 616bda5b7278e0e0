"""Manual case creation in the admin: order search, prefill, creation in one transaction, access."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from retino_core import clock
from retino_core.accounts.actions import deactivate_account
from retino_core.accounts.permissions import Role
from retino_core.case_types.models import CaseType
from retino_core.cases.models import Case, CaseOrigin, RequestedRemedy
from retino_core.custom_fields.actions import create_field_definition, link_field_to_case_type
from retino_core.custom_fields.models import CustomFieldValue
from retino_core.messaging.models import OutboundEmail
from retino_core.text import search_blob

ALLOWED_ROLES = [Role.agent, Role.dispatcher, Role.manager, Role.owner]
REFUSED_ROLES = [Role.viewer, Role.technician]


@pytest.fixture(autouse=True)
def english_admin(shop, session):
    """The shop's members read the admin in English, so the asserts below quote the source texts."""
    for user in shop.members.values():
        user.language = "en"
    session.commit()


def _order(session, make_order, channel, *, code, name, email):
    order = make_order(
        channel, code=code, customer_name=name, customer_email=email, search_text=search_blob(code, name, email)
    )
    session.commit()
    return order


def _cases(session, account_id):
    session.expire_all()
    return session.scalars(select(Case).where(Case.account_id == account_id).order_by(Case.id)).all()


def _count(session, model, account_id):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(model.account_id == account_id))


def _order_form(shop, **overrides):
    first = shop.order.items[0]
    data = {
        "action": "create",
        "case_type": "complaint",
        "order_id": str(shop.order.id),
        "customer_name": shop.order.customer_name,
        "customer_email": shop.order.customer_email,
        "language": "cs",
        "country": "CZ",
        "notify_customer": "1",
        f"item-o{first.id}-include": "1",
        f"item-o{first.id}-quantity": "1",
        f"item-o{first.id}-reason": "defect",
        f"item-o{first.id}-defect_description": "Seam came apart",
        f"item-o{first.id}-requested_remedy": "repair",
    }
    data.update(overrides)
    return data


def _free_form(shop, **overrides):
    data = {
        "action": "create",
        "case_type": "return",
        "customer_name": "Zuzana Řeháková",
        "customer_email": "Zuzana@Example.test",
        "customer_phone": "+420 777 123 456",
        "channel_id": str(shop.channel.id),
        "language": "sk",
        "country": "sk",
        "rows": "2",
        "item-n0-name": "Šála",
        "item-n0-quantity": "2",
        "item-n0-unit_price": "199.50",
        "item-n1-name": "",
        "item-n1-quantity": "1",
    }
    data.update(overrides)
    return data


def _bank_account_field(session, shop, *, scope="case"):
    owner = shop.actors[Role.owner]
    definition = create_field_definition(
        session,
        account=shop.account,
        actor=owner,
        payload={
            "key": "refund_account",
            "field_type": "bank_account",
            "scope": scope,
            "names": {"en": "Refund account"},
        },
    )
    complaint = session.scalar(CaseType.select_for_account(shop.account_id).where(CaseType.code == "complaint"))
    link_field_to_case_type(
        session, account=shop.account, actor=owner, case_type_id=complaint.id, field_id=definition.id, is_required=False
    )
    session.commit()
    return definition


# --- order search -----------------------------------------------------------------------------


def test_order_search_needs_three_characters(client_for, shop):
    response = client_for(Role.agent).get("/admin/orders/search?q=20")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Type at least 3 characters to search." in body
    assert shop.order.code not in body
    czech = client_for(Role.agent).get("/admin/orders/search?q=ab&lang=cs").get_data(as_text=True)
    assert "Pro hledání zadejte alespoň 3 znaky." in czech


def test_order_search_finds_accent_free_name_and_code_part_but_never_another_shops_order(
    client_for, shop, other_shop, make_order, session
):
    # given
    ours = _order(
        session, make_order, shop.channel, code="OBJ-55123", name="Zuzana Řeháková", email="zuzana@example.test"
    )
    theirs = _order(
        session, make_order, other_shop.channel, code="OBJ-55999", name="Zuzana Řeháková", email="zuzana@example.test"
    )
    client = client_for(Role.agent)
    # when
    by_name = client.get("/admin/orders/search?q=rehak").get_data(as_text=True)
    by_code = client.get("/admin/orders/search?q=OBJ-55").get_data(as_text=True)
    # then
    assert ours.code in by_name
    assert f"/admin/cases/new?order={ours.id}" in by_name
    assert "zuzana@example.test" in by_name
    assert shop.channel.name in by_name
    assert theirs.code not in by_name
    assert ours.code in by_code
    assert theirs.code not in by_code
    assert f"order={theirs.id}" not in by_code


def test_the_new_case_page_searches_without_javascript_too(client_for, shop, make_order, session):
    ours = _order(
        session, make_order, shop.channel, code="OBJ-77001", name="Zuzana Řeháková", email="zuzana@example.test"
    )
    body = client_for(Role.agent).get("/admin/cases/new?q=zuzana").get_data(as_text=True)
    assert f"/admin/cases/new?order={ours.id}" in body
    assert "Orders sync from the shops periodically" in body


# --- the form ---------------------------------------------------------------------------------


def test_the_form_is_prefilled_from_the_chosen_order(client_for, shop):
    first, second = shop.order.items
    response = client_for(Role.agent).get(f"/admin/cases/new?order={shop.order.id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Petr Dvořák"' in body
    assert 'value="petr.dvorak@example.test"' in body
    assert f'name="order_id" value="{shop.order.id}"' in body
    assert '<option value="cs" selected>' in body
    assert 'value="CZ"' in body
    assert '<strong id="currency">CZK</strong>' in body
    assert f'name="item-o{first.id}-include"' in body
    assert f'name="item-o{second.id}-include"' in body
    # two ordered, one already claimed by the shop's existing case
    assert "ordered 2, already claimed 1, left to claim 1" in body
    assert "ordered 1, already claimed 0, left to claim 1" in body
    assert f'name="item-o{first.id}-quantity" value="1" min="0.001" step="any" max="1"' in body


def test_the_form_without_an_order_offers_one_free_row(client_for, shop):
    body = client_for(Role.agent).get("/admin/cases/new").get_data(as_text=True)
    assert 'name="item-n0-name"' in body
    assert 'name="item-n1-name"' not in body
    assert 'name="rows" value="1"' in body


def test_add_row_reloads_the_form_with_one_more_row_and_keeps_the_input(client_for, shop, session):
    response = client_for(Role.agent).post(
        "/admin/cases/new", data=_free_form(shop, action="add_row", description="Called on Monday")
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="item-n2-name"' in body
    assert 'name="rows" value="3"' in body
    assert 'value="Šála"' in body
    assert "Called on Monday" in body
    assert len(_cases(session, shop.account_id)) == 1


def test_include_all_ticks_every_item_that_has_something_left(client_for, shop):
    first, second = shop.order.items
    body = (
        client_for(Role.agent)
        .post("/admin/cases/new", data={"action": "include_all", "order_id": str(shop.order.id)})
        .get_data(as_text=True)
    )
    assert f'name="item-o{first.id}-include" value="1" checked' in body
    assert f'name="item-o{second.id}-include" value="1" checked' in body


def test_choosing_a_type_shows_its_custom_fields(client_for, shop, session):
    _bank_account_field(session, shop)
    client = client_for(Role.agent)
    assert "Refund account" not in client.get("/admin/cases/new").get_data(as_text=True)
    assert 'name="cf-refund_account"' in client.get("/admin/cases/new?type=complaint").get_data(as_text=True)
    refreshed = client.post("/admin/cases/new", data=_free_form(shop, action="refresh", case_type="complaint"))
    assert refreshed.status_code == 200
    assert 'name="cf-refund_account"' in refreshed.get_data(as_text=True)


# --- creating ---------------------------------------------------------------------------------


def test_creating_from_an_order_stores_the_chosen_items_assigns_me_and_queues_the_email(client_for, shop, session):
    # given
    first, second = shop.order.items
    agent = shop.members[Role.agent]
    data = _order_form(
        shop,
        assign_to_me="1",
        **{f"item-o{second.id}-include": "1", f"item-o{second.id}-quantity": "1"},
    )
    # when
    response = client_for(Role.agent).post("/admin/cases/new", data=data)
    # then
    cases = _cases(session, shop.account_id)
    assert response.status_code == 302
    assert len(cases) == 2
    case = cases[-1]
    assert response.headers["Location"].endswith(f"/admin/cases/{case.id}")
    assert case.origin is CaseOrigin.agent
    assert case.order_id == shop.order.id
    assert case.channel_id == shop.channel.id
    assert case.owner_id == agent.id
    assert case.customer_email == "petr.dvorak@example.test"
    assert case.currency == "CZK"
    assert [(item.order_item_id, item.quantity) for item in case.items] == [
        (first.id, Decimal("1")),
        (second.id, Decimal("1")),
    ]
    assert case.items[0].reason == "defect"
    assert case.items[0].defect_description == "Seam came apart"
    assert case.items[0].requested_remedy is RequestedRemedy.repair
    emails = session.scalars(select(OutboundEmail).where(OutboundEmail.case_id == case.id)).all()
    assert [email.template for email in emails] == ["case_created"]


def test_no_email_without_notify_and_the_channels_consultant_owns_the_case(client_for, shop, session):
    # given
    dispatcher = shop.members[Role.dispatcher]
    shop.channel.default_consultant_id = dispatcher.id
    session.commit()
    data = _order_form(shop)
    del data["notify_customer"]
    # when
    response = client_for(Role.agent).post("/admin/cases/new", data=data)
    # then
    case = _cases(session, shop.account_id)[-1]
    assert response.status_code == 302
    assert case.owner_id == dispatcher.id
    assert _count(session, OutboundEmail, shop.account_id) == 0


def test_creating_without_an_order_uses_the_free_rows(client_for, shop, session):
    lodged = clock.today() - timedelta(days=3)
    response = client_for(Role.dispatcher).post(
        "/admin/cases/new", data=_free_form(shop, lodged_at=lodged.isoformat(), description="Came by post")
    )
    cases = _cases(session, shop.account_id)
    assert response.status_code == 302
    assert len(cases) == 2
    case = cases[-1]
    assert response.headers["Location"].endswith(f"/admin/cases/{case.id}")
    assert case.order_id is None
    assert case.origin is CaseOrigin.agent
    assert case.case_type.code == "return"
    assert case.channel_id == shop.channel.id
    assert case.customer_name == "Zuzana Řeháková"
    assert case.customer_email == "zuzana@example.test"
    assert case.customer_phone == "+420 777 123 456"
    assert case.language == "sk"
    assert case.country == "SK"
    assert case.description == "Came by post"
    assert clock.as_utc(case.lodged_at).date() == lodged
    assert [(item.name, item.quantity, item.unit_price_amount, item.currency) for item in case.items] == [
        ("Šála", Decimal("2"), Decimal("199.50"), "CZK")
    ]


def test_without_an_order_the_email_is_required_and_the_input_is_kept(client_for, shop, session):
    response = client_for(Role.agent).post("/admin/cases/new", data=_free_form(shop, customer_email=""))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-describedby="customer_email-error" aria-invalid="true"' in body
    assert (
        '<p class="error field-error" id="customer_email-error">An e-mail is needed when the case has no order.</p>'
        in body
    )
    assert 'value="Zuzana Řeháková"' in body
    assert 'value="Šála"' in body
    assert len(_cases(session, shop.account_id)) == 1


def test_without_any_item_nothing_is_created(client_for, shop, session):
    first = shop.order.items[0]
    data = _order_form(shop)
    del data[f"item-o{first.id}-include"]
    response = client_for(Role.agent).post("/admin/cases/new", data=data)
    assert response.status_code == 422
    assert "Include at least one item of the order." in response.get_data(as_text=True)
    assert len(_cases(session, shop.account_id)) == 1


def test_claiming_more_than_is_left_is_refused_next_to_the_quantity(client_for, shop, session):
    first = shop.order.items[0]
    response = client_for(Role.agent).post(
        "/admin/cases/new", data=_order_form(shop, **{f"item-o{first.id}-quantity": "2"})
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        f'<p class="error field-error" id="item-o{first.id}-quantity-error">'
        "You can claim at most 1 of Tričko s potiskem.</p>"
    ) in body
    assert f'name="item-o{first.id}-quantity" value="2"' in body
    # the re-rendered form counts claims without the refused case
    assert "ordered 2, already claimed 1, left to claim 1" in body
    assert len(_cases(session, shop.account_id)) == 1
    assert _count(session, OutboundEmail, shop.account_id) == 0


def test_an_invalid_custom_field_stores_nothing_of_the_case(client_for, shop, session):
    # given
    _bank_account_field(session, shop)
    # when
    response = client_for(Role.agent).post(
        "/admin/cases/new", data=_order_form(shop, **{"cf-refund_account": "123456789/0800"})
    )
    # then
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        '<p class="error field-error" id="cf-refund_account-error">'
        "This account number is not valid: its check digits do not match.</p>"
    ) in body
    assert 'value="123456789/0800"' in body
    assert len(_cases(session, shop.account_id)) == 1
    assert _count(session, OutboundEmail, shop.account_id) == 0
    assert _count(session, CustomFieldValue, shop.account_id) == 0


def test_a_valid_custom_field_is_stored_with_the_case(client_for, shop, session):
    _bank_account_field(session, shop)
    response = client_for(Role.agent).post(
        "/admin/cases/new", data=_order_form(shop, **{"cf-refund_account": "19-2000145399/0800"})
    )
    case = _cases(session, shop.account_id)[-1]
    values = session.scalars(select(CustomFieldValue).where(CustomFieldValue.case_id == case.id)).all()
    assert response.status_code == 302
    assert [(value.case_item_id, value.value) for value in values] == [(None, "19-2000145399/0800")]


def test_item_custom_fields_are_stored_per_item_and_refused_per_item(client_for, shop, session):
    # given
    _bank_account_field(session, shop, scope="item")
    first = shop.order.items[0]
    client = client_for(Role.agent)
    # when
    refused = client.post(
        "/admin/cases/new", data=_order_form(shop, **{f"item-o{first.id}-cf-refund_account": "1/0800"})
    )
    accepted = client.post(
        "/admin/cases/new", data=_order_form(shop, **{f"item-o{first.id}-cf-refund_account": "19-2000145399/0800"})
    )
    # then
    assert refused.status_code == 422
    assert f'id="item-o{first.id}-cf-refund_account-error"' in refused.get_data(as_text=True)
    assert accepted.status_code == 302
    case = _cases(session, shop.account_id)[-1]
    values = session.scalars(select(CustomFieldValue).where(CustomFieldValue.case_id == case.id)).all()
    assert [(value.case_item_id, value.value) for value in values] == [(case.items[0].id, "19-2000145399/0800")]
    assert len(_cases(session, shop.account_id)) == 2


def test_a_lodging_day_in_the_future_is_refused(client_for, shop, session):
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = client_for(Role.agent).post("/admin/cases/new", data=_order_form(shop, lodged_at=tomorrow))
    assert response.status_code == 422
    assert 'id="lodged_at-error">The lodging time cannot be in the future.</p>' in response.get_data(as_text=True)
    assert len(_cases(session, shop.account_id)) == 1


def test_a_malformed_quantity_is_refused_next_to_the_field(client_for, shop, session):
    response = client_for(Role.agent).post("/admin/cases/new", data=_free_form(shop, **{"item-n0-quantity": "1e400x"}))
    assert response.status_code == 422
    assert 'id="item-n0-quantity-error">Not a valid number.</p>' in response.get_data(as_text=True)
    assert len(_cases(session, shop.account_id)) == 1


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALLOWED_ROLES)
def test_roles_that_create_cases_may_open_the_form_and_create(client_for, shop, session, role):
    client = client_for(role)
    assert client.get("/admin/cases/new").status_code == 200
    assert client.get("/admin/orders/search?q=dvor").status_code == 200
    response = client.post("/admin/cases/new", data=_order_form(shop))
    assert response.status_code == 302
    assert len(_cases(session, shop.account_id)) == 2


@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_viewers_and_technicians_are_refused(client_for, shop, session, role):
    client = client_for(role)
    assert client.get("/admin/cases/new").status_code == 403
    assert client.get(f"/admin/cases/new?order={shop.order.id}").status_code == 403
    assert client.get("/admin/orders/search?q=dvor").status_code == 403
    assert client.post("/admin/cases/new", data=_order_form(shop)).status_code == 403
    assert len(_cases(session, shop.account_id)) == 1
    assert _count(session, OutboundEmail, shop.account_id) == 0


def test_anonymous_visitors_are_sent_to_sign_in(app, shop, session):
    client = app.test_client()
    response = client.get("/admin/cases/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")
    assert client.post("/admin/cases/new", data=_order_form(shop)).status_code == 302
    assert client.get("/admin/orders/search?q=dvor").status_code == 302
    assert len(_cases(session, shop.account_id)) == 1


def test_another_accounts_order_is_not_found(client_for, shop, other_shop, session):
    client = client_for(Role.agent)
    assert client.get(f"/admin/cases/new?order={other_shop.order.id}").status_code == 404
    data = _order_form(other_shop)
    response = client.post("/admin/cases/new", data=data)
    assert response.status_code == 404
    assert len(_cases(session, shop.account_id)) == 1
    assert len(_cases(session, other_shop.account_id)) == 1


def test_another_accounts_channel_is_not_found(client_for, shop, other_shop, session):
    response = client_for(Role.agent).post(
        "/admin/cases/new", data=_free_form(shop, channel_id=str(other_shop.channel.id))
    )
    assert response.status_code == 404
    assert len(_cases(session, shop.account_id)) == 1


def test_a_deactivated_account_cannot_create_cases(client_for, shop, session):
    deactivate_account(session, account=shop.account, actor=shop.actors[Role.owner])
    session.commit()
    client = client_for(Role.owner)
    assert client.get("/admin/cases/new").status_code == 403
    assert client.post("/admin/cases/new", data=_order_form(shop)).status_code == 403
    assert len(_cases(session, shop.account_id)) == 1


def test_lodged_day_today_means_now(client_for, shop, session):
    before = clock.now()
    response = client_for(Role.agent).post(
        "/admin/cases/new", data=_order_form(shop, lodged_at=clock.today().isoformat())
    )
    assert response.status_code == 302
    assert clock.as_utc(_cases(session, shop.account_id)[-1].lodged_at) >= before.replace(microsecond=0)
