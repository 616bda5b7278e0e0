"""The case detail screen: who sees it, what it shows, the access matrix of every form on it, what each
form does on success, and how bad input is refused without a 500."""

import re
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from retino_core.accounts.actor import Actor
from retino_core.accounts.models import AccountStatus
from retino_core.accounts.permissions import Role
from retino_core.case_types.models import CaseType
from retino_core.cases.actions import open_case, tag_case
from retino_core.cases.models import Case, CaseAttachment, CaseHistory, CaseItem, CaseNote, CaseOrigin, CaseTag
from retino_core.custom_fields.actions import create_field_definition, link_field_to_case_type
from retino_core.custom_fields.models import CustomFieldValue
from retino_core.deadlines.models import CaseDeadline
from retino_core.deadlines.rules import Consequence
from retino_core.jobs import OutboxJob
from retino_core.messaging.models import OutboundEmail
from tests.admin.conftest import Shop

# A real 1×1 PNG as Pillow writes it: uploads are decoded and re-encoded, and this one comes out identical.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc8\xa1\xa1\x01\x00\x02\xd4\x01\x19\x05P\x8f\xa4\x00\x00\x00\x00IEND\xaeB`\x82"
)
SYSTEM = Actor.system("test")


def _link_field(session, shop: Shop, payload: dict[str, Any], *, is_required: bool = False) -> None:
    definition = create_field_definition(session, account=shop.account, actor=SYSTEM, payload=payload)
    complaint = session.scalar(CaseType.select_for_account(shop.account_id).where(CaseType.code == "complaint"))
    link_field_to_case_type(
        session,
        account=shop.account,
        actor=SYSTEM,
        case_type_id=complaint.id,
        field_id=definition.id,
        is_required=is_required,
    )


@pytest.fixture
def ready_shop(session, shop) -> Shop:
    """The shop's case with a tag, a case field, a required item field and a date field."""
    _link_field(
        session, shop, {"key": "serial_number", "field_type": "text", "names": {"en": "Serial number", "cs": "Sériové"}}
    )
    _link_field(session, shop, {"key": "bought_on", "field_type": "date", "names": {"en": "Bought on"}})
    _link_field(
        session,
        shop,
        {
            "key": "condition",
            "scope": "item",
            "field_type": "dropdown",
            "names": {"en": "Condition"},
            "options": [{"value": "new", "names": {"en": "As new"}}, {"value": "worn", "names": {"en": "Worn"}}],
        },
        is_required=True,
    )
    tag_case(session, account=shop.account, actor=SYSTEM, case=shop.case, name="vip")
    session.commit()
    return shop


@dataclass(frozen=True)
class State:
    status_id: int
    owner_id: int | None
    closed_at: Any
    history: int
    notes: int
    tags: int
    attachments: int
    emails: int
    outbox: int
    field_values: int
    items: tuple[tuple[str, str, str | None], ...]


def state_of(session, case_id: int) -> State:
    session.expire_all()
    case = session.get(Case, case_id)

    def count(model, *where):
        return session.scalar(select(func.count()).select_from(model).where(*where))

    items = session.scalars(select(CaseItem).where(CaseItem.case_id == case_id).order_by(CaseItem.id)).all()
    return State(
        status_id=case.status_id,
        owner_id=case.owner_id,
        closed_at=case.closed_at,
        history=count(CaseHistory, CaseHistory.case_id == case_id),
        notes=count(CaseNote, CaseNote.case_id == case_id),
        tags=count(CaseTag, CaseTag.case_id == case_id),
        attachments=count(CaseAttachment, CaseAttachment.case_id == case_id),
        emails=count(OutboundEmail, OutboundEmail.case_id == case_id),
        outbox=count(OutboxJob),
        field_values=count(CustomFieldValue, CustomFieldValue.case_id == case_id),
        items=tuple(
            (i.reception_state.value, i.decision_state.value, i.resolution.value if i.resolution else None)
            for i in items
        ),
    )


def item_id_of(shop: Shop) -> int:
    return shop.case.items[0].id


