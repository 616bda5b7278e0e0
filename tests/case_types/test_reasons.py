"""Item reasons as data: the defaults every account gets, and adding, renaming, ordering and retiring them."""

import pytest
from sqlalchemy import delete, select

from retino_core.accounts.errors import AccountError
from retino_core.accounts.permissions import Role
from retino_core.case_types.actions import add_reason, move_reason, rename_reason, reorder_reasons, retire_reason
from retino_core.case_types.defaults import (
    DEFAULT_CASE_TYPES,
    DEFAULT_REASONS,
    default_reason_rows,
    seed_default_reasons,
)
from retino_core.case_types.errors import CaseTypeError, CaseTypeErrorCode
from retino_core.case_types.models import CaseReason, CaseType
from retino_core.case_types.queries import reason_names
from retino_core.errors import ErrorKind
from retino_core.i18n import SUPPORTED_LANGUAGES


@pytest.fixture
def owner(session, make_account, make_member):
    account = make_account()
    _, actor = make_member(account, Role.owner)
    return account, actor


def _type(session, account, code="complaint") -> CaseType:
    return session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == code))


def _codes(case_type) -> list[str]:
    return [reason.code for reason in case_type.reasons]


def _rows(session, account_id) -> list[tuple]:
    """Every reason of the account as stored, for "nothing changed" checks."""
    session.expire_all()
    return session.execute(
        select(CaseReason.case_type_id, CaseReason.code, CaseReason.names, CaseReason.position, CaseReason.is_retired)
        .where(CaseReason.account_id == account_id)
        .order_by(CaseReason.id)
    ).all()


def test_a_new_account_gets_the_default_reasons_of_each_type(session, make_account):
    account = make_account()
    assert _codes(_type(session, account, "return")) == [
        "wrong_size",
        "not_as_described",
        "changed_mind",
        "ordered_by_mistake",
        "damaged_in_transport",
        "wrong_item",
    ]
    assert _codes(_type(session, account, "complaint")) == [
        "defect",
        "damaged_in_transport",
        "missing_part",
        "not_as_ordered",
    ]
    assert _codes(_type(session, account, "missing_item")) == ["missing_from_parcel"]
    # a withdrawal needs no reason by law
    assert _codes(_type(session, account, "withdrawal")) == []
    complaint = _type(session, account)
    assert [reason.position for reason in complaint.reasons] == [0, 1, 2, 3]
    assert all(reason.account_id == account.id and not reason.is_retired for reason in complaint.reasons)
    assert complaint.reason_by_code("defect").name("cs") == "Vada nebo nefunkčnost"
    assert complaint.reason_by_code("defect").name("hu") == "Hibás vagy nem működik"


def test_every_default_reason_is_named_in_every_language():
    for spec in DEFAULT_CASE_TYPES:
        for reason in spec.reasons:
            assert set(reason.names) == set(SUPPORTED_LANGUAGES), reason.code
            assert all(name.strip() == name and name for name in reason.names.values()), reason.code
        assert len({reason.code for reason in spec.reasons}) == len(spec.reasons)
    assert DEFAULT_REASONS["withdrawal"] == ()


def test_default_reason_rows_skip_what_the_type_has_and_number_the_rest():
    rows = default_reason_rows(
        account_id=7, case_type_id=9, type_code="complaint", existing_codes={"defect"}, start_position=5
    )
    assert [(row["code"], row["position"]) for row in rows] == [
        ("damaged_in_transport", 5),
        ("missing_part", 6),
        ("not_as_ordered", 7),
    ]
    assert rows[0]["account_id"] == 7
    assert rows[0]["case_type_id"] == 9
    assert rows[0]["is_retired"] is False
    assert rows[0]["names"]["pl"] == "Towar dotarł uszkodzony"
    assert default_reason_rows(account_id=7, case_type_id=9, type_code="withdrawal") == []
    assert default_reason_rows(account_id=7, case_type_id=9, type_code="exchange") == []


