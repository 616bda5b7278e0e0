"""The case protocol download: who gets it, the headers, the language switch and refusals without a 500."""

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from retino_core.accounts.models import AccountStatus
from retino_core.accounts.permissions import Role
from retino_core.cases.models import CaseHistory
from retino_core.db import MAXIMUM_ID


def _url(case_id: int, query: str = "") -> str:
    return f"/admin/cases/{case_id}/protocol.pdf{query}"


def _text(body: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())


def _assert_pdf_download(response, filename: str) -> None:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data.startswith(b"%PDF")


def test_anonymous_goes_to_login(app, shop):
    response = app.test_client().get(_url(shop.case.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")


def test_another_accounts_case_and_an_unknown_id_are_404(shop, other_shop, client_for):
    client = client_for(Role.owner)
    for case_id in (other_shop.case.id, shop.case.id + other_shop.case.id + 1000, MAXIMUM_ID, MAXIMUM_ID + 1):
        response = client.get(_url(case_id))
        assert response.status_code == 404, case_id
        assert response.mimetype == "text/html"
    assert client.get("/admin/cases/abc/protocol.pdf").status_code == 404
    assert client_for(Role.owner, of=other_shop).get(_url(shop.case.id)).status_code == 404


@pytest.mark.parametrize("role", list(Role))
def test_every_role_downloads_the_protocol_in_the_cases_language(shop, session, client_for, role):
    history = session.scalar(select(func.count()).select_from(CaseHistory))
    response = client_for(role).get(_url(shop.case.id))
    _assert_pdf_download(response, f"{shop.case.number}.pdf")
    assert shop.case.number == "R00001"
    text = _text(response.data)
    assert "Reklamační protokol R00001" in text
    assert "Tričkárna" in text
    assert "Tričko s potiskem" in text
    assert session.scalar(select(func.count()).select_from(CaseHistory)) == history


def test_a_deactivated_account_still_downloads(shop, session, client_for):
    shop.account.status = AccountStatus.deactivated
    session.commit()
    for role in (Role.owner, Role.viewer):
        _assert_pdf_download(client_for(role).get(_url(shop.case.id)), "R00001.pdf")


def test_the_language_can_be_chosen(shop, client_for):
    client = client_for(Role.agent)
    german = client.get(_url(shop.case.id, "?lang=de"))
    _assert_pdf_download(german, "R00001.pdf")
    assert "Reklamationsprotokoll R00001" in _text(german.data)
    assert "Reklamační protokol" not in _text(german.data)
    assert "Reklamační protokol R00001" in _text(client.get(_url(shop.case.id, "?lang=")).data)


@pytest.mark.parametrize("query", ["?lang=xx", "?lang=fr", "?lang=cs-CZ", "?lang=" + "x" * 500])
def test_an_unknown_language_is_400_with_a_clear_message(shop, client_for, query):
    response = client_for(Role.viewer).get(_url(shop.case.id, query))
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "cs, sk, pl, en, de, hu" in response.get_data(as_text=True)


def test_an_unknown_language_is_400_in_json_too(shop, client_for):
    response = client_for(Role.owner).get(_url(shop.case.id, "?lang=xx"), headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == 400
    assert response.json["error"]["message"].endswith("cs, sk, pl, en, de, hu.")


@pytest.mark.parametrize("role", [Role.owner, Role.viewer])
def test_the_case_header_links_to_the_download(shop, session, client_for, role):
    shop.account.status = AccountStatus.deactivated
    session.commit()
    body = client_for(role).get(f"/admin/cases/{shop.case.id}?lang=en").get_data(as_text=True)
    assert f'<a class="button" href="/admin/cases/{shop.case.id}/protocol.pdf" download>Download PDF</a>' in body
