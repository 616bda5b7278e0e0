"""An item's reason on a new case is one its type offers; platform and API imports keep their own codes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.case_types.actions import add_reason, rename_reason, retire_reason
from retino_core.case_types.models import CaseType
from retino_core.cases.actions import open_case
from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.cases.export import export_statement, format_items, iter_export_rows
from retino_core.cases.models import Case, CaseItem, CaseOrigin
from retino_core.cases.queries import CaseFilter
from retino_core.cases.statistics import Period, ReasonCount, top_reasons
from retino_core.errors import ErrorKind

SYSTEM = Actor.system("test")


def _payload(order, *reasons, case_type="complaint"):
    return {
        "case_type": case_type,
        "order_id": order.id,
        "items": [
            {"order_item_id": order.items[index % len(order.items)].id, "quantity": "1", "reason": reason}
            for index, reason in enumerate(reasons)
        ],
        "notify_customer": False,
    }


def _type(session, account, code="complaint") -> CaseType:
    return session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == code))


def _stored(session, account_id) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Case).where(Case.account_id == account_id)),
        session.scalar(select(func.count()).select_from(CaseItem).where(CaseItem.account_id == account_id)),
    )


@pytest.mark.parametrize("origin", [CaseOrigin.agent, CaseOrigin.storefront, CaseOrigin.direct_link])
def test_active_reasons_of_the_type_and_no_reason_are_accepted(session, shop, origin):
    account, _, actor, _, order = shop
    case = open_case(session, account=account, actor=actor, payload=_payload(order, "defect", ""), origin=origin)
    assert [item.reason for item in case.items] == ["defect", ""]


def test_a_reason_of_another_type_or_an_unknown_code_is_a_field_error_on_that_item(session, shop):
    account, _, actor, _, order = shop
    before = _stored(session, account.id)
    with pytest.raises(CaseError) as raised:
        open_case(
            session,
            account=account,
            actor=actor,
            payload=_payload(order, "defect", "wrong_size", "hole_after_wash"),
            origin=CaseOrigin.agent,
        )
    assert raised.value.code is CaseErrorCode.invalid_input
    assert raised.value.kind is ErrorKind.invalid
    assert raised.value.field_errors == {
        "items": {
            1: {"reason": ["Choose one of the reasons this case type offers."]},
            2: {"reason": ["Choose one of the reasons this case type offers."]},
        }
    }
    assert _stored(session, account.id) == before


def test_a_retired_reason_is_refused_on_new_items_but_stays_on_old_ones(session, shop):
    # given a case whose item has a reason the merchant then retires
    account, _, actor, _, order = shop
    earlier = open_case(
        session, account=account, actor=actor, payload=_payload(order, "missing_part"), origin=CaseOrigin.agent
    )
    complaint = _type(session, account)
    retire_reason(
        session,
        account=account,
        actor=SYSTEM,
        case_type_id=complaint.id,
        reason_id=complaint.reason_by_code("missing_part").id,
    )
    before = _stored(session, account.id)
    # when a new case names it
    with pytest.raises(CaseError) as raised:
        open_case(
            session, account=account, actor=actor, payload=_payload(order, "missing_part"), origin=CaseOrigin.agent
        )
    # then it is refused, and the old item keeps it
    assert raised.value.field_errors == {"items": {0: {"reason": ["Choose one of the reasons this case type offers."]}}}
    assert _stored(session, account.id) == before
    session.expire_all()
    assert earlier.items[0].reason == "missing_part"


def test_a_withdrawal_takes_no_reason(session, shop):
    account, _, actor, _, order = shop
    case = open_case(
        session,
        account=account,
        actor=actor,
        payload=_payload(order, "", case_type="withdrawal"),
        origin=CaseOrigin.storefront,
    )
    assert case.items[0].reason == ""
    with pytest.raises(CaseError) as raised:
        open_case(
            session,
            account=account,
            actor=actor,
            payload=_payload(order, "changed_mind", case_type="withdrawal"),
            origin=CaseOrigin.storefront,
        )
    assert raised.value.field_errors == {"items": {0: {"reason": ["This case type asks for no reason."]}}}


def test_another_accounts_reason_does_not_count(session, shop, make_account):
    # given another account with a reason our complaint type lacks
    account, _, actor, _, order = shop
    other = make_account()
    theirs = _type(session, other)
    add_reason(
        session,
        account=other,
        actor=SYSTEM,
        case_type_id=theirs.id,
        payload={"code": "broken_zip", "names": {"en": "Zip"}},
    )
    with pytest.raises(CaseError) as raised:
        open_case(session, account=account, actor=actor, payload=_payload(order, "broken_zip"), origin=CaseOrigin.agent)
    assert raised.value.field_errors == {"items": {0: {"reason": ["Choose one of the reasons this case type offers."]}}}


@pytest.mark.parametrize("origin", [CaseOrigin.platform, CaseOrigin.api])
def test_platform_and_api_imports_keep_any_code_up_to_64_characters(session, shop, origin):
    account, _, actor, _, order = shop
    case = open_case(
        session,
        account=account,
        actor=actor,
        payload=_payload(order, "DAMAGED_PRODUCT", "x" * 64, case_type="withdrawal"),
        origin=origin,
    )
    assert [item.reason for item in case.items] == ["DAMAGED_PRODUCT", "x" * 64]
    with pytest.raises(CaseError) as raised:
        open_case(session, account=account, actor=actor, payload=_payload(order, "x" * 65), origin=origin)
    assert raised.value.field_errors == {"items": {0: {"reason": ["Longer than maximum length 64."]}}}


def test_statistics_and_the_export_name_reasons_in_the_asked_language(session, shop, make_order):
    # given items with a default reason, a renamed one, a retired one and a platform's code
    account, _, actor, channel, order = shop
    second_order = make_order(channel)
    complaint = _type(session, account)
    rename_reason(
        session,
        account=account,
        actor=SYSTEM,
        case_type_id=complaint.id,
        reason_id=complaint.reason_by_code("missing_part").id,
        payload={"names": {"cs": "Chybí díl", "en": "Part missing"}},
    )
    open_case(
        session, account=account, actor=actor, payload=_payload(order, "defect", "defect"), origin=CaseOrigin.agent
    )
    open_case(session, account=account, actor=actor, payload=_payload(order, "missing_part"), origin=CaseOrigin.agent)
    platform = open_case(
        session, account=account, actor=actor, payload=_payload(second_order, "DAMAGED"), origin=CaseOrigin.platform
    )
    retire_reason(
        session,
        account=account,
        actor=SYSTEM,
        case_type_id=complaint.id,
        reason_id=complaint.reason_by_code("defect").id,
    )
    now = clock.now()
    period = Period(now - timedelta(days=1), now + timedelta(days=1))
    # when / then: the statistics
    assert top_reasons(session, account_id=account.id, period=period, language="cs") == [
        ReasonCount("defect", 2, "Vada nebo nefunkčnost"),
        ReasonCount("DAMAGED", 1, "DAMAGED"),
        ReasonCount("missing_part", 1, "Chybí díl"),
    ]
    assert top_reasons(session, account_id=account.id, period=period, language="de", limit=1) == [
        ReasonCount("defect", 2, "Defekt oder funktioniert nicht")
    ]
    assert top_reasons(session, account_id=account.id, period=period)[0] == ReasonCount("defect", 2)
    # and the export's item cell
    statement = export_statement(account.id, CaseFilter(), dialect=session.bind.dialect.name)
    rows = {row[0]: row[13] for row in iter_export_rows(session, statement, account_id=account.id, language="en")}
    shirt, cap = (item.name for item in order.items)
    assert sorted(rows.values()) == sorted(
        [
            f"{shirt} × 1 (Defective or not working); {cap} × 1 (Defective or not working)",
            f"{shirt} × 1 (Part missing)",
            f"{shirt} × 1 (DAMAGED)",
        ]
    )
    assert rows[platform.number] == f"{shirt} × 1 (DAMAGED)"


def test_an_items_reason_follows_it_in_brackets():
    assert format_items([("Tričko", Decimal("2.000"), "Nesedí velikost"), ("Šála", Decimal("1"), "")]) == (
        "Tričko × 2 (Nesedí velikost); Šála × 1"
    )
