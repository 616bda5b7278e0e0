"""Read helpers for custom fields: definitions per account and case type, values per case and item."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from retino_core.accounts.models import Account
from retino_core.case_types.models import CaseType, CaseTypeField
from retino_core.cases.models import Case
from retino_core.custom_fields.errors import CustomFieldError, CustomFieldErrorCode
from retino_core.custom_fields.models import CustomFieldDefinition, CustomFieldValue, FieldScope
from retino_core.errors import ErrorKind
from retino_core.i18n import N_


@dataclass(frozen=True)
class LinkedField:
    """A field as a case type uses it: the definition and whether the type requires it."""

    definition: CustomFieldDefinition
    is_required: bool


def get_field_definition(session: Session, *, account: Account, field_id: int) -> CustomFieldDefinition:
    """The account's definition with this id; another account's id is not found, like a missing one."""
    definition = CustomFieldDefinition.get_for_account(session, field_id, account.id)
    if definition is None:
        raise CustomFieldError(
            CustomFieldErrorCode.field_not_found, N_("Custom field not found."), kind=ErrorKind.not_found
        )
    return definition


def get_case_type(session: Session, *, account: Account, case_type_id: int) -> CaseType:
    case_type = CaseType.get_for_account(session, case_type_id, account.id)
    if case_type is None:
        raise CustomFieldError(
            CustomFieldErrorCode.case_type_not_found, N_("Case type not found."), kind=ErrorKind.not_found
        )
    return case_type


def list_field_definitions(
    session: Session, *, account: Account, include_inactive: bool = False
) -> list[CustomFieldDefinition]:
    query = CustomFieldDefinition.select_for_account(account.id).order_by(
        CustomFieldDefinition.position, CustomFieldDefinition.key
    )
    if not include_inactive:
        query = query.where(CustomFieldDefinition.is_active)
    return list(session.scalars(query))


def fields_for_case_type(
    session: Session, *, account_id: int, case_type_id: int, scope: FieldScope | None = None, public_only: bool = False
) -> list[LinkedField]:
    """The active fields a case type uses, in the type's order (then the fields' own order).

    ``public_only`` gives what the storefront form shows the shopper.
    """
    query = (
        select(CustomFieldDefinition, CaseTypeField.is_required)
        .join(CaseTypeField, CaseTypeField.field_id == CustomFieldDefinition.id)
        .where(
            CaseTypeField.account_id == account_id,
            CaseTypeField.case_type_id == case_type_id,
            CustomFieldDefinition.account_id == account_id,
            CustomFieldDefinition.is_active,
        )
        .order_by(CaseTypeField.position, CustomFieldDefinition.position, CustomFieldDefinition.key)
    )
    if scope is not None:
        query = query.where(CustomFieldDefinition.scope == scope)
    if public_only:
        query = query.where(CustomFieldDefinition.is_public)
    return [
        LinkedField(definition=definition, is_required=is_required)
        for definition, is_required in session.execute(query)
    ]


def _value_rows(session: Session, case: Case) -> list[tuple[str, int | None, Any]]:
    query = (
        select(CustomFieldDefinition.key, CustomFieldValue.case_item_id, CustomFieldValue.value)
        .join(CustomFieldDefinition, CustomFieldDefinition.id == CustomFieldValue.field_id)
        .where(CustomFieldValue.account_id == case.account_id, CustomFieldValue.case_id == case.id)
        .order_by(CustomFieldDefinition.position, CustomFieldDefinition.key)
    )
    return [(key, item_id, value) for key, item_id, value in session.execute(query)]


def case_field_values(session: Session, *, case: Case) -> dict[str, Any]:
    """The case-scoped values as ``{key: value}``; fields without a value are absent."""
    return {key: value for key, item_id, value in _value_rows(session, case) if item_id is None}


def item_field_values(session: Session, *, case: Case) -> dict[int, dict[str, Any]]:
    """The item-scoped values as ``{item_id: {key: value}}``; items without any value are absent."""
    values: dict[int, dict[str, Any]] = {}
    for key, item_id, value in _value_rows(session, case):
        if item_id is not None:
            values.setdefault(item_id, {})[key] = value
    return values
