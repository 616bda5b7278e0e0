"""The statistics page: access per role, the chart data block, filters that never break it, other accounts' channels."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from retino_core.accounts.permissions import Role
from retino_core.cases.actions import close_case, open_case
from retino_core.cases.models import CaseOrigin

#: A Wednesday; the default period is 2025-12-22 .. 2026-03-15 (12 ISO weeks, W52 to W11).
NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)


def _chart_data(body: str) -> dict:
    start = body.index('<script type="application/json" id="stats-data">') + len(
        '<script type="application/json" id="stats-data">'
    )
    return json.loads(body[start : body.index("</script>", start)])


def _open(session, shop, *, case_type, channel=True, reason="defect", lodged_at):
    payload = {
        "case_type": case_type,
        "customer_name": "Zuzana Řeháková",
        "customer_email": "zuzana@example.test",
        "items": [{"name": "Šála", "quantity": "1", "reason": reason}],
        "notify_customer": False,
        "lodged_at": lodged_at.isoformat(),
    }
    if channel:
        payload["order_id"] = shop.order.id
        payload["items"] = [{"order_item_id": shop.order.items[0].id, "quantity": "1", "reason": reason}]
    case = open_case(
        session, account=shop.account, actor=shop.actors[Role.owner], payload=payload, origin=CaseOrigin.agent
    )
    session.commit()
    return case


def _in_english(session, shop, role):
    shop.members[role].language = "en"
    session.commit()
    return role


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_statistics(client_for, shop, role):
    response = client_for(role).get("/admin/statistics")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Statistics" in body or "Statistiky" in body
    assert '<script src="/static/stats.js" defer></script>' in body


def test_anonymous_is_sent_to_sign_in(app, shop):
    response = app.test_client().get("/admin/statistics")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")


def test_chart_data_holds_the_weekly_series_by_type_and_channel(client_for, shop, session):
    # given: the shop's complaint (this week, its channel), a return without a channel two weeks ago
    _open(
        session,
        shop,
        case_type="return",
        channel=False,
        reason="wrong_size",
        lodged_at=datetime(2026, 2, 24, 9, tzinfo=UTC),
    )
    # when
    body = client_for(_in_english(session, shop, Role.viewer)).get("/admin/statistics").get_data(as_text=True)
    # then
    data = _chart_data(body)
    assert data["weeks"][0] == "2025-W52"
    assert data["weeks"][-1] == "2026-W11"
    assert len(data["weeks"]) == 12
    zeros = [0] * 12
    assert data["by_type"] == [
        {"label": "Return", "color": "#2563eb", "data": [*zeros[:9], 1, 0, 0]},
        {"label": "Complaint", "color": "#dc2626", "data": [*zeros[:11], 1]},
    ]
    assert data["by_channel"] == [
        {"label": shop.channel.name, "data": [*zeros[:11], 1]},
        {"label": "No channel", "data": [*zeros[:9], 1, 0, 0]},
    ]
    assert "<td>Defective or not working</td><td>1</td>" in body
    assert "<td>Wrong size or fit</td><td>1</td>" in body
    assert "No ratings yet" in body
    assert "<details>" in body


def test_channel_filter_narrows_the_series(client_for, shop, session):
    _open(
        session,
        shop,
        case_type="return",
        channel=False,
        reason="wrong_size",
        lodged_at=datetime(2026, 2, 24, 9, tzinfo=UTC),
    )
    body = (
        client_for(_in_english(session, shop, Role.agent))
        .get(f"/admin/statistics?channel={shop.channel.id}")
        .get_data(as_text=True)
    )
    data = _chart_data(body)
    assert [series["label"] for series in data["by_type"]] == ["Complaint"]
    assert [series["label"] for series in data["by_channel"]] == [shop.channel.name]


def test_period_from_to_dates(client_for, shop, session):
    # given: a complaint closed two days after lodging, inside the chosen period
    case = _open(session, shop, case_type="complaint", lodged_at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 3, 4, 9, tzinfo=UTC), tick=False):
        close_case(session, account=shop.account, actor=shop.actors[Role.owner], case=case, status="repaired")
        session.commit()
    # when
    response = client_for(_in_english(session, shop, Role.manager)).get(
        "/admin/statistics?from=2026-03-02&to=2026-03-08"
    )
    # then
    body = response.get_data(as_text=True)
    data = _chart_data(body)
    assert data["weeks"] == ["2026-W10"]
    assert data["by_type"] == [{"label": "Complaint", "color": "#dc2626", "data": [1]}]
    assert 'value="2026-03-02"' in body
    assert 'value="2026-03-08"' in body
    assert "2.0 days" in body
    assert "100.0" in body


@pytest.mark.parametrize(
    "query",
    [
        "from=garbage",
        "to=2026-13-45",
        "from=2026-03-10&to=2026-03-01",
        "from=0001-01-01&to=0001-01-02",
        "to=9999-12-31",
        "from=1900-01-01",
        "channel=abc",
        "channel=-1",
        "from=&to=&channel=",
    ],
)
def test_malformed_filters_still_render(client_for, shop, query):
    response = client_for(Role.agent).get(f"/admin/statistics?{query}")
    assert response.status_code == 200
    assert len(_chart_data(response.get_data(as_text=True))["weeks"]) >= 1


def test_another_accounts_channel_is_not_found(client_for, shop, other_shop):
    client = client_for(Role.owner)
    assert client.get(f"/admin/statistics?channel={other_shop.channel.id}").status_code == 404
    assert client.get("/admin/statistics?channel=99999999999999999999999").status_code == 404


def test_another_accounts_cases_never_count(client_for, shop, other_shop):
    body = client_for(Role.owner).get("/admin/statistics").get_data(as_text=True)
    data = _chart_data(body)
    assert sum(sum(series["data"]) for series in data["by_type"]) == 1
    assert sum(sum(series["data"]) for series in data["by_channel"]) == 1
    assert "<td>Vada nebo nefunkčnost</td><td>1</td>" in body


def test_ratings_and_the_certificate_show_their_figures(client_for, shop, session):
    from retino_core.accounts.actor import Actor
    from retino_core.ratings.actions import compute_certificate, rate_case

    # given: four closed cases rated 5, 4, 4, 1 in the period, and tonight's certificate (too few ratings)
    for score, line in zip((5, 4, 4, 1), (0, 0, 1, 1), strict=True):
        case = open_case(
            session,
            account=shop.account,
            actor=shop.actors[Role.owner],
            payload={
                "case_type": "complaint",
                "customer_email": "zuzana@example.test",
                "items": [{"name": f"Šála {line}", "quantity": "1", "reason": "defect"}],
                "notify_customer": False,
            },
            origin=CaseOrigin.agent,
        )
        close_case(
            session,
            account=shop.account,
            actor=shop.actors[Role.owner],
            case=case,
            status="rejected",
            notify_customer=False,
        )
        rate_case(session, account=shop.account, actor=Actor.customer(case.customer_email), case=case, score=score)
    compute_certificate(session, account=shop.account, at=NOW + timedelta(hours=1))
    session.commit()
    # when
    body = client_for(_in_english(session, shop, Role.viewer)).get("/admin/statistics").get_data(as_text=True)
    # then
    assert "No ratings yet" not in body
    assert "<dt>Average rating</dt><dd>3.50 / 5</dd>" in body
    assert "<dd>4 (3 satisfied)</dd>" in body
    assert "<strong>Certificate:</strong> Not earned · 75.0 % · 4 ratings" in body
    assert "<summary>Certificate history</summary>" in body
    assert "<dd>75.0 %</dd>" in body
    assert "3 of 4 ratings were 4 or 5 stars" in body
