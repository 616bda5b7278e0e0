import pytest
from sqlalchemy import select

from retino_core.accounts.actor import Actor
from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.permissions import Role
from retino_core.cases.models import CaseHistory
from retino_core.custom_fields.actions import (
    deactivate_field_definition,
    missing_required_fields,
    set_case_field_values,
)
from retino_core.custom_fields.errors import CustomFieldError, CustomFieldErrorCode
from retino_core.custom_fields.queries import case_field_values, item_field_values
from retino_core.errors import ErrorKind


def history_rows(session, case):
    return session.scalars(
        select(CaseHistory).where(CaseHistory.case_id == case.id, CaseHistory.kind == "custom_fields_changed")
    ).all()


def test_set_case_field_values_stores_normalised_values_and_one_history_row(
    session, make_account, make_member, make_field, make_case_row
):
    # given
    account = make_account()
    user, owner = make_member(account, full_name="Jana Nováková")
    make_field(account, owner, "serial_number")
    make_field(account, owner, "purchase_price", "number")
    make_field(account, owner, "refund_account", "bank_account")
    case = make_case_row(account)
    # when
    changes = set_case_field_values(
        session,
        account=account,
        actor=owner,
        case=case,
        values={"serial_number": "  SN-1234 ", "purchase_price": "1299,00", "refund_account": ""},
    )
    # then
    assert changes == {"serial_number": [None, "SN-1234"], "purchase_price": [None, "1299"]}
    assert case_field_values(session, case=case) == {"serial_number": "SN-1234", "purchase_price": "1299"}
    [entry] = history_rows(session, case)
    assert entry.data == {"fields": {"serial_number": [None, "SN-1234"], "purchase_price": [None, "1299"]}}
    assert (entry.account_id, entry.actor_user_id, entry.actor_label) == (account.id, user.id, "Jana Nováková")


def test_history_diff_lists_only_changed_keys(session, make_account, make_member, make_field, make_case_row):
    # given
    account = make_account()
    _, owner = make_member(account)
    make_field(account, owner, "serial_number")
    make_field(account, owner, "is_gift", "checkbox")
    make_field(account, owner, "colours", "multichoice")
    case = make_case_row(account)
    set_case_field_values(
        session,
        account=account,
        actor=owner,
        case=case,
        values={"serial_number": "SN-1", "is_gift": "on", "colours": ["red"]},
    )
    # when
    changes = set_case_field_values(
        session,
        account=account,
        actor=owner,
        case=case,
        values={"serial_number": "SN-1", "is_gift": False, "colours": ["blue", "red"]},
    )
    # then
    assert changes == {"is_gift": [True, False], "colours": [["red"], ["blue", "red"]]}
    assert [entry.data for entry in history_rows(session, case)] == [
        {"fields": {"serial_number": [None, "SN-1"], "is_gift": [None, True], "colours": [None, ["red"]]}},
        {"fields": {"is_gift": [True, False], "colours": [["red"], ["blue", "red"]]}},
    ]
    assert case_field_values(session, case=case) == {
        "serial_number": "SN-1",
        "is_gift": False,
        "colours": ["blue", "red"],
    }


def test_writing_the_same_values_again_changes_nothing_and_writes_no_history(
    session, make_account, make_member, make_field, make_case_row
):
    # given
    account = make_account()
    _, owner = make_member(account)
    make_field(account, owner, "purchase_price", "number")
    case = make_case_row(account)
    set_case_field_values(session, account=account, actor=owner, case=case, values={"purchase_price": "12.50"})
    # when
    changes = set_case_field_values(session, account=account, actor=owner, case=case, values={"purchase_price": "12.5"})
    # then
    assert changes == {}
    assert len(history_rows(session, case)) == 1


def test_one_invalid_value_stores_nothing_and_reports_every_bad_key(
    session, make_account, make_member, make_field, make_case_row, count_rows
):
    # given
    account = make_account()
    _, owner = make_member(account)
    make_field(account, owner, "serial_number")
    make_field(account, owner, "refund_iban", "iban")
    make_field(account, owner, "purchased_on", "date")
    case = make_case_row(account)
    set_case_field_values(session, account=account, actor=owner, case=case, values={"serial_number": "SN-1"})
    before = count_rows()
    # when
    with pytest.raises(CustomFieldError) as raised:
        set_case_field_values(
            session,
            account=account,
            actor=owner,
            case=case,
            values={
                "serial_number": "SN-2",
                "refund_iban": "CZ66 0800 0000 1920 0014 5399",
                "purchased_on": "2026-02-30",
                "no_such_key": "x",
            },
        )
    # then
    assert raised.value.code is CustomFieldErrorCode.invalid_values
    assert raised.value.kind is ErrorKind.invalid
    assert raised.value.field_errors == {
        "refund_iban": ["This IBAN is not valid: its check digits do not match."],
        "purchased_on": ["This date does not exist."],
        "no_such_key": ["This case has no such field."],
    }
    assert count_rows() == before == (1, 1)
    assert case_field_values(session, case=case) == {"serial_number": "SN-1"}


