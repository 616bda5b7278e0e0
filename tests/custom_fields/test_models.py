import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateIndex

from retino_core import clock
from retino_core.custom_fields.models import CustomFieldValue


def count_values(session):
    return session.scalar(select(func.count()).select_from(CustomFieldValue))


def value_row(definition, case, item=None, value="x"):
    return CustomFieldValue(
        account_id=case.account_id,
        field_id=definition.id,
        case_id=case.id,
        case_item_id=None if item is None else item.id,
        value=value,
        updated_at=clock.now(),
    )


def test_database_refuses_a_second_case_scoped_value_for_the_same_field(
    session, make_account, make_member, make_field, make_case_row
):
    # given
    account = make_account()
    _, owner = make_member(account)
    definition = make_field(account, owner, "serial_number")
    case = make_case_row(account)
    session.add(value_row(definition, case, value="SN-1"))
    session.flush()
    # when
    savepoint = session.begin_nested()
    session.add(value_row(definition, case, value="SN-2"))
    with pytest.raises(IntegrityError):
        session.flush()
    savepoint.rollback()
    # then
    assert count_values(session) == 1


def test_database_refuses_a_second_value_for_the_same_item_but_allows_other_items(
    session, make_account, make_member, make_field, make_case_row, make_item
):
    # given
    account = make_account()
    _, owner = make_member(account)
    definition = make_field(account, owner, "defect_seen_on", "date", scope="item")
    case = make_case_row(account)
    first, second = make_item(case), make_item(case)
    session.add_all([value_row(definition, case, first), value_row(definition, case, second)])
    session.flush()
    # when
    savepoint = session.begin_nested()
    session.add(value_row(definition, case, first))
    with pytest.raises(IntegrityError):
        session.flush()
    savepoint.rollback()
    # then
    assert count_values(session) == 2


@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()])
def test_value_uniqueness_uses_partial_indexes_on_both_databases(dialect):
    # given
    indexes = {index.name: index for index in CustomFieldValue.__table__.indexes}
    # when
    case_ddl = str(CreateIndex(indexes["uq_custom_field_values_case_field"]).compile(dialect=dialect))
    item_ddl = str(CreateIndex(indexes["uq_custom_field_values_item_field"]).compile(dialect=dialect))
    # then
    assert case_ddl.startswith("CREATE UNIQUE INDEX uq_custom_field_values_case_field ON custom_field_values")
    assert case_ddl.endswith("WHERE case_item_id IS NULL")
    assert item_ddl.startswith("CREATE UNIQUE INDEX uq_custom_field_values_item_field ON custom_field_values")
    assert item_ddl.endswith("WHERE case_item_id IS NOT NULL")