#: Every form of the page: (name, path after /admin/cases/<id>, form data, a role allowed to post it).
ENDPOINTS: list[tuple[str, str, dict[str, Any], Role]] = [
    ("status", "/status", {"to_status": "in_review"}, Role.agent),
    ("owner", "/owner", {"owner_id": "{agent_id}"}, Role.dispatcher),
    ("tag", "/tags", {"name": "urgent"}, Role.agent),
    ("untag", "/tags/remove", {"name": "vip"}, Role.agent),
    ("note", "/notes", {"body": "Called the customer."}, Role.agent),
    ("reception", "/items/{item_id}/reception", {"state": "received"}, Role.technician),
    ("decision", "/items/{item_id}/decision", {"decision": "accepted", "resolution": "refund"}, Role.technician),
    ("fields", "/fields", {"field-serial_number": "SN-42"}, Role.agent),
    ("item_fields", "/items/{item_id}/fields", {"field-condition": "worn"}, Role.technician),
    ("attachment", "/attachments", {"file": "PNG"}, Role.agent),
    ("reply", "/reply", {"subject": "Re: your case", "body": "We have your parcel."}, Role.agent),
]
ENDPOINT_IDS = [endpoint[0] for endpoint in ENDPOINTS]


def post(client, shop: Shop, path: str, data: dict[str, Any], *, case_id: int | None = None, **kwargs):
    filled = {
        key: (value.format(agent_id=shop.members[Role.agent].id) if isinstance(value, str) else value)
        for key, value in data.items()
    }
    if filled.get("file") == "PNG":
        filled["file"] = (BytesIO(PNG), "photo.png")
    url = f"/admin/cases/{case_id or shop.case.id}" + path.format(item_id=item_id_of(shop))
    return client.post(url, data=filled, **kwargs)


def test_every_role_sees_the_case(ready_shop, client_for):
    for role in Role:
        response = client_for(role).get(f"/admin/cases/{ready_shop.case.id}")
        assert response.status_code == 200, role
        body = response.get_data(as_text=True)
        assert f'<h1 id="case-heading">{ready_shop.case.number} ' in body
        assert ready_shop.order.code in body


def test_the_header_shows_status_facts_and_only_the_allowed_next_statuses(ready_shop, client_for):
    body = client_for(Role.agent).get(f"/admin/cases/{ready_shop.case.id}?lang=en").get_data(as_text=True)
    assert '<span class="pill status-pill" style="--status-colour: #3b82f6">New</span>' in body
    buttons = re.findall(r'<button type="submit" name="to_status" value="([a-z_]+)"', body)
    assert buttons == [
        "awaiting_goods",
        "goods_received",
        "in_review",
        "at_service",
        "repaired",
        "replaced",
        "approved_refund",
        "approved_discount",
        "rejected",
        "cancelled",
    ]
    assert ">Move to Under review</button>" in body
    assert ">Close as Repaired</button>" in body
    assert "petr.dvorak@example.test" in body
    assert "<dt>Country</dt><dd>CZ</dd>" in body
    assert "<dt>Currency</dt><dd>CZK</dd>" in body
    assert '<span class="tag">vip</span>' in body
    assert "Resolve the case" in body


def test_a_viewer_sees_no_forms_that_change_the_case(ready_shop, client_for):
    body = client_for(Role.viewer).get(f"/admin/cases/{ready_shop.case.id}?lang=en").get_data(as_text=True)
    assert 'name="to_status"' not in body
    assert "Add note" not in body
    assert "Send to the customer" not in body
    assert "Save fields" not in body


def test_another_accounts_case_is_404(ready_shop, other_shop, client_for):
    client = client_for(Role.owner)
    assert client.get(f"/admin/cases/{other_shop.case.id}").status_code == 404
    assert client.get("/admin/cases/abc").status_code == 404


def test_anonymous_get_goes_to_login(ready_shop, app):
    response = app.test_client().get(f"/admin/cases/{ready_shop.case.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")


