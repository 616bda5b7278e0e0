from decimal import Decimal

import pytest
from sqlalchemy import func, select

from retino_core.case_types.models import CaseType
from retino_core.cases.models import CaseHistory, CaseItem
from retino_core.custom_fields.actions import create_field_definition, link_field_to_case_type
from retino_core.custom_fields.models import CustomFieldValue


@pytest.fixture
def case_type_of(session):
    """The account's case type with this code."""

    def factory(account, code="complaint"):
        return session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == code))

    return factory


@pytest.fixture
def make_field(session, case_type_of):
    """Create a definition as ``actor`` and link it to the account's complaint type (unless ``link=False``)."""

    def factory(account, actor, key, field_type="text", *, is_required=False, link=True, **payload):
        payload = {"key": key, "field_type": field_type, "names": {"cs": key, "en": key}, **payload}
        if field_type in ("dropdown", "multichoice") and "options" not in payload:
            payload["options"] = [{"value": "red"}, {"value": "blue"}, {"value": "green"}]
        definition = create_field_definition(session, account=account, actor=actor, payload=payload)
        if link:
            link_field_to_case_type(
                session,
                account=account,
                actor=actor,
                case_type_id=case_type_of(account).id,
                field_id=definition.id,
                is_required=is_required,
            )
        return definition

    return factory


@pytest.fixture
def make_item(session):
    def factory(case, name="Tričko s potiskem"):
        item = CaseItem(account_id=case.account_id, case_id=case.id, name=name, quantity=Decimal("1"), currency="CZK")
        session.add(item)
        session.flush()
        return item

    return factory


@pytest.fixture
def count_rows(session):
    """How many value and history rows exist, to assert that a refused write stored nothing."""

    def counter():
        values = session.scalar(select(func.count()).select_from(CustomFieldValue))
        history = session.scalar(
            select(func.count()).select_from(CaseHistory).where(CaseHistory.kind == "custom_fields_changed")
        )
        return values, history

    return counter