def test_none_or_blank_deletes_a_value_and_records_it(session, make_account, make_member, make_field, make_case_row):
    # given
    account = make_account()
    _, owner = make_member(account)
    make_field(account, owner, "serial_number")
    make_field(account, owner, "shop_url", "url")
    case = make_case_row(account)
    set_case_field_values(
        session,
        account=account,
        actor=owner,
        case=case,
        values={"serial_number": "SN-1", "shop_url": "https://shop.example.cz/"},
    )
    # when
    changes = set_case_field_values(
        session, account=account, actor=owner, case=case, values={"serial_number": None, "shop_url": "  "}
    )
    # then
    assert changes == {"serial_number": ["SN-1", None], "shop_url": ["https://shop.example.cz/", None]}
    assert case_field_values(session, case=case) == {}
    assert history_rows(session, case)[-1].data == {"fields": changes}


def test_a_required_field_cannot_be_cleared(session, make_account, make_member, make_field, make_case_row, count_rows):
    # given
    account = make_account()
    _, owner = make_member(account)
    make_field(account, owner, "serial_number", is_required=True)
    case = make_case_row(account)
    set_case_field_values(session, account=account, actor=owner, case=case, values={"serial_number": "SN-1"})
    # when
    with pytest.raises(CustomFieldError) as raised:
        set_case_field_values(session, account=account, actor=owner, case=case, values={"serial_number": ""})
    # then
    assert raised.value.field_errors == {"serial_number": ["This field is required."]}
    assert case_field_values(session, case=case) == {"serial_number": "SN-1"}
    assert count_rows() == (1, 1)


def test_missing_required_fields_lists_unfilled_case_and_item_fields_in_form_order(
    session, make_account, make_member, make_field, make_case_row, make_item
):
    # given
    account = make_account()
    _, owner = make_member(account)
    make_field(account, owner, "serial_number", is_required=True)
    make_field(account, owner, "defect_seen_on", "date", is_required=True, scope="item")
    make_field(account, owner, "note_for_technician", "multiline")
    make_field(account, owner, "refund_iban", "iban", is_required=True)
    case = make_case_row(account)
    first, second = make_item(case), make_item(case, "Kšiltovka")
    # when
    before = missing_required_fields(session, case=case)
    set_case_field_values(
        session, account=account, actor=owner, case=case, values={"refund_iban": "CZ6508000000192000145399"}
    )
    set_case_field_values(
        session, account=account, actor=owner, case=case, item=first, values={"defect_seen_on": "2026-03-01"}
    )
    partly = missing_required_fields(session, case=case)
    set_case_field_values(
        session, account=account, actor=owner, case=case, item=second, values={"defect_seen_on": "2026-03-02"}
    )
    set_case_field_values(session, account=account, actor=owner, case=case, values={"serial_number": "SN-1"})
    after = missing_required_fields(session, case=case)
    # then
    assert before == ["serial_number", "defect_seen_on", "refund_iban"]
    assert partly == ["serial_number", "defect_seen_on"]
    assert after == []


def test_item_values_are_kept_per_item_and_recorded_with_the_item_id(
    session, make_account, make_member, make_field, make_case_row, make_item
):
    # given
    account = make_account()
    _, owner = make_member(account)
    make_field(account, owner, "defect_seen_on", "date", scope="item")
    make_field(account, owner, "serial_number")
    case = make_case_row(account)
    first, second = make_item(case), make_item(case, "Kšiltovka")
    # when
    set_case_field_values(
        session, account=account, actor=owner, case=case, item=first, values={"defect_seen_on": "2026-03-01"}
    )
    set_case_field_values(
        session, account=account, actor=owner, case=case, item=second, values={"defect_seen_on": "2026-03-02"}
    )
    with pytest.raises(CustomFieldError) as wrong_scope:
        set_case_field_values(
            session, account=account, actor=owner, case=case, item=first, values={"serial_number": "1"}
        )
    # then
    assert item_field_values(session, case=case) == {
        first.id: {"defect_seen_on": "2026-03-01"},
        second.id: {"defect_seen_on": "2026-03-02"},
    }
    assert case_field_values(session, case=case) == {}
    assert [entry.data for entry in history_rows(session, case)] == [
        {"fields": {"defect_seen_on": [None, "2026-03-01"]}, "item_id": first.id},
        {"fields": {"defect_seen_on": [None, "2026-03-02"]}, "item_id": second.id},
    ]
    assert wrong_scope.value.field_errors == {"serial_number": ["This item has no such field."]}


