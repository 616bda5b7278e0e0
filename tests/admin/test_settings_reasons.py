"""Item reasons in the admin: the settings endpoints (their access matrix and what they do), the
reason dropdown of manual case creation, and reason names on the case and the statistics page."""

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from retino_core.accounts.actor import Actor
from retino_core.accounts.models import AccountStatus
from retino_core.accounts.permissions import Role
from retino_core.case_types.actions import rename_reason, retire_reason
from retino_core.case_types.models import CaseReason, CaseType
from retino_core.cases.models import Case
from tests.admin.conftest import Shop

SYSTEM = Actor.system("test")
REFUSED_ROLES = [Role.viewer, Role.agent, Role.technician, Role.dispatcher]
ALLOWED_ROLES = [Role.manager, Role.owner]
NAMES = {"names-en": "Wrong colour", "names-cs": "Jiná barva"}
BASE = "/admin/settings/types/{type}/reasons"

#: Every reason endpoint: (name, path, form data); a manager or owner changes something with it.
ENDPOINTS: list[tuple[str, str, dict[str, Any]]] = [
    ("reason_add", BASE, {"code": "wrong_colour", **NAMES}),
    ("reason_rename", BASE + "/{reason}", NAMES),
    ("reason_move", BASE + "/{reason}/move", {"direction": "down"}),
    ("reason_retire", BASE + "/{reason}/retire", {"retired": "true"}),
]
ENDPOINT_IDS = [endpoint[0] for endpoint in ENDPOINTS]


def _type(session, shop: Shop, code: str = "complaint") -> CaseType:
    return session.scalar(CaseType.select_for_account(shop.account_id).where(CaseType.code == code))


def ids(session, shop: Shop) -> dict[str, int]:
    complaint = _type(session, shop)
    return {"type": complaint.id, "reason": complaint.reason_by_code("defect").id}


def call(client, session, shop: Shop, path: str, data: dict[str, Any], *, ids_of: Shop | None = None):
    values = ids(session, ids_of or shop)
    return client.post(path.format(**values), data=data)


def snapshot(session, shop: Shop) -> list[tuple]:
    """Every reason of the account as stored."""
    session.expire_all()
    return session.execute(
        select(CaseReason.case_type_id, CaseReason.code, CaseReason.names, CaseReason.position, CaseReason.is_retired)
        .where(CaseReason.account_id == shop.account_id)
        .order_by(CaseReason.id)
    ).all()


def _cases(session, shop: Shop) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Case).where(Case.account_id == shop.account_id))