def test_seeding_an_existing_account_adds_only_the_missing_defaults_once(session, owner, make_account):
    # given an account from before reasons existed, whose complaint type kept one reason of its own
    account, actor = owner
    other = make_account()
    theirs = _rows(session, other.id)
    session.execute(delete(CaseReason).where(CaseReason.account_id == account.id))
    complaint = _type(session, account)
    session.expire_all()
    add_reason(
        session,
        account=account,
        actor=actor,
        case_type_id=complaint.id,
        payload={"code": "missing_part", "names": {"cs": "Chybí šroubek"}},
    )
    # when
    added = seed_default_reasons(session, account)
    # then
    assert len(added) == 10
    complaint = _type(session, account)
    assert _codes(complaint) == ["missing_part", "defect", "damaged_in_transport", "not_as_ordered"]
    assert complaint.reason_by_code("missing_part").names == {"cs": "Chybí šroubek"}
    assert len(_type(session, account, "return").reasons) == 6
    assert _codes(_type(session, account, "missing_item")) == ["missing_from_parcel"]
    assert _type(session, account, "withdrawal").reasons == []
    # and a second run adds nothing, nor touches another account
    assert seed_default_reasons(session, account) == []
    assert _rows(session, other.id) == theirs


def test_add_reason_puts_it_last_with_its_names(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    reason = add_reason(
        session,
        account=account,
        actor=actor,
        case_type_id=complaint.id,
        payload={"code": "wrong_colour", "names": {"cs": " Jiná barva ", "en": "Wrong colour", "de": ""}},
    )
    assert reason.account_id == account.id
    assert reason.case_type_id == complaint.id
    assert reason.names == {"cs": "Jiná barva", "en": "Wrong colour"}
    assert reason.position == 4
    assert not reason.is_retired
    assert _codes(complaint)[-1] == "wrong_colour"
    assert reason.name("sk") == "Wrong colour"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {"code": "Bad Code", "names": {"en": "X"}},
            "code",
            "Use lower-case letters, digits and underscores, starting with a letter.",
        ),
        ({"code": "", "names": {"en": "X"}}, "code", None),
        ({"code": "x" * 65, "names": {"en": "X"}}, "code", None),
        ({"code": "ok", "names": {"en": "  "}}, "names", "Give a name in at least one language."),
        ({"code": "ok", "names": {"xx": "Nope"}}, "names", None),
        ({"code": "ok", "names": {"en": "x" * 201}}, "names", None),
        ({"names": {"en": "No code"}}, "code", None),
    ],
)
def test_add_reason_refuses_bad_input_and_stores_nothing(session, owner, payload, field, message):
    account, actor = owner
    complaint = _type(session, account)
    before = _rows(session, account.id)
    with pytest.raises(CaseTypeError) as raised:
        add_reason(session, account=account, actor=actor, case_type_id=complaint.id, payload=payload)
    assert raised.value.code is CaseTypeErrorCode.invalid_input
    assert raised.value.kind is ErrorKind.invalid
    assert field in raised.value.field_errors
    if message is not None:
        assert message in str(raised.value.field_errors[field])
    assert _rows(session, account.id) == before


