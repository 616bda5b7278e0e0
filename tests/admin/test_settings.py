"""The settings screens: the access matrix of every endpoint, what each form does, and how bad input
comes back as a 422 form error that stores nothing."""

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from retino_core.accounts.actor import Actor
from retino_core.accounts.models import AccountStatus
from retino_core.accounts.permissions import Role
from retino_core.case_types.actions import retire_status
from retino_core.case_types.models import CaseStatus, CaseType, CaseTypeField, ProcessStep, StatusTransition
from retino_core.cases.actions import delete_tag, rename_tag, tag_case
from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.cases.models import CaseHistory, CaseTag, Tag
from retino_core.custom_fields.actions import create_field_definition
from retino_core.custom_fields.models import CustomFieldDefinition
from tests.admin.conftest import Shop

SYSTEM = Actor.system("test")
REFUSED_ROLES = [Role.viewer, Role.agent, Role.technician, Role.dispatcher]
ALLOWED_ROLES = [Role.manager, Role.owner]


def complaint_of(session, shop: Shop) -> CaseType:
    return session.scalar(CaseType.select_for_account(shop.account_id).where(CaseType.code == "complaint"))


@pytest.fixture
def ready_shop(session, shop) -> Shop:
    """The shop with a field linked to nothing yet, one more field linked to complaints and a tag on its case."""
    create_field_definition(
        session,
        account=shop.account,
        actor=SYSTEM,
        payload={"key": "serial", "field_type": "text", "names": {"en": "Serial"}},
    )
    tag_case(session, account=shop.account, actor=SYSTEM, case=shop.case, name="vip")
    session.commit()
    return shop


def _ready(session, shop: Shop) -> Shop:
    create_field_definition(
        session,
        account=shop.account,
        actor=SYSTEM,
        payload={"key": "serial", "field_type": "text", "names": {"en": "Serial"}},
    )
    tag_case(session, account=shop.account, actor=SYSTEM, case=shop.case, name="vip")
    session.commit()
    return shop


def ids(session, shop: Shop) -> dict[str, Any]:
    complaint = complaint_of(session, shop)
    return {
        "type": complaint.id,
        "step": complaint.steps[3].id,
        "status": complaint.status_by_code("at_service").id,
        "field": session.scalar(
            select(CustomFieldDefinition.id).where(
                CustomFieldDefinition.account_id == shop.account_id, CustomFieldDefinition.key == "serial"
            )
        ),
        "tag": session.scalar(select(Tag.id).where(Tag.account_id == shop.account_id)),
    }


NAMES = {"names-en": "Something", "names-cs": "Něco"}

#: Every settings endpoint: (name, method, path, form data); a manager or owner succeeds with it.
ENDPOINTS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("index", "GET", "/admin/settings/", {}),
    ("type", "GET", "/admin/settings/types/{type}", {}),
    ("fields", "GET", "/admin/settings/fields", {}),
    ("field", "GET", "/admin/settings/fields/{field}", {}),
    ("tags", "GET", "/admin/settings/tags", {}),
    (
        "type_create",
        "POST",
        "/admin/settings/types",
        {"code": "exchange", "color": "#00aa00", "number_prefix": "X", **NAMES},
    ),
    ("type_update", "POST", "/admin/settings/types/{type}", {"color": "#112233", "number_prefix": "RK", **NAMES}),
    ("step_add", "POST", "/admin/settings/types/{type}/steps", {"code": "diagnosis", **NAMES}),
    ("step_rename", "POST", "/admin/settings/types/{type}/steps/{step}", NAMES),
    (
        "status_add",
        "POST",
        "/admin/settings/types/{type}/statuses",
        {"step_id": "{step}", "code": "with_supplier", "color": "#123456", **NAMES},
    ),
    ("status_update", "POST", "/admin/settings/types/{type}/statuses/{status}", {"color": "#654321", **NAMES}),
    ("status_retire", "POST", "/admin/settings/types/{type}/statuses/{status}/retire", {"retired": "true"}),
    ("status_delete", "POST", "/admin/settings/types/{type}/statuses/{status}/delete", {}),
    ("transitions", "POST", "/admin/settings/types/{type}/transitions", {"edge": ["new:in_review"]}),
    ("field_link", "POST", "/admin/settings/types/{type}/fields", {"field_id": "{field}", "is_required": "true"}),
    ("field_create", "POST", "/admin/settings/fields", {"key": "colour", "field_type": "text", **NAMES}),
    ("field_update", "POST", "/admin/settings/fields/{field}", {"position": "3", **NAMES}),
    ("field_deactivate", "POST", "/admin/settings/fields/{field}/deactivate", {}),
    ("tag_update", "POST", "/admin/settings/tags/{tag}", {"name": "important", "color": "#ff0000"}),
    ("tag_delete", "POST", "/admin/settings/tags/{tag}/delete", {}),
]
ENDPOINT_IDS = [endpoint[0] for endpoint in ENDPOINTS]
POSTS = [endpoint for endpoint in ENDPOINTS if endpoint[1] == "POST"]
POST_IDS = [endpoint[0] for endpoint in POSTS]


