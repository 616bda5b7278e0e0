from sqlalchemy import select

from retino_core.case_types.defaults import DEFAULT_CASE_TYPES, derive_transitions
from retino_core.case_types.models import CaseKind, CaseType, StatusTransition
from retino_core.i18n import SUPPORTED_LANGUAGES


def test_new_account_gets_the_four_default_types(session, make_account):
    # given / when
    account = make_account()
    # then
    types = session.scalars(CaseType.select_for_account(account.id).order_by(CaseType.position)).all()
    assert [t.code for t in types] == ["return", "complaint", "withdrawal", "missing_item"]
    assert [t.kind for t in types] == [CaseKind.return_, CaseKind.complaint, CaseKind.withdrawal, CaseKind.custom]
    assert [t.number_prefix for t in types] == ["V", "R", "O", "M"]
    assert all(t.initial_status.code == "new" for t in types)


def test_every_default_name_exists_in_every_language():
    for spec in DEFAULT_CASE_TYPES:
        assert set(spec.names) == set(SUPPORTED_LANGUAGES)
        for step in spec.steps:
            assert set(step.names) == set(SUPPORTED_LANGUAGES)
            for status in step.statuses:
                assert set(status.names) == set(SUPPORTED_LANGUAGES)


def test_return_process_transitions_follow_the_rule():
    spec = next(s for s in DEFAULT_CASE_TYPES if s.code == "return")
    edges = set(derive_transitions(spec.steps))
    assert ("new", "awaiting_goods") in edges
    assert ("new", "goods_received") in edges
    assert ("awaiting_goods", "new") in edges
    assert ("goods_received", "approved_refund") in edges
    assert ("in_review", "cancelled") in edges
    assert ("approved_refund", "in_review") in edges
    assert ("approved_refund", "rejected") not in edges
    assert ("goods_received", "new") not in edges


def test_closing_statuses_are_the_last_step(session, make_account):
    account = make_account()
    complaint = session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == "complaint"))
    closing = sorted(s.code for s in complaint.statuses if s.is_closing)
    assert closing == sorted(["repaired", "replaced", "approved_refund", "approved_discount", "rejected", "cancelled"])
    transitions = session.scalars(select(StatusTransition).where(StatusTransition.case_type_id == complaint.id)).all()
    assert len(transitions) == len(derive_transitions(DEFAULT_CASE_TYPES[1].steps))
