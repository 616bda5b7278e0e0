import pytest
from sqlalchemy import func, select

from retino_core.accounts.errors import AccountError
from retino_core.accounts.permissions import Role
from retino_core.cases.actions import (
    add_attachment,
    add_note,
    assign_case,
    close_case,
    decide_item,
    open_case,
    receive_item,
    tag_case,
    transition_case,
    untag_case,
)
from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.cases.models import CaseAttachment, CaseOrigin, DecisionState, ReceptionState, Resolution, Tag
from retino_core.cases.queries import CaseFilter, get_case, list_cases
from retino_core.errors import ErrorKind
from retino_core.storage import LocalFolderStorage

# A real 1×1 PNG as Pillow writes it: uploads are decoded and re-encoded, and this one comes out identical.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc8\xa1\xa1\x01\x00\x02\xd4\x01\x19\x05P\x8f\xa4\x00\x00\x00\x00IEND\xaeB`\x82"
)


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


def test_allowed_transition_changes_status_and_writes_history(session, shop, case):
    account, _, actor, _, _ = shop
    transition_case(session, account=account, actor=actor, case=case, to_status="awaiting_goods", reason="label sent")
    assert case.status.code == "awaiting_goods"
    assert case.history[-1].kind == "status_changed"
    assert case.history[-1].data == {"status": ["new", "awaiting_goods"], "reason": "label sent"}


def test_illegal_transition_is_refused_and_changes_nothing(session, shop, case):
    account, _, actor, _, _ = shop
    transition_case(session, account=account, actor=actor, case=case, to_status="goods_received")
    with pytest.raises(CaseError) as raised:
        transition_case(session, account=account, actor=actor, case=case, to_status="new")
    assert raised.value.code is CaseErrorCode.illegal_transition
    assert raised.value.kind is ErrorKind.conflict
    assert raised.value.render() == "A case cannot move from goods_received to new."
    assert case.status.code == "goods_received"
    assert [h.kind for h in case.history] == ["case_opened", "status_changed"]


def test_status_of_another_type_is_not_found(session, shop, case):
    account, _, actor, _, _ = shop
    with pytest.raises(CaseError) as raised:
        transition_case(session, account=account, actor=actor, case=case, to_status="missing_item_sent")
    assert raised.value.code is CaseErrorCode.status_not_found


def test_closing_and_reopening(session, shop, case):
    account, _, actor, _, _ = shop
    transition_case(session, account=account, actor=actor, case=case, to_status="in_review")
    close_case(session, account=account, actor=actor, case=case, status="repaired")
    assert case.is_closed
    assert [h.kind for h in case.history][-3:] == ["status_changed", "case_closed", "email_queued"]
    transition_case(session, account=account, actor=actor, case=case, to_status="in_review")
    assert not case.is_closed
    assert case.history[-1].kind == "case_reopened"


def test_close_requires_a_closing_status(session, shop, case):
    account, _, actor, _, _ = shop
    with pytest.raises(CaseError) as raised:
        close_case(session, account=account, actor=actor, case=case, status="in_review")
    assert raised.value.code is CaseErrorCode.not_a_closing_status


def test_technician_may_move_but_not_close(session, shop, case, make_member):
    account, _, _, _, _ = shop
    _, technician = make_member(account, Role.technician)
    transition_case(session, account=account, actor=technician, case=case, to_status="in_review")
    with pytest.raises(AccountError) as raised:
        transition_case(session, account=account, actor=technician, case=case, to_status="repaired")
    assert raised.value.kind is ErrorKind.forbidden
    assert case.status.code == "in_review"


