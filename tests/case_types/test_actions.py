"""Settings actions on case types: each change happens whole or not at all, for the owner's account only."""

import pytest
from sqlalchemy import func, select

from retino_core.accounts.errors import AccountError
from retino_core.accounts.permissions import Role
from retino_core.case_types.actions import (
    add_process_step,
    add_status,
    create_case_type,
    delete_status,
    link_field,
    rename_process_step,
    retire_status,
    set_transitions,
    unlink_field,
    update_case_type,
    update_status,
)
from retino_core.case_types.errors import CaseTypeError, CaseTypeErrorCode
from retino_core.case_types.models import CaseStatus, CaseType, CaseTypeField, StatusTransition
from retino_core.cases.actions import open_case, transition_case
from retino_core.cases.models import CaseOrigin
from retino_core.custom_fields.actions import create_field_definition
from retino_core.errors import ErrorKind


@pytest.fixture
def owner(session, make_account, make_member):
    account = make_account()
    _, actor = make_member(account, Role.owner)
    return account, actor


def _type(session, account, code="complaint") -> CaseType:
    return session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == code))


def _edges(session, case_type) -> set[tuple[str, str]]:
    codes = {status.id: status.code for status in case_type.statuses}
    rows = session.scalars(select(StatusTransition).where(StatusTransition.case_type_id == case_type.id))
    return {(codes[row.from_status_id], codes[row.to_status_id]) for row in rows}


def _open(session, account, actor, case_type="complaint"):
    return open_case(
        session,
        account=account,
        actor=actor,
        payload={
            "case_type": case_type,
            "customer_name": "Petr Dvořák",
            "customer_email": "petr@example.test",
            "items": [{"name": "T-shirt", "quantity": "1"}],
            "notify_customer": False,
        },
        origin=CaseOrigin.agent,
    )


def test_update_case_type_changes_the_given_keys(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    in_review = complaint.status_by_code("in_review")
    update_case_type(
        session,
        account=account,
        actor=actor,
        case_type_id=complaint.id,
        payload={
            "names": {"cs": " Reklamace zboží ", "en": "Complaint", "de": ""},
            "color": "#AABBCC",
            "number_prefix": "rk1",
            "policy_window_days": "",
            "handling_target_days": "20",
            "is_active": "false",
            "is_public": "false",
            "initial_status_id": str(in_review.id),
        },
    )
    assert complaint.names == {"cs": "Reklamace zboží", "en": "Complaint"}
    assert (complaint.color, complaint.number_prefix) == ("#aabbcc", "RK1")
    assert (complaint.policy_window_days, complaint.handling_target_days) == (None, 20)
    assert not complaint.is_active
    assert not complaint.is_public
    assert complaint.initial_status.code == "in_review"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"color": "red"}, "color"),
        ({"color": "#12345"}, "color"),
        ({"number_prefix": "TOO-LONG"}, "number_prefix"),
        ({"number_prefix": "ABCDEFGHIJK"}, "number_prefix"),
        ({"number_prefix": ""}, "number_prefix"),
        ({"names": {"en": "  "}}, "names"),
        ({"names": {"xx": "Nope"}}, "names"),
        ({"policy_window_days": "-1"}, "policy_window_days"),
        ({"handling_target_days": "0"}, "handling_target_days"),
    ],
)
def test_update_case_type_refuses_bad_input_and_changes_nothing(session, owner, payload, field):
    account, actor = owner
    complaint = _type(session, account)
    with pytest.raises(CaseTypeError) as raised:
        update_case_type(session, account=account, actor=actor, case_type_id=complaint.id, payload=payload)
    assert raised.value.code is CaseTypeErrorCode.invalid_input
    assert raised.value.kind is ErrorKind.invalid
    assert field in raised.value.field_errors
    session.refresh(complaint)
    assert (complaint.color, complaint.number_prefix) == ("#dc2626", "R")