def test_fields_not_used_by_the_case_type_or_switched_off_cannot_be_written(
    session, make_account, make_member, make_field, make_case_row, count_rows
):
    # given
    account = make_account()
    _, owner = make_member(account)
    make_field(account, owner, "warehouse_code", link=False)
    retired = make_field(account, owner, "old_code")
    deactivate_field_definition(session, account=account, actor=owner, field_id=retired.id)
    case = make_case_row(account)
    # when
    with pytest.raises(CustomFieldError) as raised:
        set_case_field_values(
            session, account=account, actor=owner, case=case, values={"warehouse_code": "A1", "old_code": "B2"}
        )
    # then
    assert raised.value.field_errors == {
        "warehouse_code": ["This case has no such field."],
        "old_code": ["This case has no such field."],
    }
    assert count_rows() == (0, 0)


def test_viewer_may_not_set_values(session, make_account, make_member, make_field, make_case_row, count_rows):
    # given
    account = make_account()
    _, owner = make_member(account)
    _, viewer = make_member(account, Role.viewer)
    make_field(account, owner, "serial_number")
    case = make_case_row(account)
    # when
    with pytest.raises(AccountError) as raised:
        set_case_field_values(session, account=account, actor=viewer, case=case, values={"serial_number": "SN-1"})
    # then
    assert raised.value.code is AccountErrorCode.permission_denied
    assert raised.value.kind is ErrorKind.forbidden
    assert count_rows() == (0, 0)


def test_customer_may_fill_in_only_public_fields_that_are_still_empty(
    session, make_account, make_member, make_field, make_case_row
):
    # given
    account = make_account()
    _, owner = make_member(account)
    make_field(account, owner, "serial_number", is_public=True)
    make_field(account, owner, "purchased_on", "date", is_public=True)
    make_field(account, owner, "internal_rating", "number")
    case = make_case_row(account)
    customer = Actor.customer("petr.dvorak@example.test")
    # when
    changes = set_case_field_values(
        session, account=account, actor=customer, case=case, values={"serial_number": "SN-1", "purchased_on": ""}
    )
    with pytest.raises(CustomFieldError) as raised:
        set_case_field_values(
            session, account=account, actor=customer, case=case, values={"serial_number": "SN-2", "internal_rating": 5}
        )
    # then
    assert changes == {"serial_number": [None, "SN-1"]}
    assert raised.value.field_errors == {
        "serial_number": ["This field is already filled in."],
        "internal_rating": ["This case has no such field."],
    }
    assert case_field_values(session, case=case) == {"serial_number": "SN-1"}
    assert history_rows(session, case)[0].actor_label == "petr.dvorak@example.test"


def test_another_accounts_case_or_item_is_not_found_and_nothing_is_stored(
    session, make_account, make_member, make_field, make_case_row, make_item, count_rows
):
    # given
    account, other_account = make_account(), make_account()
    _, owner = make_member(account)
    _, other_owner = make_member(other_account)
    make_field(account, owner, "serial_number", scope="case")
    make_field(other_account, other_owner, "serial_number")
    own_case, foreign_case = make_case_row(account), make_case_row(other_account)
    foreign_item = make_item(foreign_case)
    # when
    with pytest.raises(CustomFieldError) as case_error:
        set_case_field_values(
            session, account=account, actor=owner, case=foreign_case, values={"serial_number": "SN-1"}
        )
    with pytest.raises(CustomFieldError) as item_error:
        set_case_field_values(
            session, account=account, actor=owner, case=own_case, item=foreign_item, values={"serial_number": "SN-1"}
        )
    # then
    assert (case_error.value.code, case_error.value.kind) == (CustomFieldErrorCode.case_not_found, ErrorKind.not_found)
    assert (item_error.value.code, item_error.value.kind) == (CustomFieldErrorCode.item_not_found, ErrorKind.not_found)
    assert count_rows() == (0, 0)


def test_another_accounts_field_key_is_unknown_on_own_case(
    session, make_account, make_member, make_field, make_case_row, count_rows
):
    # given
    account, other_account = make_account(), make_account()
    _, owner = make_member(account)
    _, other_owner = make_member(other_account)
    make_field(other_account, other_owner, "foreign_only")
    case = make_case_row(account)
    # when
    with pytest.raises(CustomFieldError) as raised:
        set_case_field_values(session, account=account, actor=owner, case=case, values={"foreign_only": "x"})
    # then
    assert raised.value.field_errors == {"foreign_only": ["This case has no such field."]}
    assert count_rows() == (0, 0)