# --- access matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "path", "data"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_anonymous_goes_to_login_and_changes_nothing(app, shop, session, name, path, data):
    before = snapshot(session, shop)
    response = call(app.test_client(), session, shop, path, data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")
    assert snapshot(session, shop) == before


@pytest.mark.parametrize(("name", "path", "data"), ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.parametrize("role", REFUSED_ROLES, ids=lambda role: role.value)
def test_roles_without_settings_get_403_and_change_nothing(shop, session, client_for, role, name, path, data):
    before = snapshot(session, shop)
    response = call(client_for(role), session, shop, path, data)
    assert response.status_code == 403
    assert snapshot(session, shop) == before


@pytest.mark.parametrize(("name", "path", "data"), ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.parametrize("role", ALLOWED_ROLES, ids=lambda role: role.value)
def test_owners_and_managers_may(shop, session, client_for, role, name, path, data):
    before = snapshot(session, shop)
    response = call(client_for(role), session, shop, path, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].startswith(f"/admin/settings/types/{ids(session, shop)['type']}#reason")
    assert snapshot(session, shop) != before


@pytest.mark.parametrize(("name", "path", "data"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_another_accounts_type_and_reason_are_404_and_change_nothing(
    shop, other_shop, session, client_for, name, path, data
):
    theirs, ours = snapshot(session, other_shop), snapshot(session, shop)
    response = call(client_for(Role.owner), session, shop, path, data, ids_of=other_shop)
    assert response.status_code == 404
    assert snapshot(session, other_shop) == theirs
    assert snapshot(session, shop) == ours


@pytest.mark.parametrize(("name", "path", "data"), [e for e in ENDPOINTS if "{reason}" in e[1]], ids=ENDPOINT_IDS[1:])
def test_another_accounts_reason_through_our_type_is_404(shop, other_shop, session, client_for, name, path, data):
    theirs, ours = snapshot(session, other_shop), snapshot(session, shop)
    url = path.format(type=ids(session, shop)["type"], reason=ids(session, other_shop)["reason"])
    assert client_for(Role.owner).post(url, data=data).status_code == 404
    # a reason of another of our own types, or an id beyond any row, is not found either
    other_type_reason = _type(session, shop, "return").reasons[0].id
    for reason_id in (other_type_reason, 2**64):
        url = path.format(type=ids(session, shop)["type"], reason=reason_id)
        assert client_for(Role.owner).post(url, data=data).status_code == 404
    assert snapshot(session, other_shop) == theirs
    assert snapshot(session, shop) == ours


@pytest.mark.parametrize(("name", "path", "data"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_a_deactivated_account_gets_403_and_changes_nothing(shop, session, client_for, name, path, data):
    shop.account.status = AccountStatus.deactivated
    session.commit()
    before = snapshot(session, shop)
    response = call(client_for(Role.owner), session, shop, path, data)
    assert response.status_code == 403
    assert snapshot(session, shop) == before


@pytest.mark.parametrize(
    ("path", "data", "status", "message"),
    [
        (
            BASE,
            {"code": "Bad Code", **NAMES},
            422,
            "Use lower-case letters, digits and underscores, starting with a letter.",
        ),
        (BASE, {"code": "", **NAMES}, 422, "Length must be between 1 and 64."),
        (BASE, {"code": "defect", **NAMES}, 422, "Another reason of this type uses this code."),
        (BASE, {"code": "ok", "names-en": " "}, 422, "Give a name in at least one language."),
        (BASE + "/{reason}", {"names-en": "", "names-cs": ""}, 422, "Give a name in at least one language."),
        (BASE + "/{reason}", {"names-en": "x" * 201}, 422, "Longer than maximum length 200."),
        (BASE + "/{reason}/move", {"direction": "sideways"}, 400, None),
        (BASE + "/{reason}/move", {}, 400, None),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    shop, session, client_for, path, data, status, message
):
    before = snapshot(session, shop)
    response = call(client_for(Role.owner), session, shop, path + "?lang=en", data)
    assert response.status_code == status
    if message is not None:
        body = response.get_data(as_text=True)
        assert message in body
        assert "<details open>" in body
    assert snapshot(session, shop) == before


# --- what the settings do ---------------------------------------------------------------------


def test_the_case_type_page_lists_the_reasons_in_order_with_their_forms(shop, session, client_for):
    complaint = _type(session, shop)
    retire_reason(
        session,
        account=shop.account,
        actor=SYSTEM,
        case_type_id=complaint.id,
        reason_id=complaint.reason_by_code("missing_part").id,
    )
    session.commit()
    body = client_for(Role.owner).get(f"/admin/settings/types/{complaint.id}?lang=en").get_data(as_text=True)
    section = body[body.index('id="reasons"') : body.index('id="fields"')]
    assert re.findall(r"<code class=\"muted\">([a-z_]+)</code>", section) == [
        "defect",
        "damaged_in_transport",
        "missing_part",
        "not_as_ordered",
    ]
    assert "Defective or not working" in section
    retired = complaint.reason_by_code("missing_part")
    assert f'<li id="reason-{retired.id}" class="retired">' in section
    assert 'name="retired" value="false"' in section
    assert section.count('name="direction" value="up"') == 3
    assert section.count('name="direction" value="down"') == 3
    assert 'value="Vada nebo nefunkčnost"' in section
    assert 'name="code"' in section
    withdrawal = _type(session, shop, "withdrawal")
    body = client_for(Role.owner).get(f"/admin/settings/types/{withdrawal.id}?lang=en").get_data(as_text=True)
    assert "This case type asks for no reason." in body


def test_adding_renaming_moving_and_retiring_through_the_forms(shop, session, client_for):
    client = client_for(Role.manager)
    complaint = _type(session, shop)
    base = f"/admin/settings/types/{complaint.id}/reasons"
    assert client.post(base, data={"code": "wrong_colour", **NAMES}).status_code == 302
    session.expire_all()
    added = _type(session, shop).reason_by_code("wrong_colour")
    assert added.names == {"en": "Wrong colour", "cs": "Jiná barva"}
    assert added.position == 4
    response = client.post(f"{base}/{added.id}", data={"names-en": "Other colour", "names-cs": ""})
    assert response.headers["Location"].endswith(f"#reason-{added.id}")
    assert client.post(f"{base}/{added.id}/move", data={"direction": "up"}).status_code == 302
    assert client.post(f"{base}/{added.id}/retire", data={"retired": "true"}).status_code == 302
    session.expire_all()
    complaint = _type(session, shop)
    assert [reason.code for reason in complaint.reasons] == [
        "defect",
        "damaged_in_transport",
        "missing_part",
        "wrong_colour",
        "not_as_ordered",
    ]
    assert complaint.reason_by_code("wrong_colour").names == {"en": "Other colour"}
    assert complaint.reason_by_code("wrong_colour").is_retired
    assert client.post(f"{base}/{added.id}/retire", data={"retired": "false"}).status_code == 302
    session.expire_all()
    assert not _type(session, shop).reason_by_code("wrong_colour").is_retired


# --- manual case creation ---------------------------------------------------------------------


def _reason_options(body: str, key: str) -> list[tuple[str, str]]:
    select_html = re.search(rf'<select id="item-{key}-reason".*?</select>', body, re.S)
    assert select_html is not None
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select_html.group(0))


def test_the_reason_is_a_dropdown_of_the_chosen_types_active_reasons(shop, session, client_for):
    complaint = _type(session, shop)
    retire_reason(
        session,
        account=shop.account,
        actor=SYSTEM,
        case_type_id=complaint.id,
        reason_id=complaint.reason_by_code("missing_part").id,
    )
    session.commit()
    client = client_for(Role.agent)
    # no type chosen yet: nothing to choose from
    assert 'name="item-n0-reason"' not in client.get("/admin/cases/new").get_data(as_text=True)
    body = client.get("/admin/cases/new?type=complaint&lang=cs").get_data(as_text=True)
    assert _reason_options(body, "n0") == [
        ("", "—"),
        ("defect", "Vada nebo nefunkčnost"),
        ("damaged_in_transport", "Zboží dorazilo poškozené"),
        ("not_as_ordered", "Neodpovídá objednávce"),
    ]
    # changing the type re-renders the form with that type's reasons
    refreshed = client.post(
        "/admin/cases/new?lang=en",
        data={"action": "refresh", "case_type": "missing_item", "rows": "1", "item-n0-reason": "defect"},
    )
    assert refreshed.status_code == 200
    assert _reason_options(refreshed.get_data(as_text=True), "n0") == [
        ("", "—"),
        ("missing_from_parcel", "Item missing from the parcel"),
    ]
    # a withdrawal asks for no reason
    body = client.get("/admin/cases/new?type=withdrawal").get_data(as_text=True)
    assert 'name="item-n0-reason"' not in body


def test_the_chosen_reason_is_kept_and_selected_after_a_refresh(shop, client_for):
    first = shop.order.items[0]
    body = (
        client_for(Role.agent)
        .post(
            f"/admin/cases/new?order={shop.order.id}",
            data={
                "action": "refresh",
                "case_type": "complaint",
                "order_id": str(shop.order.id),
                f"item-o{first.id}-reason": "missing_part",
            },
        )
        .get_data(as_text=True)
    )
    assert '<option value="missing_part" selected>' in body


def _create_form(shop: Shop, reason: str, case_type: str = "complaint") -> dict[str, str]:
    return {
        "action": "create",
        "case_type": case_type,
        "customer_name": "Zuzana Řeháková",
        "customer_email": "zuzana@example.test",
        "language": "cs",
        "country": "CZ",
        "rows": "1",
        "item-n0-name": "Šála",
        "item-n0-quantity": "1",
        "item-n0-reason": reason,
    }


@pytest.mark.parametrize("reason", ["wrong_size", "hole_after_wash", "missing_part"])
def test_a_reason_the_type_does_not_offer_is_422_on_that_item_and_stores_nothing(shop, session, client_for, reason):
    complaint = _type(session, shop)
    retire_reason(
        session,
        account=shop.account,
        actor=SYSTEM,
        case_type_id=complaint.id,
        reason_id=complaint.reason_by_code("missing_part").id,
    )
    session.commit()
    before = _cases(session, shop)
    response = client_for(Role.agent).post("/admin/cases/new?lang=en", data=_create_form(shop, reason))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert (
        '<p class="error field-error" id="item-n0-reason-error">Choose one of the reasons this case type offers.</p>'
        in body
    )
    assert 'aria-describedby="item-n0-reason-error" aria-invalid="true"' in body
    assert _cases(session, shop) == before


def test_a_case_is_created_with_the_chosen_reason(shop, session, client_for):
    before = _cases(session, shop)
    response = client_for(Role.agent).post("/admin/cases/new", data=_create_form(shop, "damaged_in_transport"))
    assert response.status_code == 302
    assert _cases(session, shop) == before + 1
    case = session.scalars(select(Case).where(Case.account_id == shop.account_id).order_by(Case.id.desc())).first()
    assert case.items[0].reason == "damaged_in_transport"


# --- names where reasons are shown ------------------------------------------------------------


def test_the_case_shows_the_reasons_name_even_when_renamed_or_retired(shop, session, client_for):
    client = client_for(Role.viewer)
    url = f"/admin/cases/{shop.case.id}?lang=en"
    assert "<dt>Reason</dt><dd>Defective or not working</dd>" in client.get(url).get_data(as_text=True)
    complaint = _type(session, shop)
    defect = complaint.reason_by_code("defect")
    rename_reason(
        session,
        account=shop.account,
        actor=SYSTEM,
        case_type_id=complaint.id,
        reason_id=defect.id,
        payload={"names": {"en": "Faulty"}},
    )
    retire_reason(session, account=shop.account, actor=SYSTEM, case_type_id=complaint.id, reason_id=defect.id)
    session.commit()
    assert "<dt>Reason</dt><dd>Faulty</dd>" in client.get(url).get_data(as_text=True)
    # a code that is no reason of the type (a platform's own) shows as it is
    shop.case.items[0].reason = "ALLEGRO_DAMAGED"
    session.commit()
    assert "<dt>Reason</dt><dd>ALLEGRO_DAMAGED</dd>" in client.get(url).get_data(as_text=True)


def test_the_statistics_name_the_top_reasons_in_the_members_language(shop, client_for):
    body = client_for(Role.viewer).get("/admin/statistics?lang=cs").get_data(as_text=True)
    assert "<td>Vada nebo nefunkčnost</td><td>1</td>" in body
    assert "<td>defect</td>" not in body
