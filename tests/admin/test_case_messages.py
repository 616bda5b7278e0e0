"""Customer messages in the admin: the timeline shows them, opening the case marks them read (for the
members who can answer), and the inbox filters and marks cases with unread messages."""

import re

import pytest
from sqlalchemy import select

from retino_core.accounts.actor import Actor
from retino_core.accounts.models import AccountStatus
from retino_core.accounts.permissions import Role
from retino_core.cases.actions import open_case
from retino_core.cases.models import Case, CaseAttachment, CaseOrigin
from retino_core.messaging.inbound import InboundAttachment, InboundStatus
from retino_core.messaging.inbound_actions import receive_inbound_email, record_customer_message
from retino_core.messaging.models import InboundMessage
from tests.admin.conftest import Shop
from tests.messaging.replies import PNG, reply, sent_email


@pytest.fixture
def storage(app):
    return app.extensions["retino_runtime"].storage


def write(session, shop: Shop, storage, *, case=None, body="Dobrý den,\n<b>zboží</b> je rozbité.", attachments=()):
    """A message from the case's customer on the status page, committed."""
    target = case or shop.case
    message = record_customer_message(
        session,
        account=shop.account,
        actor=Actor.customer(target.customer_email),
        case=target,
        storage=storage,
        body=body,
        attachments=attachments,
    )
    session.commit()
    return message


def read_state(session, message_id: int) -> tuple[bool, int | None]:
    session.expire_all()
    message = session.get(InboundMessage, message_id)
    return message.read_at is not None, message.read_by_id


def detail(client, shop: Shop, case=None) -> str:
    response = client.get(f"/admin/cases/{(case or shop.case).id}?lang=en")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_timeline_shows_an_email_reply_with_its_files(shop, session, client_for, settings, storage):
    # given
    email = sent_email(session, account=shop.account, case=shop.case, settings=settings)
    raw = reply(
        in_reply_to=email.message_id,
        body="Dobrý den,\n<script>alert(1)</script> fotka je v příloze.",
        attachments=(("vada.png", "image/png", PNG), ("smlouva.docx", "application/octet-stream", b"PK\x03\x04")),
    )
    result = receive_inbound_email(session, raw=raw, storage=storage)
    session.commit()
    assert result.status is InboundStatus.stored
    attachment = session.scalar(select(CaseAttachment).where(CaseAttachment.inbound_message_id == result.message_id))
    # when
    body = detail(client_for(Role.agent), shop)
    # then
    assert "<strong>Customer wrote: Re: Vaše reklamace</strong>" in body
    assert "From: Petr Dvořák &lt;petr.dvorak@example.test&gt; ·\n        by e-mail" in body
    assert '<div class="prewrap">Dobrý den,\n&lt;script&gt;alert(1)&lt;/script&gt; fotka je v příloze.</div>' in body
    assert "<script>alert(1)</script>" not in body
    assert f'<li><a href="/admin/cases/{shop.case.id}/attachments/{attachment.id}" download>vada.png</a></li>' in body
    assert "Files not kept (only JPEG, PNG, WebP and PDF up to the size limit): smlouva.docx" in body


def test_a_status_page_message_says_where_it_came_from(shop, session, client_for, storage):
    write(session, shop, storage, attachments=(InboundAttachment("foto.png", PNG),))
    body = detail(client_for(Role.agent), shop)
    assert "<strong>Customer wrote</strong>" in body
    assert "on the status page" in body
    assert '<div class="prewrap">Dobrý den,\n&lt;b&gt;zboží&lt;/b&gt; je rozbité.</div>' in body
    assert ">foto.png</a></li>" in body


def test_opening_the_case_marks_its_messages_read_without_moving_last_activity(shop, session, client_for, storage):
    # given
    message = write(session, shop, storage)
    updated_at = session.get(Case, shop.case.id).updated_at
    client = client_for(Role.agent)
    # when
    first = detail(client, shop)
    second = detail(client, shop)
    # then: the first view still shows it as unread, then it is read by the agent
    assert '<span class="pill">Unread</span>' in first
    assert '<span class="pill">Unread</span>' not in second
    assert read_state(session, message.id) == (True, shop.members[Role.agent].id)
    assert session.get(Case, shop.case.id).updated_at == updated_at


