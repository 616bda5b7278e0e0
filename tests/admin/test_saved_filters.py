"""Saved filters in the inbox: save the current filter, open it, delete it; private to the member."""

import pytest
from sqlalchemy import func, select

from retino_core.accounts.models import AccountStatus
from retino_core.accounts.permissions import Role
from retino_core.saved_filters.models import SavedFilter


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(SavedFilter))


@pytest.mark.parametrize("role", list(Role))
def test_every_role_saves_opens_and_deletes_its_own_filter(client_for, shop, session, role):
    client = client_for(role)
    response = client.post("/admin/saved-filters?open=1&deadline=overdue&before=x|1", data={"name": "Po termínu"})
    assert response.status_code == 303
    saved = session.scalar(select(SavedFilter))
    assert (saved.name, saved.query, saved.user_id) == ("Po termínu", "deadline=overdue&open=1", shop.members[role].id)
    assert response.headers["Location"] == f"/admin/saved-filters/{saved.id}"
    opened = client.get(f"/admin/saved-filters/{saved.id}")
    assert opened.status_code == 303
    assert opened.headers["Location"] == "/admin/?deadline=overdue&open=1"
    body = client.get("/admin/").get_data(as_text=True)
    assert "Po termínu" in body
    assert client.post(f"/admin/saved-filters/{saved.id}/delete").status_code == 303
    assert _count(session) == 0


def test_a_refusal_shows_the_inbox_with_the_reason_and_stores_nothing(client_for, shop, session):
    client = client_for(Role.agent)
    response = client.post("/admin/saved-filters", data={"name": "Prázdný"}, headers={"Accept-Language": "cs"})
    assert response.status_code == 422
    assert "Před uložením zvolte alespoň jeden filtr." in response.get_data(as_text=True)
    response = client.post("/admin/saved-filters?q=abc", data={"name": " "})
    assert response.status_code == 422
    assert _count(session) == 0


def test_other_members_filters_are_invisible_and_not_found(client_for, shop, other_shop, session):
    client_for(Role.agent).post("/admin/saved-filters?tag=VIP", data={"name": "Agentův"})
    saved = session.scalar(select(SavedFilter))
    for client in (client_for(Role.owner), client_for(Role.owner, of=other_shop)):
        assert "Agentův" not in client.get("/admin/").get_data(as_text=True)
        assert client.get(f"/admin/saved-filters/{saved.id}").status_code == 404
        assert client.post(f"/admin/saved-filters/{saved.id}/delete").status_code == 404
    assert client_for(Role.agent).get("/admin/saved-filters/99999999999999999999").status_code == 404
    assert _count(session) == 1


def test_anonymous_is_sent_to_sign_in(app, shop, session):
    client = app.test_client()
    assert client.post("/admin/saved-filters?q=abc", data={"name": "X"}).status_code == 302
    assert client.get("/admin/saved-filters/1").status_code == 302
    assert _count(session) == 0


def test_a_deactivated_account_keeps_filters_but_changes_none(client_for, shop, session):
    client = client_for(Role.owner)
    client.post("/admin/saved-filters?tag=VIP", data={"name": "VIP"})
    saved = session.scalar(select(SavedFilter))
    shop.account.status = AccountStatus.deactivated
    session.commit()
    assert client.get(f"/admin/saved-filters/{saved.id}").status_code == 303
    assert client.post("/admin/saved-filters?q=abc", data={"name": "New"}).status_code == 403
    assert client.post(f"/admin/saved-filters/{saved.id}/delete").status_code == 403
    assert _count(session) == 1