@pytest.mark.parametrize(("name", "path", "data", "role"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_anonymous_post_goes_to_login_and_changes_nothing(app, ready_shop, session, name, path, data, role):
    before = state_of(session, ready_shop.case.id)
    response = post(app.test_client(), ready_shop, path, data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login"
    assert state_of(session, ready_shop.case.id) == before


@pytest.mark.parametrize(("name", "path", "data", "role"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_another_accounts_member_gets_404_and_changes_nothing(
    ready_shop, other_shop, session, client_for, name, path, data, role
):
    before = state_of(session, ready_shop.case.id)
    response = post(client_for(Role.owner, of=other_shop), ready_shop, path, data)
    assert response.status_code == 404
    assert state_of(session, ready_shop.case.id) == before


@pytest.mark.parametrize(("name", "path", "data", "role"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_a_viewer_gets_403_and_changes_nothing(ready_shop, session, client_for, name, path, data, role):
    before = state_of(session, ready_shop.case.id)
    response = post(client_for(Role.viewer), ready_shop, path, data)
    assert response.status_code == 403
    assert state_of(session, ready_shop.case.id) == before


@pytest.mark.parametrize(("name", "path", "data", "role"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_a_deactivated_account_is_read_only(ready_shop, session, client_for, name, path, data, role):
    ready_shop.account.status = AccountStatus.deactivated
    session.commit()
    client = client_for(Role.owner)
    before = state_of(session, ready_shop.case.id)
    assert client.get(f"/admin/cases/{ready_shop.case.id}").status_code == 200
    response = post(client, ready_shop, path, data)
    assert response.status_code == 403
    assert state_of(session, ready_shop.case.id) == before


@pytest.mark.parametrize(("name", "path", "data", "role"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_a_post_without_the_csrf_token_is_400_and_changes_nothing(
    csrf_app, ready_shop, session, name, path, data, role
):
    from tests.admin.conftest import sign_in

    csrf_app.config["RATELIMIT_ENABLED"] = False
    client = csrf_app.test_client()
    csrf_app.config["WTF_CSRF_ENABLED"] = False
    sign_in(client, ready_shop.members[role].email)
    csrf_app.config["WTF_CSRF_ENABLED"] = True
    before = state_of(session, ready_shop.case.id)
    response = post(client, ready_shop, path, data)
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.get_data(as_text=True)
    assert state_of(session, ready_shop.case.id) == before


@pytest.mark.parametrize(("name", "path", "data", "role"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_an_allowed_role_succeeds_and_is_sent_back_to_the_case(ready_shop, session, client_for, name, path, data, role):
    before = state_of(session, ready_shop.case.id)
    response = post(client_for(role), ready_shop, path, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].startswith(f"/admin/cases/{ready_shop.case.id}")
    after = state_of(session, ready_shop.case.id)
    assert after.history > before.history


def url(shop, path=""):
    return f"/admin/cases/{shop.case.id}{path}"


def test_a_transition_moves_the_case_and_the_timeline_says_so_in_words(ready_shop, session, client_for):
    client = client_for(Role.agent)
    response = client.post(url(ready_shop, "/status"), data={"to_status": "in_review"})
    assert response.status_code == 302
    assert response.headers["Location"] == url(ready_shop)
    assert state_of(session, ready_shop.case.id).status_id == ready_shop.case.case_type.status_by_code("in_review").id
    body = client.get(url(ready_shop, "?lang=en")).get_data(as_text=True)
    assert "Status changed from New to Under review" in body
    czech = client.get(url(ready_shop)).get_data(as_text=True)
    assert "Nový" in czech
    assert "Posuzuje se" in czech


def test_an_illegal_transition_is_409_and_changes_nothing(ready_shop, session, client_for):
    before = state_of(session, ready_shop.case.id)
    response = client_for(Role.agent).post(url(ready_shop, "/status"), data={"to_status": "new"})
    assert response.status_code == 409
    assert state_of(session, ready_shop.case.id) == before


def test_bad_transition_input_is_4xx_never_500(ready_shop, session, client_for):
    client = client_for(Role.agent)
    before = state_of(session, ready_shop.case.id)
    assert client.post(url(ready_shop, "/status"), data={"to_status": "no_such"}).status_code == 404
    assert client.post(url(ready_shop, "/status"), data={}).status_code == 400
    assert client.post("/admin/cases/abc/status", data={"to_status": "in_review"}).status_code == 404
    assert client.post(url(ready_shop, "/owner"), data={"owner_id": "x1"}).status_code == 400
    assert client.post(url(ready_shop, "/items/abc/reception"), data={"state": "received"}).status_code == 404
    technician = client_for(Role.technician)
    assert technician.post(url(ready_shop, "/items/999999/reception"), data={"state": "received"}).status_code == 404
    assert technician.post(url(ready_shop, "/items/999999/fields"), data={"field-condition": "new"}).status_code == 404
    assert state_of(session, ready_shop.case.id) == before


def test_a_technician_cannot_close_a_case(ready_shop, session, client_for):
    before = state_of(session, ready_shop.case.id)
    response = client_for(Role.technician).post(url(ready_shop, "/status"), data={"to_status": "repaired"})
    assert response.status_code == 403
    assert state_of(session, ready_shop.case.id) == before


def test_reassigning_to_a_non_member_is_refused(ready_shop, other_shop, session, client_for):
    before = state_of(session, ready_shop.case.id)
    response = client_for(Role.dispatcher).post(
        url(ready_shop, "/owner"), data={"owner_id": str(other_shop.members[Role.agent].id)}
    )
    assert response.status_code == 422
    assert state_of(session, ready_shop.case.id) == before


def test_reassigning_to_nobody_clears_the_owner(ready_shop, session, client_for):
    client = client_for(Role.dispatcher)
    client.post(url(ready_shop, "/owner"), data={"owner_id": str(ready_shop.members[Role.agent].id)})
    assert state_of(session, ready_shop.case.id).owner_id == ready_shop.members[Role.agent].id
    assert client.post(url(ready_shop, "/owner"), data={"owner_id": ""}).status_code == 302
    assert state_of(session, ready_shop.case.id).owner_id is None


def test_a_reply_queues_exactly_one_email_and_one_outbox_row_for_the_customer(ready_shop, session, client_for):
    client = client_for(Role.agent)
    body = client.get(url(ready_shop, "?lang=en")).get_data(as_text=True)
    assert f'value="Re: {ready_shop.case.number}"' in body
    response = client.post(
        url(ready_shop, "/reply"),
        data={"subject": f"Re: {ready_shop.case.number}", "body": "Hello <b>Petr</b>,\n\nthe parcel arrived."},
    )
    assert response.status_code == 302
    emails = session.scalars(select(OutboundEmail).where(OutboundEmail.case_id == ready_shop.case.id)).all()
    assert [(e.template, e.to_address, e.subject) for e in emails] == [
        ("customer_message", "petr.dvorak@example.test", f"Re: {ready_shop.case.number}")
    ]
    assert emails[0].body_text == "Hello <b>Petr</b>,\n\nthe parcel arrived.\n"
    assert "<p>Hello &lt;b&gt;Petr&lt;/b&gt;,</p>\n<p>the parcel arrived.</p>" in emails[0].body_html
    outbox = session.scalars(select(OutboxJob)).all()
    assert [(job.job_name, job.args) for job in outbox] == [("retino_core.messaging.tasks.send_email", [emails[0].id])]
    page = client.get(url(ready_shop, "?lang=en")).get_data(as_text=True)
    assert f"E-mail to the customer: Re: {ready_shop.case.number}" in page
    assert "Hello &lt;b&gt;Petr&lt;/b&gt;," in page


def test_a_blank_reply_is_shown_as_a_form_error_and_nothing_is_queued(ready_shop, session, client_for):
    before = state_of(session, ready_shop.case.id)
    response = client_for(Role.agent).post(url(ready_shop, "/reply?lang=en"), data={"subject": "Hello", "body": "   "})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert '<p class="error" id="reply-body-error">Write a message.</p>' in body
    assert 'value="Hello"' in body
    assert state_of(session, ready_shop.case.id) == before


def test_a_long_subject_is_refused(ready_shop, session, client_for):
    before = state_of(session, ready_shop.case.id)
    response = client_for(Role.agent).post(url(ready_shop, "/reply"), data={"subject": "x" * 201, "body": "Hi"})
    assert response.status_code == 422
    assert state_of(session, ready_shop.case.id) == before


def test_a_note_added_with_htmx_comes_back_as_the_detail_fragment(ready_shop, session, client_for):
    response = client_for(Role.agent).post(
        url(ready_shop, "/notes?lang=en"), data={"body": "Customer called at 10:00."}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="case-detail">')
    assert '<div class="prewrap">Customer called at 10:00.</div>' in body
    assert state_of(session, ready_shop.case.id).notes == 1


def test_the_timeline_is_newest_first(ready_shop, client_for):
    client = client_for(Role.agent)
    client.post(url(ready_shop, "/notes"), data={"body": "First note"})
    client.post(url(ready_shop, "/status"), data={"to_status": "in_review"})
    client.post(url(ready_shop, "/notes"), data={"body": "Second note"})
    body = client.get(url(ready_shop, "?lang=en")).get_data(as_text=True)
    positions = [
        body.index("Second note"),
        body.index("Status changed from New to Under review"),
        body.index("First note"),
        body.index("Tag vip added"),
        body.index(f"Case {ready_shop.case.number} opened"),
    ]
    assert positions == sorted(positions)


def test_invalid_custom_fields_show_errors_next_to_the_field_and_store_nothing(ready_shop, session, client_for):
    before = state_of(session, ready_shop.case.id)
    response = client_for(Role.agent).post(
        url(ready_shop, "/fields?lang=en"), data={"field-serial_number": "SN-1", "field-bought_on": "yesterday"}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert re.search(r'<p class="error" id="case-field-bought_on-error">[^<]+</p>', body)
    assert 'value="yesterday"' in body
    assert state_of(session, ready_shop.case.id) == before


def test_valid_custom_fields_are_stored_and_shown(ready_shop, session, client_for):
    client = client_for(Role.agent)
    response = client.post(
        url(ready_shop, "/fields"), data={"field-serial_number": "SN-1", "field-bought_on": "2026-03-01"}
    )
    assert response.status_code == 302
    assert state_of(session, ready_shop.case.id).field_values == 2
    body = client.get(url(ready_shop, "?lang=en")).get_data(as_text=True)
    assert 'name="field-serial_number" value="SN-1"' in body
    assert "Fields changed: bought_on, serial_number" in body


def test_a_required_item_field_cannot_be_cleared(ready_shop, session, client_for):
    before = state_of(session, ready_shop.case.id)
    response = client_for(Role.technician).post(
        url(ready_shop, f"/items/{item_id_of(ready_shop)}/fields?lang=en"), data={"field-condition": ""}
    )
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)
    assert state_of(session, ready_shop.case.id) == before


def test_reception_follows_the_flow(ready_shop, session, client_for):
    client = client_for(Role.technician)
    path = url(ready_shop, f"/items/{item_id_of(ready_shop)}/reception")
    before = state_of(session, ready_shop.case.id)
    assert client.post(path, data={"state": "inspected"}).status_code == 409
    assert client.post(path, data={"state": "lost"}).status_code == 422
    assert state_of(session, ready_shop.case.id) == before
    assert client.post(path, data={"state": "received"}).status_code == 302
    assert client.post(path, data={"state": "inspected", "note": "Scratched"}).status_code == 302
    assert state_of(session, ready_shop.case.id).items == (("inspected", "pending", None),)


def test_rejecting_an_item_needs_a_reason(ready_shop, session, client_for):
    client = client_for(Role.technician)
    path = url(ready_shop, f"/items/{item_id_of(ready_shop)}/decision")
    before = state_of(session, ready_shop.case.id)
    response = client.post(path + "?lang=en", data={"decision": "rejected", "note": " "})
    assert response.status_code == 422
    assert "Say why the item is rejected." in response.get_data(as_text=True)
    assert state_of(session, ready_shop.case.id) == before
    assert client.post(path, data={"decision": "rejected", "note": "Worn by use"}).status_code == 302
    assert state_of(session, ready_shop.case.id).items == (("expected", "rejected", "reject"),)


def test_attachments_upload_list_and_download_safely(ready_shop, session, client_for):
    client = client_for(Role.agent)
    response = client.post(
        url(ready_shop, "/attachments"),
        data={"file": (BytesIO(PNG), "../photo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    attachment = session.scalar(select(CaseAttachment).where(CaseAttachment.case_id == ready_shop.case.id))
    href = url(ready_shop, f"/attachments/{attachment.id}")
    body = client.get(url(ready_shop)).get_data(as_text=True)
    assert f'<img src="{href}?inline=1"' in body
    download = client.get(href)
    assert download.status_code == 200
    assert download.data == PNG
    assert download.headers["Content-Disposition"] == "attachment; filename=photo.png"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == "image/png"
    assert client.get(href + "?inline=1").headers["Content-Disposition"] == "inline; filename=photo.png"


def test_an_unaccepted_file_or_no_file_is_a_form_error(ready_shop, session, client_for):
    client = client_for(Role.agent)
    before = state_of(session, ready_shop.case.id)
    response = client.post(
        url(ready_shop, "/attachments?lang=en"),
        data={"file": (BytesIO(b"<html>"), "x.html")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Only JPEG, PNG, WebP and PDF files are accepted." in response.get_data(as_text=True)
    assert client.post(url(ready_shop, "/attachments"), data={}).status_code == 422
    assert state_of(session, ready_shop.case.id) == before


def test_another_accounts_attachment_is_404(ready_shop, other_shop, session, client_for):
    client_for(Role.agent, of=other_shop).post(
        f"/admin/cases/{other_shop.case.id}/attachments",
        data={"file": (BytesIO(PNG), "theirs.png")},
        content_type="multipart/form-data",
    )
    theirs = session.scalar(select(CaseAttachment).where(CaseAttachment.case_id == other_shop.case.id))
    client = client_for(Role.owner)
    assert client.get(url(ready_shop, f"/attachments/{theirs.id}")).status_code == 404
    assert client.get(f"/admin/cases/{other_shop.case.id}/attachments/{theirs.id}").status_code == 404


def test_deadlines_say_what_a_miss_means(ready_shop, session, client_for):
    # given a Polish complaint next to the Czech one
    polish = open_case(
        session,
        account=ready_shop.account,
        actor=ready_shop.actors[Role.owner],
        payload={
            "case_type": "complaint",
            "customer_email": "anna@example.test",
            "country": "PL",
            "items": [{"name": "Kurtka", "quantity": "1"}],
            "notify_customer": False,
        },
        origin=CaseOrigin.agent,
    )
    session.commit()
    deadline = session.scalar(
        select(CaseDeadline).where(
            CaseDeadline.case_id == polish.id, CaseDeadline.consequence == Consequence.deemed_accepted
        )
    )
    # when
    body = client_for(Role.agent).get(f"/admin/cases/{polish.id}?lang=en").get_data(as_text=True)
    # then
    assert f"Deemed accepted on {format_date(deadline.due_at, 'medium', locale='en')}" in body
    czech = client_for(Role.agent).get(url(ready_shop, "?lang=en")).get_data(as_text=True)
    assert "Consumer may withdraw after " in czech


def test_history_rows_are_written_by_the_actions_not_the_views(ready_shop, session, client_for):
    client_for(Role.agent).post(url(ready_shop, "/tags"), data={"name": "fragile"})
    kinds = session.scalars(
        select(CaseHistory.kind).where(CaseHistory.case_id == ready_shop.case.id).order_by(CaseHistory.id)
    ).all()
    assert kinds == ["case_opened", "tag_added", "tag_added"]


def test_the_timeline_names_the_shipping_choice_and_the_rating(client_for, shop, session):
    from retino_core.accounts.actor import Actor
    from retino_core.cases.history import rating_received_entry, shipping_chosen_entry

    customer = Actor.customer(shop.case.customer_email)
    shipping_chosen_entry(
        session, case=shop.case, actor=customer, kind="carrier_branch", option_name="Zásilkovna", branch_id="Z-12"
    )
    rating_received_entry(session, case=shop.case, actor=customer, rating_id=1, score=5)
    session.commit()
    body = client_for(Role.agent).get(f"/admin/cases/{shop.case.id}").get_data(as_text=True)
    assert "Zvolená doprava při vrácení: Zásilkovna, pobočka Z-12" in body
    assert "Zákazník ohodnotil případ 5 z 5" in body