def test_a_viewer_sees_the_message_but_leaves_it_unread_for_those_who_can_answer(shop, session, client_for, storage):
    message = write(session, shop, storage)
    for _ in range(2):
        assert '<span class="pill">Unread</span>' in detail(client_for(Role.viewer), shop)
    assert read_state(session, message.id) == (False, None)


def test_a_deactivated_account_leaves_messages_unread(shop, session, client_for, storage):
    message = write(session, shop, storage)
    shop.account.status = AccountStatus.deactivated
    session.commit()
    assert '<span class="pill">Unread</span>' in detail(client_for(Role.owner), shop)
    assert read_state(session, message.id) == (False, None)


def test_another_accounts_case_is_404_and_its_messages_stay_unread(shop, other_shop, session, client_for, storage):
    message = write(session, other_shop, storage)
    assert client_for(Role.owner).get(f"/admin/cases/{other_shop.case.id}").status_code == 404
    assert read_state(session, message.id) == (False, None)


def test_anonymous_opening_goes_to_login_and_reads_nothing(shop, session, app, storage):
    message = write(session, shop, storage)
    response = app.test_client().get(f"/admin/cases/{shop.case.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")
    assert read_state(session, message.id) == (False, None)


def _open(session, shop: Shop, email: str) -> Case:
    case = open_case(
        session,
        account=shop.account,
        actor=shop.actors[Role.owner],
        payload={
            "case_type": "return",
            "customer_name": "Zuzana Řeháková",
            "customer_email": email,
            "items": [{"name": "Šála", "quantity": "1"}],
            "notify_customer": False,
        },
        origin=CaseOrigin.agent,
    )
    session.commit()
    return case


def case_numbers(body: str) -> set[str]:
    return set(re.findall(r'/admin/cases/\d+"><strong>([A-Z]+\d+)</strong>', body))


def test_the_unread_filter_lists_exactly_the_cases_with_unread_messages(shop, other_shop, session, client_for, storage):
    # given: two unread on the shop's case, one read on another, none on a third; unread in another shop
    read_case, quiet_case = _open(session, shop, "zuzana@example.test"), _open(session, shop, "jan@example.test")
    write(session, shop, storage)
    write(session, shop, storage, body="Ještě jedna věc.")
    write(session, shop, storage, case=read_case)
    detail(client_for(Role.agent), shop, read_case)
    write(session, other_shop, storage)
    client = client_for(Role.agent)
    # when
    filtered = client.get("/admin/?unread=1&lang=en").get_data(as_text=True)
    everything = client.get("/admin/?lang=en").get_data(as_text=True)
    # then
    assert case_numbers(filtered) == {shop.case.number}
    assert case_numbers(everything) == {shop.case.number, read_case.number, quiet_case.number}
    assert '<input id="unread" name="unread" type="checkbox" value="1" checked>' in filtered
    assert '<label for="unread">Unread customer message</label>' in filtered
    assert (
        '<span class="pill unread"><span aria-hidden="true" title="Unread customer messages: 2">✉ 2</span>'
        '<span class="visually-hidden">Unread customer messages: 2</span></span>'
    ) in everything
    assert everything.count('class="pill unread"') == 1
    assert f"/admin/cases/{other_shop.case.id}" not in filtered + everything


@pytest.mark.parametrize("value", ["0", "yes", "", "1' OR 1=1"])
def test_any_other_unread_value_is_no_filter(shop, session, client_for, storage, value):
    other = _open(session, shop, "zuzana@example.test")
    write(session, shop, storage)
    response = client_for(Role.agent).get("/admin/", query_string={"unread": value})
    assert response.status_code == 200
    assert case_numbers(response.get_data(as_text=True)) == {shop.case.number, other.number}


@pytest.mark.parametrize("role", list(Role))
def test_every_role_can_filter_by_unread_messages(shop, session, client_for, storage, role):
    _open(session, shop, "zuzana@example.test")
    write(session, shop, storage)
    response = client_for(role).get("/admin/?unread=1")
    assert response.status_code == 200
    assert case_numbers(response.get_data(as_text=True)) == {shop.case.number}


def test_the_unread_filter_on_an_empty_account_is_an_empty_list(other_shop, shop, client_for):
    body = client_for(Role.agent).get("/admin/?unread=1&lang=en").get_data(as_text=True)
    assert case_numbers(body) == set()
    assert "No case matches." in body
