"""Custom field operations: definitions in the settings, links to case types, values on cases.

Each action checks the actor, validates, changes rows and ``flush()``es; the caller's edge
commits once. Another account's field, case type, case or item behaves exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actor import Actor, ActorKind
from retino_core.accounts.models import Account
from retino_core.accounts.permissions import Permission
from retino_core.case_types.models import CaseTypeField
from retino_core.cases.history import custom_fields_changed_entry
from retino_core.cases.models import Case, CaseItem
from retino_core.custom_fields.errors import CustomFieldError, CustomFieldErrorCode
from retino_core.custom_fields.models import CustomFieldDefinition, CustomFieldValue, FieldScope
from retino_core.custom_fields.queries import fields_for_case_type, get_case_type, get_field_definition
from retino_core.custom_fields.schemas import FieldDefinitionCreateSchema, FieldDefinitionUpdateSchema
from retino_core.custom_fields.validation import FieldValueError, is_empty, validate_value
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.validation import load_or_raise


def _load(schema: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    return load_or_raise(schema, data, error_class=CustomFieldError, code=CustomFieldErrorCode.invalid_input)


def create_field_definition(
    session: Session, *, account: Account, actor: Actor, payload: Mapping[str, Any]
) -> CustomFieldDefinition:
    actor.require(Permission.settings_manage)
    data = _load(FieldDefinitionCreateSchema(), payload)
    taken = session.scalar(
        CustomFieldDefinition.select_for_account(account.id).where(CustomFieldDefinition.key == data["key"])
    )
    if taken is not None:
        raise CustomFieldError(
            CustomFieldErrorCode.key_taken,
            N_("Another custom field already uses this key."),
            kind=ErrorKind.conflict,
            field_errors={"key": [N_("Another custom field already uses this key.")]},
        )
    definition = CustomFieldDefinition(account_id=account.id, **data)
    session.add(definition)
    session.flush()
    return definition


def update_field_definition(
    session: Session, *, account: Account, actor: Actor, field_id: int, payload: Mapping[str, Any]
) -> CustomFieldDefinition:
    """Change names, options, visibility or order; key, scope and type are fixed once values exist.

    Removing an option leaves values that already use it untouched; they are refused only when
    someone writes that field again.
    """
    actor.require(Permission.settings_manage)
    definition = get_field_definition(session, account=account, field_id=field_id)
    data = _load(FieldDefinitionUpdateSchema(field_type=definition.field_type), payload)
    for name, value in data.items():
        setattr(definition, name, value)
    session.flush()
    return definition


def deactivate_field_definition(
    session: Session, *, account: Account, actor: Actor, field_id: int
) -> CustomFieldDefinition:
    """Switch a field off: forms and writes stop offering it, stored values and history stay."""
    actor.require(Permission.settings_manage)
    definition = get_field_definition(session, account=account, field_id=field_id)
    definition.is_active = False
    session.flush()
    return definition


def link_field_to_case_type(
    session: Session, *, account: Account, actor: Actor, case_type_id: int, field_id: int, is_required: bool
) -> CaseTypeField:
    """Make a case type use a field, appended after its other fields; linking again only updates ``is_required``."""
    actor.require(Permission.settings_manage)
    case_type = get_case_type(session, account=account, case_type_id=case_type_id)
    definition = get_field_definition(session, account=account, field_id=field_id)
    if not definition.is_active:
        raise CustomFieldError(
            CustomFieldErrorCode.field_inactive,
            N_("This custom field is switched off."),
            kind=ErrorKind.conflict,
        )
    link = session.scalar(
        CaseTypeField.select_for_account(account.id).where(
            CaseTypeField.case_type_id == case_type.id, CaseTypeField.field_id == definition.id
        )
    )
    if link is None:
        last_position = session.scalar(
            select(func.max(CaseTypeField.position)).where(CaseTypeField.case_type_id == case_type.id)
        )
        link = CaseTypeField(
            account_id=account.id,
            case_type_id=case_type.id,
            field_id=definition.id,
            position=0 if last_position is None else last_position + 1,
        )
        session.add(link)
    link.is_required = is_required
    session.flush()
    return link


def set_case_field_values(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    case: Case,
    values: Mapping[str, Any],
    item: CaseItem | None = None,
) -> dict[str, list[Any]]:
    """Validate and store custom field values of a case (or, with ``item``, of one of its items).

    ``values`` maps field keys to raw input. Every value is validated before anything is
    written: if one fails, nothing is stored and the error carries a message per key. A value of
    ``None``, blank text or an empty list deletes the stored value, unless the case type requires
    the field. Only fields the case's type uses, in the matching scope, can be written.

    Staff need ``case.edit``. A shopper (customer actor) fills in the form when creating the
    case: they may set only public fields, and only those without a value yet.

    Writes one history row with ``{key: [old, new]}`` for the keys whose value changed and
    returns that diff (empty when nothing changed).
    """
    is_customer = actor.kind is ActorKind.customer
    actor.require(Permission.case_create if is_customer else Permission.case_edit)
    _check_ownership(account, case, item)
    scope = FieldScope.item if item is not None else FieldScope.case
    linked = {
        field.definition.key: field
        for field in fields_for_case_type(session, account_id=account.id, case_type_id=case.case_type_id, scope=scope)
        if field.definition.is_public or not is_customer
    }
    # Serialise writers of the same case so the diff below compares against what is really stored.
    session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    stored = _stored_values(session, case, item, [field.definition.id for field in linked.values()])

    normalised: dict[str, Any] = {}
    field_errors: dict[str, list[str]] = {}
    for key, raw in values.items():
        field = linked.get(key)
        if field is None:
            field_errors[key] = [
                N_("This case has no such field.") if item is None else N_("This item has no such field.")
            ]
            continue
        if is_customer and field.definition.id in stored:
            field_errors[key] = [N_("This field is already filled in.")]
            continue
        if is_empty(raw):
            if field.is_required:
                field_errors[key] = [N_("This field is required.")]
            normalised[key] = None
            continue
        try:
            normalised[key] = validate_value(field.definition, raw)
        except FieldValueError as error:
            field_errors[key] = [error.message]
    if field_errors:
        raise CustomFieldError(
            CustomFieldErrorCode.invalid_values,
            N_("Some fields are not valid."),
            kind=ErrorKind.invalid,
            field_errors=field_errors,
        )

    changes: dict[str, list[Any]] = {}
    for key, new_value in normalised.items():
        definition = linked[key].definition
        row = stored.get(definition.id)
        old_value = None if row is None else row.value
        if old_value == new_value:
            continue
        changes[key] = [old_value, new_value]
        if new_value is None:
            session.delete(row)
        elif row is None:
            session.add(
                CustomFieldValue(
                    account_id=account.id,
                    field_id=definition.id,
                    case_id=case.id,
                    case_item_id=None if item is None else item.id,
                    value=new_value,
                    updated_at=clock.now(),
                )
            )
        else:
            row.value = new_value
            row.updated_at = clock.now()
    if changes:
        custom_fields_changed_entry(
            session, case=case, actor=actor, changes=changes, item_id=None if item is None else item.id
        )
    session.flush()
    return changes


def missing_required_fields(session: Session, *, case: Case) -> list[str]:
    """Keys of the required, active fields of the case's type that have no value yet, in form order.

    An item-scoped field is missing when any item of the case lacks it.
    """
    required = [
        field.definition
        for field in fields_for_case_type(session, account_id=case.account_id, case_type_id=case.case_type_id)
        if field.is_required
    ]
    if not required:
        return []
    filled = {
        (field_id, item_id)
        for field_id, item_id in session.execute(
            select(CustomFieldValue.field_id, CustomFieldValue.case_item_id).where(
                CustomFieldValue.account_id == case.account_id,
                CustomFieldValue.case_id == case.id,
                CustomFieldValue.field_id.in_([definition.id for definition in required]),
            )
        )
    }
    item_ids = session.scalars(
        select(CaseItem.id).where(CaseItem.account_id == case.account_id, CaseItem.case_id == case.id)
    ).all()
    missing = []
    for definition in required:
        if definition.scope is FieldScope.case:
            is_missing = (definition.id, None) not in filled
        else:
            is_missing = any((definition.id, item_id) not in filled for item_id in item_ids)
        if is_missing:
            missing.append(definition.key)
    return missing


def _check_ownership(account: Account, case: Case, item: CaseItem | None) -> None:
    if case.account_id != account.id:
        raise CustomFieldError(CustomFieldErrorCode.case_not_found, N_("Case not found."), kind=ErrorKind.not_found)
    if item is not None and (item.account_id != account.id or item.case_id != case.id):
        raise CustomFieldError(CustomFieldErrorCode.item_not_found, N_("Item not found."), kind=ErrorKind.not_found)


def _stored_values(
    session: Session, case: Case, item: CaseItem | None, field_ids: list[int]
) -> dict[int, CustomFieldValue]:
    query = CustomFieldValue.select_for_account(case.account_id).where(
        CustomFieldValue.case_id == case.id, CustomFieldValue.field_id.in_(field_ids)
    )
    if item is None:
        query = query.where(CustomFieldValue.case_item_id.is_(None))
    else:
        query = query.where(CustomFieldValue.case_item_id == item.id)
    return {row.field_id: row for row in session.scalars(query)}
