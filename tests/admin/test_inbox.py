"""The inbox: filters, the 3-character search, step tabs, keyset paging, and nothing from other accounts."""

from datetime import timedelta

import pytest

from retino_core import clock
from retino_core.accounts.permissions import Role
from retino_core.cases.actions import open_case, tag_case, transition_case
from retino_core.cases.models import CaseOrigin


def _open(session, shop, *, case_type="return", customer="Zuzana Řeháková", email="zuzana@example.test", **extra):
    case = open_case(
        session,
        account=shop.account,
        actor=shop.actors[Role.owner],
        payload={
            "case_type": case_type,
            "customer_name": customer,
            "customer_email": email,
            "items": [{"name": "Šála", "quantity": "1"}],
            "notify_customer": False,
            **extra,
        },
        origin=CaseOrigin.agent,
    )
    session.commit()
    return case


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_inbox(client_for, shop, role):
    response = client_for(role).get("/admin/")
    assert response.status_code == 200
    assert shop.case.number in response.get_data(as_text=True)


def test_other_accounts_cases_never_show(client_for, shop, other_shop):
    body = client_for(Role.owner).get("/admin/?q=dvor").get_data(as_text=True)
    assert shop.case.number in body
    assert f"/admin/cases/{other_shop.case.id}" not in body


def test_search_by_accent_free_name_and_by_order_code(client_for, shop, session):
    zuzana = _open(session, shop)
    client = client_for(Role.agent)
    body = client.get("/admin/?q=rehak").get_data(as_text=True)
    assert zuzana.number in body
    assert shop.case.number not in body
    body = client.get(f"/admin/?q={shop.order.code[:7]}").get_data(as_text=True)
    assert shop.case.number in body
    assert zuzana.number not in body


def test_search_shorter_than_three_characters_is_refused_politely(client_for, shop):
    response = client_for(Role.agent).get("/admin/?q=ab", headers={"Accept-Language": "cs"})
    assert response.status_code == 200
    assert "Pro hledání zadejte alespoň 3 znaky." in response.get_data(as_text=True)


def test_filters_by_type_step_tag_and_state(client_for, shop, session):
    zuzana = _open(session, shop)
    tag_case(session, account=shop.account, actor=shop.actors[Role.owner], case=zuzana, name="VIP")
    transition_case(
        session, account=shop.account, actor=shop.actors[Role.owner], case=zuzana, to_status="awaiting_goods"
    )
    session.commit()
    client = client_for(Role.agent)
    by_type = client.get(f"/admin/?type={zuzana.case_type_id}").get_data(as_text=True)
    assert zuzana.number in by_type
    assert shop.case.number not in by_type
    by_step = client.get("/admin/?step=waiting_for_goods").get_data(as_text=True)
    assert zuzana.number in by_step
    assert shop.case.number not in by_step
    by_tag = client.get("/admin/?tag=VIP").get_data(as_text=True)
    assert zuzana.number in by_tag
    assert shop.case.number not in by_tag
    closed = client.get("/admin/?open=0").get_data(as_text=True)
    assert zuzana.number not in closed
    assert shop.case.number not in closed


def test_step_tabs_count_what_the_filter_matches(client_for, shop, session):
    _open(session, shop)
    body = client_for(Role.agent).get("/admin/").get_data(as_text=True)
    assert '<span class="count">2</span>' in body
    assert 'Nový<span class="count">2</span>' in body or 'New<span class="count">2</span>' in body


def test_overdue_filter(client_for, shop, session):
    late = _open(session, shop, case_type="complaint", lodged_at=(clock.now() - timedelta(days=40)).isoformat())
    body = client_for(Role.agent).get("/admin/?deadline=overdue").get_data(as_text=True)
    assert late.number in body
    assert shop.case.number not in body


def test_keyset_pages_do_not_repeat_or_skip(client_for, shop, session, monkeypatch):
    from marketplace_app.admin.views import inbox

    monkeypatch.setattr(inbox, "PAGE_SIZE", 2)
    numbers = [shop.case.number] + [_open(session, shop, email=f"p{n}@example.test").number for n in range(4)]
    client = client_for(Role.agent)
    seen: list[str] = []
    url = "/admin/"
    while url:
        body = client.get(url).get_data(as_text=True)
        seen += [number for number in numbers if f">{number}</strong>" in body]
        marker = 'href="/admin/?before='
        url = (
            body[body.index(marker) + 6 : body.index('"', body.index(marker) + 6)].replace("&amp;", "&")
            if marker in body
            else ""
        )
    assert sorted(seen) == sorted(numbers)
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    "query",
    [
        "type=abc",
        "status=-1",
        "before=garbage",
        "deadline=sometime",
        "created_from=32.13.2026",
        "created_to=9999-12-31",
        "created_from=0001-01-01",
        "owner=99999999999999999999",
    ],
)
def test_malformed_filters_are_ignored_not_a_500(client_for, shop, query):
    response = client_for(Role.agent).get(f"/admin/?{query}")
    assert response.status_code == 200
