"""A retired status cannot be entered, even along an edge that still exists; a case in it can leave."""

import pytest
from sqlalchemy import select

from retino_core.case_types.models import CaseType, StatusTransition
from retino_core.cases.actions import open_case, transition_case
from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.cases.models import CaseOrigin
from retino_core.errors import ErrorKind


@pytest.fixture
def case(session, shop):
    account, _, actor, _, order = shop
    payload = {
        "case_type": "complaint",
        "order_id": order.id,
        "items": [{"order_item_id": order.items[0].id, "quantity": "1", "reason": "defect"}],
        "notify_customer": False,
    }
    return open_case(session, account=account, actor=actor, payload=payload, origin=CaseOrigin.agent)


def test_a_retired_status_cannot_be_entered_and_can_be_left(session, shop, case):
    account, _, actor, _, _ = shop
    complaint = session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == "complaint"))
    in_review = complaint.status_by_code("in_review")
    transition_case(session, account=account, actor=actor, case=case, to_status="in_review")
    in_review.is_retired = True
    session.flush()
    # the case sits in the retired status and may still leave it
    transition_case(session, account=account, actor=actor, case=case, to_status="goods_received")
    edge = session.scalar(
        select(StatusTransition.id).where(
            StatusTransition.from_status_id == case.status_id, StatusTransition.to_status_id == in_review.id
        )
    )
    assert edge is not None
    with pytest.raises(CaseError) as raised:
        transition_case(session, account=account, actor=actor, case=case, to_status="in_review")
    assert raised.value.code is CaseErrorCode.status_retired
    assert raised.value.kind is ErrorKind.conflict
    assert case.status.code == "goods_received"
    assert [h.kind for h in case.history].count("status_changed") == 2