def test_a_code_the_type_already_has_is_refused_even_when_retired(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    defect = complaint.reason_by_code("defect")
    retire_reason(session, account=account, actor=actor, case_type_id=complaint.id, reason_id=defect.id)
    before = _rows(session, account.id)
    with pytest.raises(CaseTypeError) as raised:
        add_reason(
            session,
            account=account,
            actor=actor,
            case_type_id=complaint.id,
            payload={"code": "defect", "names": {"en": "Defect again"}},
        )
    assert raised.value.code is CaseTypeErrorCode.reason_code_taken
    assert raised.value.field_errors == {"code": ["Another reason of this type uses this code."]}
    assert _rows(session, account.id) == before
    # another type may use the same code
    add_reason(
        session,
        account=account,
        actor=actor,
        case_type_id=_type(session, account, "withdrawal").id,
        payload={"code": "defect", "names": {"en": "Defect"}},
    )


def test_rename_reason_replaces_the_names_and_keeps_the_code(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    defect = complaint.reason_by_code("defect")
    renamed = rename_reason(
        session,
        account=account,
        actor=actor,
        case_type_id=complaint.id,
        reason_id=defect.id,
        payload={"names": {"cs": "Vada", "en": "Defect"}},
    )
    assert renamed.id == defect.id
    assert renamed.code == "defect"
    session.expire_all()
    assert session.get(CaseReason, defect.id).names == {"cs": "Vada", "en": "Defect"}
    before = _rows(session, account.id)
    with pytest.raises(CaseTypeError) as raised:
        rename_reason(
            session,
            account=account,
            actor=actor,
            case_type_id=complaint.id,
            reason_id=defect.id,
            payload={"names": {"en": ""}},
        )
    assert raised.value.field_errors == {"names": ["Give a name in at least one language."]}
    assert _rows(session, account.id) == before


def test_reorder_reasons_takes_every_reason_once(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    ids = {reason.code: reason.id for reason in complaint.reasons}
    order = [ids["not_as_ordered"], ids["defect"], ids["missing_part"], ids["damaged_in_transport"]]
    reorder_reasons(session, account=account, actor=actor, case_type_id=complaint.id, reason_ids=order)
    assert _codes(_type(session, account)) == ["not_as_ordered", "defect", "missing_part", "damaged_in_transport"]
    before = _rows(session, account.id)
    for wrong in (order[:3], [*order, order[0]], [order[0], *order[:3]]):
        with pytest.raises(CaseTypeError) as raised:
            reorder_reasons(session, account=account, actor=actor, case_type_id=complaint.id, reason_ids=wrong)
        assert raised.value.code is CaseTypeErrorCode.invalid_reason_order
        assert raised.value.field_errors == {"reason_ids": ["List every reason of this type exactly once."]}
    # a reason of another type is not one of this type's
    foreign = _type(session, account, "return").reasons[0].id
    with pytest.raises(CaseTypeError) as raised:
        reorder_reasons(
            session, account=account, actor=actor, case_type_id=complaint.id, reason_ids=[*order[:3], foreign]
        )
    assert raised.value.code is CaseTypeErrorCode.reason_not_found
    assert raised.value.kind is ErrorKind.not_found
    assert _rows(session, account.id) == before


def test_move_reason_swaps_with_its_neighbour_and_stops_at_the_ends(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    ids = {reason.code: reason.id for reason in complaint.reasons}
    move_reason(
        session, account=account, actor=actor, case_type_id=complaint.id, reason_id=ids["missing_part"], offset=-1
    )
    assert _codes(_type(session, account)) == ["defect", "missing_part", "damaged_in_transport", "not_as_ordered"]
    move_reason(session, account=account, actor=actor, case_type_id=complaint.id, reason_id=ids["defect"], offset=1)
    assert _codes(_type(session, account)) == ["missing_part", "defect", "damaged_in_transport", "not_as_ordered"]
    move_reason(
        session, account=account, actor=actor, case_type_id=complaint.id, reason_id=ids["missing_part"], offset=-1
    )
    move_reason(
        session, account=account, actor=actor, case_type_id=complaint.id, reason_id=ids["not_as_ordered"], offset=1
    )
    assert _codes(_type(session, account)) == ["missing_part", "defect", "damaged_in_transport", "not_as_ordered"]
    assert [reason.position for reason in _type(session, account).reasons] == [0, 1, 2, 3]


def test_retire_and_bring_back_a_reason(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    defect = complaint.reason_by_code("defect")
    retire_reason(session, account=account, actor=actor, case_type_id=complaint.id, reason_id=defect.id)
    assert _type(session, account).reason_by_code("defect").is_retired
    # retired, it still names the code
    assert reason_names(session, account_id=account.id, language="en").name("defect") == "Defective or not working"
    retire_reason(session, account=account, actor=actor, case_type_id=complaint.id, reason_id=defect.id, retired=False)
    assert not _type(session, account).reason_by_code("defect").is_retired


def test_another_accounts_type_or_reason_is_not_found_and_unchanged(session, owner, make_account):
    account, actor = owner
    other = make_account()
    theirs = _type(session, other)
    their_reason = theirs.reasons[0].id
    before = _rows(session, other.id)
    ours = _type(session, account).id
    calls = [
        lambda: add_reason(
            session, account=account, actor=actor, case_type_id=theirs.id, payload={"code": "x", "names": {"en": "X"}}
        ),
        lambda: rename_reason(
            session,
            account=account,
            actor=actor,
            case_type_id=theirs.id,
            reason_id=their_reason,
            payload={"names": {"en": "Mine"}},
        ),
        lambda: rename_reason(
            session,
            account=account,
            actor=actor,
            case_type_id=ours,
            reason_id=their_reason,
            payload={"names": {"en": "Mine"}},
        ),
        lambda: retire_reason(session, account=account, actor=actor, case_type_id=ours, reason_id=their_reason),
        lambda: retire_reason(session, account=account, actor=actor, case_type_id=theirs.id, reason_id=their_reason),
        lambda: move_reason(session, account=account, actor=actor, case_type_id=ours, reason_id=their_reason, offset=1),
        lambda: reorder_reasons(
            session, account=account, actor=actor, case_type_id=theirs.id, reason_ids=[their_reason]
        ),
        lambda: retire_reason(session, account=account, actor=actor, case_type_id=ours, reason_id=2**63),
    ]
    for call in calls:
        with pytest.raises(CaseTypeError) as raised:
            call()
        assert raised.value.kind is ErrorKind.not_found
    assert _rows(session, other.id) == before


@pytest.mark.parametrize("role", [Role.viewer, Role.agent, Role.technician, Role.dispatcher])
def test_only_owners_and_managers_change_reasons_and_a_denial_changes_nothing(session, make_account, make_member, role):
    account = make_account()
    _, actor = make_member(account, role)
    complaint = _type(session, account)
    defect = complaint.reason_by_code("defect")
    before = _rows(session, account.id)
    calls = [
        lambda: add_reason(
            session,
            account=account,
            actor=actor,
            case_type_id=complaint.id,
            payload={"code": "x", "names": {"en": "X"}},
        ),
        lambda: rename_reason(
            session,
            account=account,
            actor=actor,
            case_type_id=complaint.id,
            reason_id=defect.id,
            payload={"names": {"en": "Mine"}},
        ),
        lambda: reorder_reasons(
            session,
            account=account,
            actor=actor,
            case_type_id=complaint.id,
            reason_ids=[reason.id for reason in reversed(complaint.reasons)],
        ),
        lambda: move_reason(
            session, account=account, actor=actor, case_type_id=complaint.id, reason_id=defect.id, offset=1
        ),
        lambda: retire_reason(session, account=account, actor=actor, case_type_id=complaint.id, reason_id=defect.id),
    ]
    for call in calls:
        with pytest.raises(AccountError) as raised:
            call()
        assert raised.value.kind is ErrorKind.forbidden
    assert _rows(session, account.id) == before
    _, manager = make_member(account, Role.manager)
    retire_reason(session, account=account, actor=manager, case_type_id=complaint.id, reason_id=defect.id)
    assert _type(session, account).reason_by_code("defect").is_retired


def test_reason_names_fall_back_by_type_then_code_then_the_code_itself(session, owner):
    account, actor = owner
    complaint = _type(session, account)
    returns = _type(session, account, "return")
    rename_reason(
        session,
        account=account,
        actor=actor,
        case_type_id=complaint.id,
        reason_id=complaint.reason_by_code("damaged_in_transport").id,
        payload={"names": {"en": "Damaged on delivery"}},
    )
    names = reason_names(session, account_id=account.id, language="de")
    assert names.name("damaged_in_transport", complaint.id) == "Damaged on delivery"
    assert names.name("damaged_in_transport", returns.id) == "Beschädigt angekommen"
    # without a type, the first type in the account's order names it (Return comes before Complaint)
    assert names.name("damaged_in_transport") == "Beschädigt angekommen"
    assert names.name("defect", returns.id) == "Defekt oder funktioniert nicht"
    assert names.name("allegro_damaged") == "allegro_damaged"
