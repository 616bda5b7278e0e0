"""The withdrawal function at API level: the pages, the statement, and every refusal."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from retino_core.accounts.models import AccountStatus
from retino_core.cases.models import Case
from retino_core.messaging.models import OutboundEmail
from retino_core.withdrawals.models import WithdrawalStatement

EMAIL = "petr.dvorak@example.test"
NOW = datetime(2026, 6, 19, 12, 3, 27, tzinfo=UTC)


@pytest.fixture
def shop(session, make_account, make_channel, make_order):
    account = make_account(name="Tričkárna", country="CZ")
    channel = make_channel(account, shop_url="https://tricka.example.test")
    order = make_order(channel, code="20260001")
    session.commit()
    return {"account": account, "channel": channel, "order": order, "base": f"/storefront/{channel.public_id}/withdraw"}


def form_token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match is not None, html
    return match.group(1)


def lookup(client, shop, *, name="Petr Dvořák", order_code="20260001", email=EMAIL, lang="cs"):
    token = form_token(client.get(f"{shop['base']}?lang={lang}").get_data(as_text=True))
    return client.post(
        f"{shop['base']}?lang={lang}",
        data={"form_token": token, "customer_name": name, "order_code": order_code, "customer_email": email},
    )


def counts(session):
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(model)) for model in (Case, WithdrawalStatement, OutboundEmail)
    )


def test_the_entry_page_asks_for_name_order_and_e_mail_in_the_shoppers_language(client, shop):
    response = client.get(f"{shop['base']}?lang=de&order=20260001")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="customer_name"' in html
    assert 'name="order_code" value="20260001"' in html
    assert 'name="customer_email"' in html
    assert f'action="{shop["base"]}?lang=de"' in html
    assert "frame-ancestors https://tricka.example.test" in response.headers["Content-Security-Policy"]
    assert response.headers.getlist("Set-Cookie") == []


def test_lookup_shows_the_summary_and_confirming_stores_one_withdrawal(client, shop, session):
    with time_machine.travel(NOW, tick=False):
        # when
        summary = lookup(client, shop)
        html = summary.get_data(as_text=True)
        # then
        assert summary.status_code == 200
        assert 'class="withdraw-confirm"' in html
        assert [f'value="{item.id}"' in html for item in shop["order"].items] == [True, True]
        assert counts(session) == (0, 0, 0)
        token = form_token(html)
        done = client.post(f"{shop['base']}/confirm?lang=cs", data={"form_token": token})
        # a double click: the same form again
        again = client.post(f"{shop['base']}/confirm?lang=cs", data={"form_token": token})
    assert (done.status_code, again.status_code) == (200, 200)
    assert counts(session) == (1, 1, 1)
    statement = session.scalars(select(WithdrawalStatement)).one()
    page = done.get_data(as_text=True)
    assert f'<pre class="withdraw-statement" id="withdraw-statement">{statement.statement_text}</pre>' in page
    assert statement.text_sha256 in page
    assert f'href="/s/{statement.case.access_token}"' in page
    assert again.get_data(as_text=True) == page
    assert statement.statement_text.endswith(
        "Datum a čas odstoupení: 19. června 2026 14:03:27 (UTC+02:00, Europe/Prague)"
    )


def test_only_the_ticked_items_are_withdrawn(client, shop, session):
    token = form_token(lookup(client, shop).get_data(as_text=True))
    cap = shop["order"].items[1]
    response = client.post(f"{shop['base']}/confirm?lang=cs", data={"form_token": token, "item": [str(cap.id)]})
    assert response.status_code == 200
    statement = session.scalars(select(WithdrawalStatement)).one()
    assert [item.order_item_id for item in statement.case.items] == [cap.id]


def test_wrong_order_and_wrong_e_mail_get_the_same_answer(client, shop, session):
    token = form_token(client.get(f"{shop['base']}?lang=en").get_data(as_text=True))

    def attempt(order_code, email):
        return client.post(
            f"{shop['base']}?lang=en",
            data={"form_token": token, "customer_name": "Petr", "order_code": order_code, "customer_email": email},
        )

    wrong_order = attempt("20269999", EMAIL)
    wrong_email = attempt("20260001", "someone@example.test")
    assert (wrong_order.status_code, wrong_email.status_code) == (422, 422)
    body = wrong_order.get_data(as_text=True)
    assert "We cannot find an order with this number and e-mail address. Please check both." in body
    assert body.replace("20269999", "X").replace(EMAIL, "Y") == wrong_email.get_data(as_text=True).replace(
        "20260001", "X"
    ).replace("someone@example.test", "Y")
    assert counts(session) == (0, 0, 0)


def test_failed_lookups_share_the_portals_per_ip_limit(client, shop):
    for _ in range(5):
        assert lookup(client, shop, order_code="nope", lang="en").status_code == 422
    limited = lookup(client, shop, order_code="nope", lang="en")
    assert limited.status_code == 429
    assert "Too many" in limited.get_data(as_text=True)


def test_missing_fields_are_refused_with_translated_messages(client, shop, session):
    response = lookup(client, shop, name=" ", order_code="", email="not-an-email", lang="en")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter your name." in html
    assert "Enter the order number." in html
    assert "Enter a valid e-mail address." in html
    assert counts(session) == (0, 0, 0)


@pytest.mark.parametrize("token", ["", "forged", "eyJwIjoid2l0aGRyYXctY29uZmlybSJ9.AAAA.BBBB"])
def test_a_missing_or_forged_token_is_a_400_and_nothing_is_stored(client, shop, session, token):
    for path in ("", "/confirm"):
        response = client.post(
            f"{shop['base']}{path}?lang=en",
            data={"form_token": token, "customer_name": "Petr", "order_code": "20260001", "customer_email": EMAIL},
        )
        assert response.status_code == 400
        assert "This form has expired or is not valid. Please start again." in response.get_data(as_text=True)
    assert counts(session) == (0, 0, 0)


def test_a_lookup_token_cannot_confirm_and_another_channels_token_is_refused(client, shop, session, make_channel):
    lookup_token = form_token(client.get(shop["base"]).get_data(as_text=True))
    assert client.post(f"{shop['base']}/confirm", data={"form_token": lookup_token}).status_code == 400
    other = make_channel(shop["account"])
    session.commit()
    confirm_token = form_token(lookup(client, shop).get_data(as_text=True))
    response = client.post(f"/storefront/{other.public_id}/withdraw/confirm", data={"form_token": confirm_token})
    assert response.status_code == 400
    assert counts(session) == (0, 0, 0)


def test_an_expired_token_is_refused(client, shop, session):
    with time_machine.travel(NOW, tick=False):
        token = form_token(lookup(client, shop).get_data(as_text=True))
    with time_machine.travel(datetime(2026, 6, 19, 14, 3, 28, tzinfo=UTC), tick=False):
        response = client.post(f"{shop['base']}/confirm", data={"form_token": token})
    assert response.status_code == 400
    assert counts(session) == (0, 0, 0)


def test_a_deactivated_account_shows_unavailable_and_takes_nothing(client, shop, session):
    token = form_token(lookup(client, shop).get_data(as_text=True))
    shop["account"].status = AccountStatus.deactivated
    session.commit()
    page = client.get(f"{shop['base']}?lang=en")
    assert page.status_code == 200
    assert "The returns service is not available" in page.get_data(as_text=True)
    response = client.post(f"{shop['base']}/confirm?lang=en", data={"form_token": token})
    assert response.status_code == 403
    assert counts(session) == (0, 0, 0)


def test_an_unknown_channel_is_a_404(client, shop):
    assert client.get("/storefront/no-such-channel/withdraw").status_code == 404