def test_assign_tag_untag_and_note(session, shop, case, make_member):
    account, owner, actor, _, _ = shop
    agent_user, _ = make_member(account, Role.agent)
    assign_case(session, account=account, actor=actor, case=case, owner_id=agent_user.id)
    tag_case(session, account=account, actor=actor, case=case, name="VIP")
    tag_case(session, account=account, actor=actor, case=case, name="VIP")
    note = add_note(session, account=account, actor=actor, case=case, body="  Customer called, wants repair.  ")
    assert case.owner_id == agent_user.id
    assert [t.name for t in case.tags] == ["VIP"]
    assert note.body == "Customer called, wants repair."
    assert note.author_id == owner.id
    untag_case(session, account=account, actor=actor, case=case, name="VIP")
    assert case.tags == []
    assert session.scalar(select(func.count()).select_from(Tag)) == 1
    assert [h.kind for h in case.history] == [
        "case_opened",
        "owner_changed",
        "tag_added",
        "note_added",
        "tag_removed",
    ]


def test_empty_note_is_refused(session, shop, case):
    account, _, actor, _, _ = shop
    with pytest.raises(CaseError) as raised:
        add_note(session, account=account, actor=actor, case=case, body="")
    assert raised.value.field_errors == {"body": ["Length must be between 1 and 10000."]}


def test_reception_follows_its_flow(session, shop, case):
    account, _, actor, _, _ = shop
    item = case.items[0]
    receive_item(session, account=account, actor=actor, case=case, item_id=item.id, state="in_transit")
    receive_item(session, account=account, actor=actor, case=case, item_id=item.id, state="received")
    receive_item(
        session, account=account, actor=actor, case=case, item_id=item.id, state="inspected", note="Šev povolený"
    )
    assert item.reception_state is ReceptionState.inspected
    assert item.inspection_note == "Šev povolený"
    assert item.received_at is not None
    with pytest.raises(CaseError) as raised:
        receive_item(session, account=account, actor=actor, case=case, item_id=item.id, state="expected")
    assert raised.value.code is CaseErrorCode.illegal_reception_change


def test_inspection_needs_the_goods_first(session, shop, case):
    account, _, actor, _, _ = shop
    with pytest.raises(CaseError) as raised:
        receive_item(session, account=account, actor=actor, case=case, item_id=case.items[0].id, state="inspected")
    assert raised.value.render() == "An item cannot go from expected to inspected."


def test_decisions(session, shop, case):
    account, _, actor, _, _ = shop
    item = case.items[0]
    decide_item(
        session, account=account, actor=actor, case=case, item_id=item.id, decision="accepted", resolution="repair"
    )
    assert (item.decision_state, item.resolution) == (DecisionState.accepted, Resolution.repair)
    with pytest.raises(CaseError) as raised:
        decide_item(session, account=account, actor=actor, case=case, item_id=item.id, decision="rejected")
    assert raised.value.code is CaseErrorCode.rejection_reason_required
    decide_item(
        session, account=account, actor=actor, case=case, item_id=item.id, decision="rejected", note="Mechanical damage"
    )
    assert (item.decision_state, item.resolution) == (DecisionState.rejected, Resolution.reject)
    assert case.history[-1].data == {
        "item_id": item.id,
        "decision": ["accepted", "rejected"],
        "resolution": "reject",
    }


@pytest.mark.parametrize(
    ("decision", "resolution", "code"),
    [
        ("accepted", None, CaseErrorCode.resolution_required),
        ("accepted", "reject", CaseErrorCode.resolution_required),
        ("pending", None, CaseErrorCode.invalid_input),
        ("maybe", None, CaseErrorCode.invalid_input),
    ],
)
def test_bad_decisions_are_refused(session, shop, case, decision, resolution, code):
    account, _, actor, _, _ = shop
    item = case.items[0]
    with pytest.raises(CaseError) as raised:
        decide_item(
            session, account=account, actor=actor, case=case, item_id=item.id, decision=decision, resolution=resolution
        )
    assert raised.value.code is code
    assert item.decision_state is DecisionState.pending


def test_agent_cannot_decide_items(session, shop, case, make_member):
    account, _, _, _, _ = shop
    _, agent = make_member(account, Role.agent)
    with pytest.raises(AccountError):
        decide_item(
            session,
            account=account,
            actor=agent,
            case=case,
            item_id=case.items[0].id,
            decision="accepted",
            resolution="refund",
        )