def test_a_number_prefix_used_by_another_type_is_refused(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    with pytest.raises(CaseTypeError) as raised:
        update_case_type(
            session, account=account, actor=actor, case_type_id=complaint.id, payload={"number_prefix": "v"}
        )
    assert raised.value.code is CaseTypeErrorCode.prefix_taken
    assert raised.value.field_errors == {"number_prefix": ["Another case type already uses this number prefix."]}
    # keeping its own prefix is fine
    update_case_type(session, account=account, actor=actor, case_type_id=complaint.id, payload={"number_prefix": "R"})


def test_another_accounts_prefix_is_not_taken(session, owner, make_account):
    account, actor = owner
    other = make_account()
    other_complaint = _type(session, other)
    update_case_type(
        session, account=other, actor=actor, case_type_id=other_complaint.id, payload={"number_prefix": "X1"}
    )
    update_case_type(
        session, account=account, actor=actor, case_type_id=_type(session, account).id, payload={"number_prefix": "X1"}
    )


def test_the_initial_status_must_be_an_active_status_of_the_type(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    foreign = _type(session, account, "return").status_by_code("in_review")
    retired = complaint.status_by_code("at_service")
    retire_status(session, account=account, actor=actor, case_type_id=complaint.id, status_id=retired.id)
    for status_id in (foreign.id, retired.id, 999_999):
        with pytest.raises(CaseTypeError) as raised:
            update_case_type(
                session,
                account=account,
                actor=actor,
                case_type_id=complaint.id,
                payload={"initial_status_id": status_id},
            )
        assert raised.value.code is CaseTypeErrorCode.invalid_initial_status
    assert complaint.initial_status.code == "new"


def test_create_case_type_builds_a_minimal_process(session, owner):
    account, actor = owner
    created = create_case_type(
        session,
        account=account,
        actor=actor,
        payload={
            "code": "exchange",
            "names": {"en": "Exchange", "cs": "Výměna"},
            "color": "#00AA00",
            "number_prefix": "X",
        },
    )
    assert created.kind.value == "custom"
    assert created.position == 4
    assert [step.code for step in created.steps] == ["new", "resolved"]
    assert [status.code for status in created.statuses] == ["new", "resolved", "cancelled"]
    assert [status.is_closing for status in created.statuses] == [False, True, True]
    assert created.initial_status.code == "new"
    assert ("new", "resolved") in _edges(session, created)
    assert ("resolved", "new") in _edges(session, created)
    case = _open(session, account, actor, "exchange")
    assert case.number == "X00001" or case.number.startswith("X")
    transition_case(session, account=account, actor=actor, case=case, to_status="resolved")
    assert case.is_closed


def test_create_case_type_refuses_a_taken_code_or_prefix(session, owner):
    account, actor = owner
    base = {"names": {"en": "Exchange"}, "color": "#00aa00"}
    before = session.scalar(select(func.count()).select_from(CaseType))
    with pytest.raises(CaseTypeError) as raised:
        create_case_type(
            session, account=account, actor=actor, payload={**base, "code": "return", "number_prefix": "Q"}
        )
    assert raised.value.code is CaseTypeErrorCode.code_taken
    with pytest.raises(CaseTypeError) as raised:
        create_case_type(
            session, account=account, actor=actor, payload={**base, "code": "exchange", "number_prefix": "R"}
        )
    assert raised.value.code is CaseTypeErrorCode.prefix_taken
    with pytest.raises(CaseTypeError) as raised:
        create_case_type(
            session, account=account, actor=actor, payload={**base, "code": "Bad Code", "number_prefix": "Q"}
        )
    assert raised.value.code is CaseTypeErrorCode.invalid_input
    assert session.scalar(select(func.count()).select_from(CaseType)) == before


def test_steps_are_added_in_place_and_renamed(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    step = add_process_step(
        session,
        account=account,
        actor=actor,
        case_type_id=complaint.id,
        payload={"code": "diagnosis", "names": {"en": "Diagnosis"}, "position": 3},
    )
    session.expire(complaint)
    assert [s.code for s in complaint.steps] == [
        "new",
        "waiting_for_goods",
        "goods_received",
        "diagnosis",
        "decision",
        "resolved",
    ]
    rename_process_step(
        session,
        account=account,
        actor=actor,
        case_type_id=complaint.id,
        step_id=step.id,
        payload={"names": {"en": "Diagnostics", "cs": "Diagnostika"}},
    )
    assert step.names == {"en": "Diagnostics", "cs": "Diagnostika"}
    with pytest.raises(CaseTypeError) as raised:
        add_process_step(
            session,
            account=account,
            actor=actor,
            case_type_id=complaint.id,
            payload={"code": "new", "names": {"en": "X"}},
        )
    assert raised.value.code is CaseTypeErrorCode.step_code_taken
    other_step = _type(session, account, "return").steps[0]
    with pytest.raises(CaseTypeError) as raised:
        rename_process_step(
            session,
            account=account,
            actor=actor,
            case_type_id=complaint.id,
            step_id=other_step.id,
            payload={"names": {"en": "X"}},
        )
    assert raised.value.kind is ErrorKind.not_found


def test_add_status_goes_at_the_end_of_its_step(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    decision = next(step for step in complaint.steps if step.code == "decision")
    status = add_status(
        session,
        account=account,
        actor=actor,
        case_type_id=complaint.id,
        payload={
            "step_id": decision.id,
            "code": "with_supplier",
            "names": {"en": "With the supplier"},
            "color": "#123ABC",
        },
    )
    session.expire(complaint)
    codes = [s.code for s in complaint.statuses]
    assert codes.index("with_supplier") == codes.index("at_service") + 1
    assert status.color == "#123abc"
    assert not status.is_closing
    assert not status.is_retired
    assert not {edge for edge in _edges(session, complaint) if "with_supplier" in edge}


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"code": "in_review", "names": {"en": "Again"}, "color": "#000000"}, CaseTypeErrorCode.status_code_taken),
        ({"code": "fresh", "names": {"en": "Fresh"}, "color": "blue"}, CaseTypeErrorCode.invalid_input),
        ({"code": "fresh", "names": {}, "color": "#000000"}, CaseTypeErrorCode.invalid_input),
        ({"code": "Fresh!", "names": {"en": "Fresh"}, "color": "#000000"}, CaseTypeErrorCode.invalid_input),
    ],
)
def test_add_status_refusals(session, owner, payload, code):
    account, actor = owner
    complaint = _type(session, account)
    before = session.scalar(select(func.count()).select_from(CaseStatus))
    with pytest.raises(CaseTypeError) as raised:
        add_status(
            session,
            account=account,
            actor=actor,
            case_type_id=complaint.id,
            payload={"step_id": complaint.steps[0].id, **payload},
        )
    assert raised.value.code is code
    assert session.scalar(select(func.count()).select_from(CaseStatus)) == before