def call(client, session, shop: Shop, method: str, path: str, data: dict[str, Any], *, ids_of: Shop | None = None):
    values = ids(session, ids_of or shop)
    url = path.format(**values)
    form = {
        key: [item.format(**values) for item in value] if isinstance(value, list) else value.format(**values)
        for key, value in data.items()
    }
    return client.open(url, method=method, data=form if method == "POST" else None)


def snapshot(session, shop: Shop) -> tuple:
    """Everything the settings can change, for one account."""
    session.expire_all()
    account_id = shop.account_id
    types = session.execute(
        select(CaseType.code, CaseType.color, CaseType.number_prefix, CaseType.names, CaseType.initial_status_id)
        .where(CaseType.account_id == account_id)
        .order_by(CaseType.id)
    ).all()
    steps = session.execute(
        select(ProcessStep.code, ProcessStep.names).where(ProcessStep.account_id == account_id).order_by(ProcessStep.id)
    ).all()
    statuses = session.execute(
        select(CaseStatus.code, CaseStatus.color, CaseStatus.names, CaseStatus.is_retired, CaseStatus.position)
        .where(CaseStatus.account_id == account_id)
        .order_by(CaseStatus.id)
    ).all()
    edges = session.scalar(
        select(func.count()).select_from(StatusTransition).where(StatusTransition.account_id == account_id)
    )
    links = session.execute(
        select(CaseTypeField.field_id, CaseTypeField.is_required).where(CaseTypeField.account_id == account_id)
    ).all()
    fields = session.execute(
        select(CustomFieldDefinition.key, CustomFieldDefinition.names, CustomFieldDefinition.is_active)
        .where(CustomFieldDefinition.account_id == account_id)
        .order_by(CustomFieldDefinition.id)
    ).all()
    tags = session.execute(select(Tag.name, Tag.color).where(Tag.account_id == account_id)).all()
    case_tags = session.scalar(select(func.count()).select_from(CaseTag).where(CaseTag.account_id == account_id))
    return (types, steps, statuses, edges, links, fields, tags, case_tags)