def test_closed_case_refuses_item_changes(session, shop, case):
    account, _, actor, _, _ = shop
    close_case(session, account=account, actor=actor, case=case, status="cancelled")
    with pytest.raises(CaseError) as raised:
        receive_item(session, account=account, actor=actor, case=case, item_id=case.items[0].id, state="received")
    assert raised.value.code is CaseErrorCode.case_closed


def test_attachments_are_sniffed_and_stored_under_a_random_name(session, shop, case, tmp_path):
    account, _, actor, _, _ = shop
    storage = LocalFolderStorage(tmp_path)
    attachment = add_attachment(
        session, account=account, actor=actor, case=case, storage=storage, filename="../../app.py\r\n.png", data=PNG
    )
    assert attachment.content_type == "image/png"
    assert attachment.filename == "app.py.png"
    assert attachment.storage_key.endswith(".png")
    assert "app" not in attachment.storage_key
    assert storage.read(attachment.storage_key) == PNG


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"<?php echo 1;", CaseErrorCode.attachment_type_not_allowed),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", CaseErrorCode.attachment_type_not_allowed),
        (b"PK\x03\x04zip", CaseErrorCode.attachment_type_not_allowed),
        (b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024), CaseErrorCode.attachment_too_large),
    ],
)
def test_bad_attachments_are_refused(session, shop, case, tmp_path, data, code):
    account, _, actor, _, _ = shop
    with pytest.raises(CaseError) as raised:
        add_attachment(
            session,
            account=account,
            actor=actor,
            case=case,
            storage=LocalFolderStorage(tmp_path),
            filename="x.jpg",
            data=data,
        )
    assert raised.value.code is code
    assert session.scalar(select(func.count()).select_from(CaseAttachment)) == 0


def test_eleventh_attachment_is_refused(session, shop, case, tmp_path):
    account, _, actor, _, _ = shop
    storage = LocalFolderStorage(tmp_path)
    for _ in range(10):
        add_attachment(session, account=account, actor=actor, case=case, storage=storage, filename="p.png", data=PNG)
    with pytest.raises(CaseError) as raised:
        add_attachment(session, account=account, actor=actor, case=case, storage=storage, filename="p.png", data=PNG)
    assert raised.value.code is CaseErrorCode.too_many_attachments


def test_another_accounts_case_is_not_found_everywhere(session, shop, case, make_account, make_member):
    # given
    other = make_account()
    _, other_owner = make_member(other)
    # when / then
    with pytest.raises(CaseError) as raised:
        get_case(session, account_id=other.id, case_id=case.id)
    assert raised.value.kind is ErrorKind.not_found
    for action, kwargs in [
        (transition_case, {"to_status": "in_review"}),
        (assign_case, {"owner_id": None}),
        (tag_case, {"name": "x"}),
        (add_note, {"body": "x"}),
        (receive_item, {"item_id": case.items[0].id, "state": "received"}),
        (decide_item, {"item_id": case.items[0].id, "decision": "accepted", "resolution": "refund"}),
    ]:
        with pytest.raises(CaseError) as raised:
            action(session, account=other, actor=other_owner, case=case, **kwargs)
        assert raised.value.kind is ErrorKind.not_found
    assert list_cases(session, account_id=other.id) == []
    assert [h.kind for h in case.history] == ["case_opened"]


def test_list_and_search(session, shop, case):
    account, _, actor, _, order = shop
    tag_case(session, account=account, actor=actor, case=case, name="urgent")
    assert list_cases(session, account_id=account.id, case_filter=CaseFilter(search="dvorak")) == [case]
    assert list_cases(session, account_id=account.id, case_filter=CaseFilter(search=order.code[-4:])) == [case]
    assert list_cases(session, account_id=account.id, case_filter=CaseFilter(search="nobody")) == []
    assert list_cases(session, account_id=account.id, case_filter=CaseFilter(tag="urgent")) == [case]
    assert list_cases(session, account_id=account.id, case_filter=CaseFilter(is_open=False)) == []
    with pytest.raises(CaseError) as raised:
        list_cases(session, account_id=account.id, case_filter=CaseFilter(search="dv"))
    assert raised.value.render() == "Type at least 3 characters to search."
