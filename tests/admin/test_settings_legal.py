"""Branding per language and the read-only legal rules page: who may see them, what a save does."""

import pytest
from sqlalchemy import func, select

from retino_core.accounts.models import AccountBranding, AccountStatus
from retino_core.accounts.permissions import Role

ALLOWED = (Role.owner, Role.manager)
REFUSED = (Role.dispatcher, Role.technician, Role.agent, Role.viewer)


@pytest.mark.parametrize("role", ALLOWED)
def test_managers_see_the_legal_rules_with_versions(client_for, role):
    body = client_for(role).get("/admin/settings/deadlines", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert body.count("<code>cz.complaint.resolve</code>") == 2
    assert "<code>pl.complaint.resolve</code>" in body
    assert "5 working days" in body or "5 pracovních dní" in body


@pytest.mark.parametrize("role", REFUSED)
def test_other_roles_are_refused(client_for, role):
    client = client_for(role)
    assert client.get("/admin/settings/deadlines").status_code == 403
    assert client.get("/admin/settings/branding").status_code == 403
    response = client.post("/admin/settings/branding", data={"language": "pl", "shop_name": "X", "sender_name": "X"})
    assert response.status_code == 403


def test_anonymous_is_sent_to_sign_in(app):
    assert app.test_client().get("/admin/settings/branding").status_code == 302
    assert app.test_client().post("/admin/settings/branding").status_code == 302


def test_saving_a_branding_for_a_new_language(client_for, shop, session):
    client = client_for(Role.manager)
    response = client.post(
        "/admin/settings/branding",
        data={
            "language": "pl",
            "shop_name": "Koszulkarnia",
            "sender_name": "Zespół Koszulkarni",
            "signature": "Pozdrawiamy",
        },
    )
    assert response.status_code == 302
    branding = session.scalar(
        select(AccountBranding).where(AccountBranding.account_id == shop.account_id, AccountBranding.language == "pl")
    )
    assert (branding.shop_name, branding.sender_name, branding.signature) == (
        "Koszulkarnia",
        "Zespół Koszulkarni",
        "Pozdrawiamy",
    )
    assert "Zespół Koszulkarni" in client.get("/admin/settings/branding").get_data(as_text=True)


def test_invalid_branding_is_refused_and_nothing_stored(client_for, shop, session):
    before = session.scalar(select(func.count()).select_from(AccountBranding))
    response = client_for(Role.owner).post(
        "/admin/settings/branding", data={"language": "xx", "shop_name": "", "sender_name": ""}
    )
    assert response.status_code == 422
    assert session.scalar(select(func.count()).select_from(AccountBranding)) == before


def test_a_deactivated_account_cannot_change_branding(client_for, shop, session):
    client = client_for(Role.owner)
    shop.account.status = AccountStatus.deactivated
    session.commit()
    response = client.post("/admin/settings/branding", data={"language": "pl", "shop_name": "X", "sender_name": "X"})
    assert response.status_code == 403


def test_branding_of_another_account_is_untouched(client_for, shop, other_shop, session):
    client_for(Role.owner).post(
        "/admin/settings/branding", data={"language": "cs", "shop_name": "Nové jméno", "sender_name": "Tým"}
    )
    other = session.scalar(
        select(AccountBranding.shop_name).where(
            AccountBranding.account_id == other_shop.account_id, AccountBranding.language == "cs"
        )
    )
    assert other == "Cizí obchod"
