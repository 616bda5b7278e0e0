"""Inbox bulk actions (all or nothing, per-case refusals) and the streamed CSV export of the filter."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from retino_core.accounts.models import AccountStatus
from retino_core.accounts.permissions import Permission, Role, role_allows
from retino_core.cases.actions import open_case, transition_case
from retino_core.cases.models import Case, CaseHistory, CaseOrigin, CaseTag, Tag

EXPORTING_ROLES = [role for role in Role if role_allows(role, Permission.case_export)]
NOT_EXPORTING_ROLES = [role for role in Role if not role_allows(role, Permission.case_export)]
HEADER_CS = [
    "Případ",
    "Typ",
    "Stav",
    "Založeno (UTC)",
    "Uzavřeno (UTC)",
    "Zákazník",
    "E-mail",
    "Telefon",
    "Objednávka",
    "Kanál",
    "Řešitel",
    "Země",
    "Měna",
    "Položky",
    "Štítky",
    "Nejbližší otevřená lhůta (UTC)",
]


def _open(session, shop, *, customer="Zuzana Řeháková", case_type="return", items=(("Šála", "1"),)):
    case = open_case(
        session,
        account=shop.account,
        actor=shop.actors[Role.owner],
        payload={
            "case_type": case_type,
            "customer_name": customer,
            "customer_email": "zuzana@example.test",
            "items": [{"name": name, "quantity": quantity} for name, quantity in items],
            "notify_customer": False,
        },
        origin=CaseOrigin.agent,
    )
    session.commit()
    return case


def _rows(response) -> list[list[str]]:
    data = response.get_data()
    assert data[:3] == b"\xef\xbb\xbf"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def _state(session, *case_ids):
    """What a refused request must leave untouched: status, owner, tags and history of each case."""
    session.expire_all()
    return [
        (
            session.get(Case, case_id).status.code,
            session.get(Case, case_id).owner_id,
            session.scalar(select(func.count()).select_from(CaseTag).where(CaseTag.case_id == case_id)),
            session.scalar(select(func.count()).select_from(CaseHistory).where(CaseHistory.case_id == case_id)),
        )
        for case_id in case_ids
    ]


def _history(session, case_id, kind):
    session.expire_all()
    return [
        entry.data
        for entry in session.scalars(
            select(CaseHistory).where(CaseHistory.case_id == case_id, CaseHistory.kind == kind).order_by(CaseHistory.id)
        )
    ]


# --- export -----------------------------------------------------------------------------------


def test_export_streams_every_filtered_case_of_the_account_with_bom_and_translated_header(
    client_for, shop, other_shop, session
):
    # given two cases of the shop (the fixture's complaint and a return) and a case of another shop
    zuzana = _open(session, shop, customer="=Zuzana Řeháková", items=(("Šála", "1"), ("Čepice, modrá", "2")))
    _open(session, other_shop, customer="Cizí Zákazník")
    # when
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), tick=True):
        response = client_for(Role.owner).get("/admin/cases/export.csv")
    # then
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="cases-2026-11-23.csv"'
    assert response.is_streamed
    rows = _rows(response)
    assert rows[0] == HEADER_CS
    assert [row[0] for row in rows[1:]] == [zuzana.number, shop.case.number]
    assert rows[1][1:3] == ["Vratka", "Nový"]
    assert rows[1][5] == "'=Zuzana Řeháková"
    assert rows[1][13] == "Šála × 1; Čepice, modrá × 2"
    complaint = rows[2]
    assert complaint[1:3] == ["Reklamace", "Nový"]
    assert complaint[3] == shop.case.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    assert complaint[4] == ""
    assert complaint[5:7] == ["Petr Dvořák", "petr.dvorak@example.test"]
    assert complaint[8:10] == [shop.order.code, "E-shop"]
    assert complaint[11:14] == ["CZ", "CZK", "Tričko s potiskem × 1 (Vada nebo nefunkčnost)"]
    assert complaint[15] != ""
    assert "Cizí Zákazník" not in response.get_data(as_text=True)


def test_export_applies_the_inbox_filter_to_every_page_not_just_the_current_one(client_for, shop, session):
    # given three returns and the fixture's complaint, and a page cursor in the query string
    returns = [_open(session, shop, customer=f"Zákazník {number}") for number in range(3)]
    cursor = f"{returns[-1].created_at.isoformat()}|{returns[-1].id}"
    # when
    response = client_for(Role.dispatcher).get(
        "/admin/cases/export.csv", query_string={"type": returns[0].case_type_id, "before": cursor}
    )
    # then
    assert response.status_code == 200
    assert [row[0] for row in _rows(response)[1:]] == [case.number for case in reversed(returns)]


def test_export_with_a_semicolon_for_czech_excel(client_for, shop):
    response = client_for(Role.owner).get("/admin/cases/export.csv?sep=semicolon")
    assert response.status_code == 200
    lines = response.get_data()[3:].decode("utf-8").split("\r\n")
    assert lines[0] == ";".join(HEADER_CS)
    assert lines[1].startswith(f"{shop.case.number};Reklamace;Nový;")


def test_export_of_a_selection_ignores_ids_of_other_accounts(client_for, shop, other_shop, session):
    chosen = _open(session, shop, customer="Vybraný Zákazník")
    _open(session, shop, customer="Nevybraný Zákazník")
    foreign = _open(session, other_shop, customer="Cizí Zákazník")
    response = client_for(Role.owner).get(f"/admin/cases/export.csv?ids={chosen.id},{foreign.id}")
    assert response.status_code == 200
    rows = _rows(response)
    assert len(rows) == 2
    assert rows[1][0] == chosen.number
    assert rows[1][5] == "Vybraný Zákazník"


@pytest.mark.parametrize("role", EXPORTING_ROLES)
def test_roles_holding_case_export_may_export(client_for, shop, role):
    response = client_for(role).get("/admin/cases/export.csv")
    assert response.status_code == 200
    assert [row[0] for row in _rows(response)[1:]] == [shop.case.number]


@pytest.mark.parametrize("role", NOT_EXPORTING_ROLES)
def test_roles_without_case_export_are_refused(client_for, shop, role):
    assert client_for(role).get("/admin/cases/export.csv").status_code == 403


def test_the_permission_matrix_is_what_the_tests_expect():
    assert [Role.owner, Role.manager, Role.dispatcher] == EXPORTING_ROLES


def test_anonymous_export_goes_to_the_login(app, shop):
    response = app.test_client().get("/admin/cases/export.csv?type=1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


def test_a_deactivated_account_may_still_take_its_data_away(client_for, shop, session):
    shop.account.status = AccountStatus.deactivated
    session.commit()
    response = client_for(Role.owner).get("/admin/cases/export.csv")
    assert response.status_code == 200
    assert [row[0] for row in _rows(response)[1:]] == [shop.case.number]


@pytest.mark.parametrize(("query", "status"), [("sep=tab", 400), ("ids=1,x", 400), ("ids=-1", 400), ("q=ab", 422)])
def test_export_refuses_malformed_input(client_for, shop, query, status):
    assert client_for(Role.owner).get(f"/admin/cases/export.csv?{query}").status_code == status


def test_the_inbox_offers_the_export_and_row_checkboxes_only_to_who_may_use_them(client_for, shop):
    type_id = shop.case.case_type_id
    owner = client_for(Role.owner).get(f"/admin/?type={type_id}").get_data(as_text=True)
    assert f'href="/admin/cases/export.csv?type={type_id}"' in owner
    assert f'name="ids" value="{shop.case.id}" form="bulk-form"' in owner
    assert f'action="/admin/cases/bulk?type={type_id}"' in owner
    viewer = client_for(Role.viewer).get("/admin/").get_data(as_text=True)
    assert "/admin/cases/export.csv" not in viewer
    assert 'name="ids"' not in viewer
    assert "bulk-form" not in viewer


# --- bulk actions -----------------------------------------------------------------------------


def test_a_status_every_case_may_take_is_applied_to_all_with_history(client_for, shop, session):
    # given two new cases
    second = _open(session, shop)
    client = client_for(Role.agent)
    # when
    response = client.post(
        "/admin/cases/bulk?type=1",
        data={"action": "status", "to_status": "awaiting_goods", "ids": [shop.case.id, second.id]},
    )
    # then
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/?type=1"
    assert "Upraveny 2 případy" in client.get("/admin/").get_data(as_text=True)
    session.expire_all()
    for case_id in (shop.case.id, second.id):
        assert session.get(Case, case_id).status.code == "awaiting_goods"
        assert _history(session, case_id, "status_changed") == [{"status": ["new", "awaiting_goods"]}]


def test_one_case_that_cannot_take_the_status_refuses_the_whole_request(client_for, shop, session):
    # given a new case and a rejected one, which may only go back to review
    rejected = _open(session, shop)
    transition_case(session, account=shop.account, actor=shop.actors[Role.owner], case=rejected, to_status="rejected")
    session.commit()
    before = _state(session, shop.case.id, rejected.id)
    # when
    response = client_for(Role.agent).post(
        "/admin/cases/bulk",
        data={"action": "status", "to_status": "awaiting_goods", "ids": [shop.case.id, rejected.id]},
    )
    # then
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "1 případ odmítl změnu, proto se nezměnil žádný případ." in body
    assert (
        f"<strong>{rejected.number}</strong></a>: Případ nelze převést ze stavu rejected do stavu awaiting_goods."
        in body
    )
    assert f"<strong>{shop.case.number}</strong></a>:" not in body
    assert f'name="ids" value="{rejected.id}" form="bulk-form" aria-label="Vybrat {rejected.number}" checked' in body
    assert _state(session, shop.case.id, rejected.id) == before


def test_a_status_another_case_type_lacks_is_reported_for_that_case(client_for, shop, session):
    # given the fixture's complaint and a return; only complaints know "approved_discount"
    a_return = _open(session, shop)
    before = _state(session, shop.case.id, a_return.id)
    # when
    response = client_for(Role.owner).post(
        "/admin/cases/bulk",
        data={"action": "status", "to_status": "approved_discount", "ids": [shop.case.id, a_return.id]},
    )
    # then
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert f"<strong>{a_return.number}</strong></a>: Tento stav neexistuje." in body
    assert f"<strong>{shop.case.number}</strong></a>:" not in body
    assert '<option value="approved_discount" selected>' in body
    assert _state(session, shop.case.id, a_return.id) == before


def test_a_case_the_role_may_not_close_refuses_the_request(client_for, shop, session):
    second = _open(session, shop)
    before = _state(session, shop.case.id, second.id)
    response = client_for(Role.technician).post(
        "/admin/cases/bulk", data={"action": "status", "to_status": "rejected", "ids": [shop.case.id, second.id]}
    )
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert f"<strong>{shop.case.number}</strong></a>: K tomu nemáte oprávnění (case.close)." in body
    assert f"<strong>{second.number}</strong></a>: K tomu nemáte oprávnění (case.close)." in body
    assert _state(session, shop.case.id, second.id) == before


def test_a_foreign_id_is_not_found_and_nothing_changes(client_for, shop, other_shop, session):
    before = _state(session, shop.case.id, other_shop.case.id)
    response = client_for(Role.owner).post(
        "/admin/cases/bulk",
        data={"action": "status", "to_status": "awaiting_goods", "ids": [shop.case.id, other_shop.case.id]},
    )
    assert response.status_code == 404
    assert _state(session, shop.case.id, other_shop.case.id) == before


@pytest.mark.parametrize("action", ["status", "assign", "tag"])
def test_a_viewer_may_change_nothing_in_bulk(client_for, shop, session, action):
    before = _state(session, shop.case.id)
    response = client_for(Role.viewer).post(
        "/admin/cases/bulk",
        data={
            "action": action,
            "to_status": "awaiting_goods",
            "owner_id": shop.members[Role.agent].id,
            "tag": "VIP",
            "ids": [shop.case.id],
        },
    )
    assert response.status_code == 403
    assert _state(session, shop.case.id) == before


@pytest.mark.parametrize("action", ["status", "assign", "tag"])
def test_a_deactivated_account_changes_nothing_in_bulk(client_for, shop, session, action):
    shop.account.status = AccountStatus.deactivated
    session.commit()
    before = _state(session, shop.case.id)
    response = client_for(Role.owner).post(
        "/admin/cases/bulk",
        data={
            "action": action,
            "to_status": "awaiting_goods",
            "owner_id": shop.members[Role.agent].id,
            "tag": "VIP",
            "ids": [shop.case.id],
        },
    )
    assert response.status_code == 403
    assert _state(session, shop.case.id) == before


def test_assign_in_bulk(client_for, shop, session):
    second = _open(session, shop)
    agent = shop.members[Role.agent]
    response = client_for(Role.dispatcher).post(
        "/admin/cases/bulk", data={"action": "assign", "owner_id": agent.id, "ids": [shop.case.id, second.id]}
    )
    assert response.status_code == 303
    session.expire_all()
    for case_id in (shop.case.id, second.id):
        assert session.get(Case, case_id).owner_id == agent.id
        assert _history(session, case_id, "owner_changed") == [{"owner_id": [None, agent.id]}]


def test_assigning_a_non_member_refuses_every_case(client_for, shop, other_shop, session):
    before = _state(session, shop.case.id)
    response = client_for(Role.owner).post(
        "/admin/cases/bulk",
        data={"action": "assign", "owner_id": other_shop.members[Role.agent].id, "ids": [shop.case.id]},
    )
    assert response.status_code == 422
    assert _state(session, shop.case.id) == before


def test_tag_in_bulk(client_for, shop, session):
    second = _open(session, shop)
    response = client_for(Role.technician).post(
        "/admin/cases/bulk", data={"action": "tag", "tag": "VIP", "ids": [shop.case.id, second.id]}
    )
    assert response.status_code == 303
    session.expire_all()
    tag = session.scalar(Tag.select_for_account(shop.account_id).where(Tag.name == "VIP"))
    for case_id in (shop.case.id, second.id):
        assert [t.name for t in session.get(Case, case_id).tags] == ["VIP"]
        assert _history(session, case_id, "tag_added") == [{"tag": "VIP"}]
    assert tag is not None


def test_export_of_a_selection_from_the_bulk_form(client_for, shop, other_shop, session):
    second = _open(session, shop)
    client = client_for(Role.dispatcher)
    response = client.post(
        "/admin/cases/bulk", data={"action": "export", "sep": "semicolon", "ids": [second.id, shop.case.id]}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/cases/export.csv?ids={shop.case.id},{second.id}&sep=semicolon"
    foreign = client.post("/admin/cases/bulk", data={"action": "export", "ids": [second.id, other_shop.case.id]})
    assert foreign.status_code == 404
    assert (
        client_for(Role.agent).post("/admin/cases/bulk", data={"action": "export", "ids": [second.id]}).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"action": "status", "to_status": ""}, 422),
        ({"action": "assign", "owner_id": "someone"}, 422),
        ({"action": "tag", "tag": " "}, 422),
        ({"action": "delete"}, 400),
        ({"action": "status", "to_status": "awaiting_goods", "ids": "x"}, 400),
    ],
)
def test_an_incomplete_bulk_form_changes_nothing(client_for, shop, session, data, status):
    before = _state(session, shop.case.id)
    response = client_for(Role.owner).post("/admin/cases/bulk", data={"ids": [shop.case.id], **data})
    assert response.status_code == status
    assert _state(session, shop.case.id) == before


def test_an_empty_selection_changes_nothing(client_for, shop, session):
    before = _state(session, shop.case.id)
    response = client_for(Role.owner).post(
        "/admin/cases/bulk", data={"action": "status", "to_status": "awaiting_goods"}
    )
    assert response.status_code == 422
    assert "Vyberte alespoň jeden případ." in response.get_data(as_text=True)
    assert _state(session, shop.case.id) == before


def test_anonymous_bulk_goes_to_the_login(app, shop, session):
    before = _state(session, shop.case.id)
    response = app.test_client().post(
        "/admin/cases/bulk", data={"action": "status", "to_status": "awaiting_goods", "ids": [shop.case.id]}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login"
    assert _state(session, shop.case.id) == before