def test_add_status_to_another_types_step_is_refused(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    foreign_step = _type(session, account, "return").steps[0]
    with pytest.raises(CaseTypeError) as raised:
        add_status(
            session,
            account=account,
            actor=actor,
            case_type_id=complaint.id,
            payload={"step_id": foreign_step.id, "code": "fresh", "names": {"en": "Fresh"}, "color": "#000000"},
        )
    assert raised.value.code is CaseTypeErrorCode.step_not_found


def test_update_status_and_closing_cannot_change_while_cases_are_in_it(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    new = complaint.status_by_code("new")
    update_status(
        session,
        account=account,
        actor=actor,
        case_type_id=complaint.id,
        status_id=new.id,
        payload={"names": {"en": "Fresh"}, "color": "#ffffff", "is_closing": "false"},
    )
    assert (new.names, new.color) == ({"en": "Fresh"}, "#ffffff")
    _open(session, account, actor)
    with pytest.raises(CaseTypeError) as raised:
        update_status(
            session,
            account=account,
            actor=actor,
            case_type_id=complaint.id,
            status_id=new.id,
            payload={"is_closing": True},
        )
    assert raised.value.code is CaseTypeErrorCode.closing_change_in_use
    assert not new.is_closing


def test_retire_removes_the_edges_into_the_status_and_keeps_those_out(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    case = _open(session, account, actor)
    transition_case(session, account=account, actor=actor, case=case, to_status="in_review")
    transition_case(session, account=account, actor=actor, case=case, to_status="at_service")
    at_service = complaint.status_by_code("at_service")
    retire_status(session, account=account, actor=actor, case_type_id=complaint.id, status_id=at_service.id)
    assert at_service.is_retired
    edges = _edges(session, complaint)
    assert not {edge for edge in edges if edge[1] == "at_service"}
    assert ("at_service", "repaired") in edges
    # the case in the retired status still works and can leave it
    transition_case(session, account=account, actor=actor, case=case, to_status="repaired")
    assert case.status.code == "repaired"
    retire_status(
        session, account=account, actor=actor, case_type_id=complaint.id, status_id=at_service.id, retired=False
    )
    assert not at_service.is_retired


def test_the_initial_status_cannot_be_retired_or_deleted(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    new = complaint.status_by_code("new")
    for action in (retire_status, delete_status):
        with pytest.raises(CaseTypeError) as raised:
            action(session, account=account, actor=actor, case_type_id=complaint.id, status_id=new.id)
        assert raised.value.code is CaseTypeErrorCode.status_is_initial
    assert not new.is_retired


def test_delete_an_unused_status_with_its_edges(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    at_service = complaint.status_by_code("at_service")
    delete_status(session, account=account, actor=actor, case_type_id=complaint.id, status_id=at_service.id)
    session.expire_all()
    complaint = _type(session, account)
    assert complaint.status_by_code("at_service") is None
    assert not {edge for edge in _edges(session, complaint) if "at_service" in edge}
    assert [s.position for s in complaint.statuses] == list(range(len(complaint.statuses)))


def test_a_status_a_case_is_in_or_has_been_in_cannot_be_deleted(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    case = _open(session, account, actor)
    transition_case(session, account=account, actor=actor, case=case, to_status="in_review")
    in_review = complaint.status_by_code("in_review")
    with pytest.raises(CaseTypeError) as raised:
        delete_status(session, account=account, actor=actor, case_type_id=complaint.id, status_id=in_review.id)
    assert raised.value.code is CaseTypeErrorCode.status_in_use
    assert raised.value.kind is ErrorKind.conflict
    transition_case(session, account=account, actor=actor, case=case, to_status="at_service")
    # no case is in "in_review" any more, but the history mentions it
    with pytest.raises(CaseTypeError) as raised:
        delete_status(session, account=account, actor=actor, case_type_id=complaint.id, status_id=in_review.id)
    assert raised.value.code is CaseTypeErrorCode.status_in_use
    assert complaint.status_by_code("in_review") is not None
    assert ("new", "in_review") in _edges(session, complaint)


def test_set_transitions_replaces_the_edges(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    set_transitions(
        session,
        account=account,
        actor=actor,
        case_type_id=complaint.id,
        edges=[("new", "in_review"), ("in_review", "repaired"), ("new", "in_review"), ["repaired", "in_review"]],
    )
    assert _edges(session, complaint) == {("new", "in_review"), ("in_review", "repaired"), ("repaired", "in_review")}
    set_transitions(session, account=account, actor=actor, case_type_id=complaint.id, edges=[])
    assert _edges(session, complaint) == set()


@pytest.mark.parametrize(
    "bad",
    [
        ("new", "missing_item_sent"),  # a status of another type
        ("no_such", "new"),
        ("new", "new"),
    ],
)
def test_set_transitions_refuses_the_whole_set_for_one_bad_pair(session, owner, bad):
    account, actor = owner
    complaint = _type(session, account)
    before = _edges(session, complaint)
    with pytest.raises(CaseTypeError) as raised:
        set_transitions(
            session, account=account, actor=actor, case_type_id=complaint.id, edges=[("new", "in_review"), bad]
        )
    assert raised.value.code is CaseTypeErrorCode.invalid_transition
    assert raised.value.kind is ErrorKind.invalid
    assert "edges" in raised.value.field_errors
    assert _edges(session, complaint) == before


def test_set_transitions_refuses_entering_a_retired_status_but_allows_leaving_it(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    at_service = complaint.status_by_code("at_service")
    retire_status(session, account=account, actor=actor, case_type_id=complaint.id, status_id=at_service.id)
    with pytest.raises(CaseTypeError):
        set_transitions(
            session, account=account, actor=actor, case_type_id=complaint.id, edges=[("in_review", "at_service")]
        )
    set_transitions(
        session, account=account, actor=actor, case_type_id=complaint.id, edges=[("at_service", "repaired")]
    )
    assert _edges(session, complaint) == {("at_service", "repaired")}


def test_link_and_unlink_a_field(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    field = create_field_definition(
        session,
        account=account,
        actor=actor,
        payload={"key": "serial", "field_type": "text", "names": {"en": "Serial"}},
    )
    link = link_field(
        session, account=account, actor=actor, case_type_id=complaint.id, field_id=field.id, is_required=True
    )
    assert link.is_required
    link_field(session, account=account, actor=actor, case_type_id=complaint.id, field_id=field.id, is_required=False)
    assert session.scalar(select(func.count()).select_from(CaseTypeField)) == 1
    assert not link.is_required
    unlink_field(session, account=account, actor=actor, case_type_id=complaint.id, field_id=field.id)
    assert session.scalar(select(func.count()).select_from(CaseTypeField)) == 0
    with pytest.raises(CaseTypeError) as raised:
        unlink_field(session, account=account, actor=actor, case_type_id=complaint.id, field_id=field.id)
    assert raised.value.code is CaseTypeErrorCode.field_not_found


def test_another_accounts_ids_are_not_found(session, owner, make_account):
    account, actor = owner
    other = make_account()
    theirs = _type(session, other)
    status_id = theirs.status_by_code("at_service").id
    calls = [
        lambda: update_case_type(
            session, account=account, actor=actor, case_type_id=theirs.id, payload={"color": "#000000"}
        ),
        lambda: add_process_step(
            session, account=account, actor=actor, case_type_id=theirs.id, payload={"code": "x", "names": {"en": "X"}}
        ),
        lambda: retire_status(session, account=account, actor=actor, case_type_id=theirs.id, status_id=status_id),
        lambda: delete_status(session, account=account, actor=actor, case_type_id=theirs.id, status_id=status_id),
        lambda: set_transitions(session, account=account, actor=actor, case_type_id=theirs.id, edges=[]),
        lambda: unlink_field(session, account=account, actor=actor, case_type_id=theirs.id, field_id=1),
    ]
    for call in calls:
        with pytest.raises(CaseTypeError) as raised:
            call()
        assert raised.value.kind is ErrorKind.not_found
    # their status addressed through our own type is not found either
    with pytest.raises(CaseTypeError) as raised:
        retire_status(
            session, account=account, actor=actor, case_type_id=_type(session, account).id, status_id=status_id
        )
    assert raised.value.kind is ErrorKind.not_found
    assert not theirs.status_by_code("at_service").is_retired


@pytest.mark.parametrize("role", [Role.viewer, Role.agent, Role.technician, Role.dispatcher])
def test_only_owners_and_managers_change_settings(session, make_account, make_member, role):
    account = make_account()
    _, actor = make_member(account, role)
    complaint = _type(session, account)
    with pytest.raises(AccountError) as raised:
        update_case_type(session, account=account, actor=actor, case_type_id=complaint.id, payload={"color": "#000000"})
    assert raised.value.kind is ErrorKind.forbidden
    with pytest.raises(AccountError):
        set_transitions(session, account=account, actor=actor, case_type_id=complaint.id, edges=[])
    _, manager = make_member(account, Role.manager)
    update_case_type(session, account=account, actor=manager, case_type_id=complaint.id, payload={"color": "#000000"})