@pytest.mark.parametrize(("name", "method", "path", "data"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_anonymous_goes_to_login_and_changes_nothing(app, ready_shop, session, name, method, path, data):
    before = snapshot(session, ready_shop)
    response = call(app.test_client(), session, ready_shop, method, path, data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")
    assert snapshot(session, ready_shop) == before


@pytest.mark.parametrize(("name", "method", "path", "data"), ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.parametrize("role", REFUSED_ROLES, ids=lambda role: role.value)
def test_roles_without_settings_get_403_and_change_nothing(
    ready_shop, session, client_for, role, name, method, path, data
):
    before = snapshot(session, ready_shop)
    response = call(client_for(role), session, ready_shop, method, path, data)
    assert response.status_code == 403
    assert snapshot(session, ready_shop) == before


@pytest.mark.parametrize(("name", "method", "path", "data"), ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.parametrize("role", ALLOWED_ROLES, ids=lambda role: role.value)
def test_owners_and_managers_may(ready_shop, session, client_for, role, name, method, path, data):
    before = snapshot(session, ready_shop)
    response = call(client_for(role), session, ready_shop, method, path, data)
    if method == "GET":
        assert response.status_code == 200, response.get_data(as_text=True)
        return
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].startswith("/admin/settings/")
    assert snapshot(session, ready_shop) != before


@pytest.mark.parametrize(
    ("name", "method", "path", "data"),
    [endpoint for endpoint in ENDPOINTS if "{" in endpoint[2]],
    ids=[endpoint[0] for endpoint in ENDPOINTS if "{" in endpoint[2]],
)
def test_another_accounts_ids_are_404_and_change_nothing(
    ready_shop, other_shop, session, client_for, name, method, path, data
):
    _ready(session, other_shop)
    theirs = snapshot(session, other_shop)
    ours = snapshot(session, ready_shop)
    response = call(client_for(Role.owner), session, ready_shop, method, path, data, ids_of=other_shop)
    assert response.status_code == 404
    assert snapshot(session, other_shop) == theirs
    assert snapshot(session, ready_shop) == ours


def test_another_accounts_field_or_status_through_our_type_is_404(ready_shop, other_shop, session, client_for):
    _ready(session, other_shop)
    ours, theirs = ids(session, ready_shop), ids(session, other_shop)
    client = client_for(Role.owner)
    before = snapshot(session, ready_shop)
    base = f"/admin/settings/types/{ours['type']}"
    assert client.post(f"{base}/statuses/{theirs['status']}/retire").status_code == 404
    assert client.post(f"{base}/statuses/{theirs['status']}", data={"color": "#000000"}).status_code == 404
    assert client.post(f"{base}/steps/{theirs['step']}", data=NAMES).status_code == 404
    assert client.post(f"{base}/fields", data={"field_id": str(theirs["field"])}).status_code == 404
    assert client.post("/admin/settings/types/abc").status_code == 404
    assert snapshot(session, ready_shop) == before


@pytest.mark.parametrize(("name", "method", "path", "data"), POSTS, ids=POST_IDS)
def test_a_deactivated_account_gets_403_on_post(ready_shop, session, client_for, name, method, path, data):
    ready_shop.account.status = AccountStatus.deactivated
    session.commit()
    before = snapshot(session, ready_shop)
    response = call(client_for(Role.owner), session, ready_shop, method, path, data)
    assert response.status_code == 403
    assert snapshot(session, ready_shop) == before


def test_the_index_lists_types_fields_and_tags(ready_shop, client_for):
    body = client_for(Role.manager).get("/admin/settings/?lang=en").get_data(as_text=True)
    for text in ("Complaint", "Missing item", "serial", "vip", "Create case type"):
        assert text in body


def test_the_case_type_page_shows_names_colours_matrix_and_initial_status(ready_shop, session, client_for):
    complaint = complaint_of(session, ready_shop)
    body = client_for(Role.owner).get(f"/admin/settings/types/{complaint.id}?lang=en").get_data(as_text=True)
    for code in ("cs", "sk", "pl", "en", "de", "hu"):
        assert f'name="names-{code}"' in body
    assert 'type="color" id="type-color" name="color" value="#dc2626"' in body
    assert 'name="edge" value="new:in_review"' in body
    assert re.search(r'name="edge" value="new:in_review"[^>]*checked', body)
    assert 'name="edge" value="new:new"' not in body
    assert re.search(r'<option value="\d+" selected>New</option>', body)


def test_a_retired_status_is_not_offered_as_target_nor_initial_status_nor_on_the_case(ready_shop, session, client_for):
    complaint = complaint_of(session, ready_shop)
    in_review = complaint.status_by_code("in_review")
    retire_status(session, account=ready_shop.account, actor=SYSTEM, case_type_id=complaint.id, status_id=in_review.id)
    session.commit()
    client = client_for(Role.owner)
    body = client.get(f"/admin/settings/types/{complaint.id}?lang=en").get_data(as_text=True)
    assert ":in_review" not in body
    assert 'name="edge" value="in_review:repaired"' in body
    assert f'<option value="{in_review.id}"' not in body
    detail = client.get(f"/admin/cases/{ready_shop.case.id}?lang=en").get_data(as_text=True)
    assert 'name="to_status" value="in_review"' not in detail
    response = client.post(f"/admin/cases/{ready_shop.case.id}/status", data={"to_status": "in_review"})
    assert response.status_code == 409
    session.expire_all()
    assert ready_shop.case.status.code == "new"
    # and it cannot be chosen as the initial status either
    response = client.post(
        f"/admin/settings/types/{complaint.id}", data={"initial_status_id": str(in_review.id), **NAMES}
    )
    assert response.status_code == 422
    assert "Vyberte nevyřazený stav tohoto typu." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"color": "red"}, "Use a colour in the form #rrggbb."),
        ({"number_prefix": "V"}, "Another case type already uses this number prefix."),
        ({"number_prefix": "NOT-OK"}, "Use 1 to 10 capital letters or digits."),
        ({"names-en": " ", "names-cs": ""}, "Give a name in at least one language."),
    ],
)
def test_bad_case_type_input_is_422_next_to_the_field_and_changes_nothing(
    ready_shop, session, client_for, data, message
):
    complaint = complaint_of(session, ready_shop)
    before = snapshot(session, ready_shop)
    response = client_for(Role.owner).post(
        f"/admin/settings/types/{complaint.id}?lang=en", data={**NAMES, "color": "#000000", **data}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert 'aria-invalid="true"' in body
    assert snapshot(session, ready_shop) == before


def test_deleting_a_used_status_is_409_and_changes_nothing(ready_shop, session, client_for):
    complaint = complaint_of(session, ready_shop)
    new = complaint.status_by_code("new")
    before = snapshot(session, ready_shop)
    response = client_for(Role.owner).post(f"/admin/settings/types/{complaint.id}/statuses/{new.id}/delete")
    assert response.status_code == 409
    in_review = complaint.status_by_code("in_review")
    ready_shop.case.status_id = in_review.id
    session.commit()
    before = snapshot(session, ready_shop)
    response = client_for(Role.owner).post(f"/admin/settings/types/{complaint.id}/statuses/{in_review.id}/delete")
    assert response.status_code == 409
    assert snapshot(session, ready_shop) == before


def test_transitions_with_a_foreign_status_are_422_and_change_nothing(ready_shop, session, client_for):
    complaint = complaint_of(session, ready_shop)
    before = snapshot(session, ready_shop)
    response = client_for(Role.owner).post(
        f"/admin/settings/types/{complaint.id}/transitions?lang=en",
        data={"edge": ["new:in_review", "new:missing_item_sent"]},
    )
    assert response.status_code == 422
    assert "These transitions are not possible: new → missing_item_sent." in response.get_data(as_text=True)
    assert snapshot(session, ready_shop) == before
    assert (
        client_for(Role.owner)
        .post(f"/admin/settings/types/{complaint.id}/transitions", data={"edge": ["garbage"]})
        .status_code
        == 400
    )


def test_the_transitions_matrix_replaces_the_edges(ready_shop, session, client_for):
    complaint = complaint_of(session, ready_shop)
    response = client_for(Role.manager).post(
        f"/admin/settings/types/{complaint.id}/transitions", data={"edge": ["new:in_review", "in_review:repaired"]}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#transitions")
    session.expire_all()
    assert (
        session.scalar(
            select(func.count()).select_from(StatusTransition).where(StatusTransition.case_type_id == complaint.id)
        )
        == 2
    )


def test_creating_a_type_redirects_to_its_page(ready_shop, session, client_for):
    response = client_for(Role.owner).post(
        "/admin/settings/types",
        data={"code": "exchange", "color": "#00AA00", "number_prefix": "x", "is_public": ["false", "true"], **NAMES},
    )
    assert response.status_code == 302
    created = session.scalar(CaseType.select_for_account(ready_shop.account_id).where(CaseType.code == "exchange"))
    assert response.headers["Location"] == f"/admin/settings/types/{created.id}"
    assert (created.number_prefix, created.color, created.is_public) == ("X", "#00aa00", True)


def test_a_duplicate_field_key_is_422(ready_shop, session, client_for):
    before = snapshot(session, ready_shop)
    response = client_for(Role.owner).post(
        "/admin/settings/fields?lang=en", data={"key": "serial", "field_type": "text", **NAMES}
    )
    assert response.status_code == 422
    assert "Another custom field already uses this key." in response.get_data(as_text=True)
    assert snapshot(session, ready_shop) == before


def test_a_dropdown_field_gets_its_options_from_the_textarea(ready_shop, session, client_for):
    response = client_for(Role.owner).post(
        "/admin/settings/fields?lang=en",
        data={"key": "condition", "field_type": "dropdown", "options": "new = As new\nworn\n", **NAMES},
    )
    assert response.status_code == 302
    field = session.scalar(select(CustomFieldDefinition).where(CustomFieldDefinition.key == "condition"))
    assert field.options == [{"value": "new", "names": {"en": "As new"}}, {"value": "worn", "names": {}}]


def test_tag_rename_refuses_a_taken_name_and_a_bad_colour(ready_shop, session, client_for):
    tag_case(session, account=ready_shop.account, actor=SYSTEM, case=ready_shop.case, name="urgent")
    session.commit()
    tag_id = ids(session, ready_shop)["tag"]
    vip = session.scalar(select(Tag).where(Tag.account_id == ready_shop.account_id, Tag.name == "vip"))
    before = snapshot(session, ready_shop)
    client = client_for(Role.owner)
    for data in ({"name": "urgent", "color": "#000000"}, {"name": "vip", "color": "black"}):
        response = client.post(f"/admin/settings/tags/{vip.id}?lang=en", data=data)
        assert response.status_code == 422
    assert snapshot(session, ready_shop) == before
    assert tag_id


def test_delete_tag_removes_its_links_and_writes_history(ready_shop, session):
    tag = session.scalar(select(Tag).where(Tag.account_id == ready_shop.account_id))
    delete_tag(session, account=ready_shop.account, actor=SYSTEM, tag_id=tag.id)
    session.commit()
    assert session.scalar(select(func.count()).select_from(CaseTag)) == 0
    assert session.scalar(select(func.count()).select_from(Tag)) == 0
    kinds = session.scalars(
        select(CaseHistory.kind).where(CaseHistory.case_id == ready_shop.case.id).order_by(CaseHistory.id)
    ).all()
    assert kinds[-1] == "tag_removed"
    with pytest.raises(CaseError) as raised:
        rename_tag(session, account=ready_shop.account, actor=SYSTEM, tag_id=tag.id, name="x", color="#000000")
    assert raised.value.code is CaseErrorCode.tag_not_found
