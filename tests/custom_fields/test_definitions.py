import pytest
from sqlalchemy import func, select

from retino_core.accounts.actor import Actor
from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.permissions import Role
from retino_core.case_types.models import CaseTypeField
from retino_core.custom_fields.actions import (
    create_field_definition,
    deactivate_field_definition,
    link_field_to_case_type,
    update_field_definition,
)
from retino_core.custom_fields.errors import CustomFieldError, CustomFieldErrorCode
from retino_core.custom_fields.models import CustomFieldDefinition, FieldScope, FieldType
from retino_core.custom_fields.queries import fields_for_case_type, list_field_definitions
from retino_core.errors import ErrorKind


def count_definitions(session):
    return session.scalar(select(func.count()).select_from(CustomFieldDefinition))


def test_create_field_definition_stores_the_normalised_payload(session, make_account, make_member):
    # given
    account = make_account()
    _, manager = make_member(account, Role.manager)
    payload = {
        "key": "preferred_colour",
        "scope": "item",
        "field_type": "dropdown",
        "names": {"cs": " Barva ", "en": "Colour"},
        "options": [{"value": " red ", "names": {"cs": "Červená"}}, {"value": "blue"}],
        "is_public": True,
        "position": 3,
    }
    # when
    definition = create_field_definition(session, account=account, actor=manager, payload=payload)
    # then
    assert definition.account_id == account.id
    assert definition.key == "preferred_colour"
    assert definition.scope is FieldScope.item
    assert definition.field_type is FieldType.dropdown
    assert definition.names == {"cs": "Barva", "en": "Colour"}
    assert definition.options == [{"value": "red", "names": {"cs": "Červená"}}, {"value": "blue", "names": {}}]
    assert definition.option_values == ["red", "blue"]
    assert definition.is_public is True
    assert definition.is_active is True
    assert definition.position == 3
    assert definition.name("cs") == "Barva"


@pytest.mark.parametrize(
    ("payload", "field_errors"),
    [
        (
            {"key": "Serial-No", "field_type": "text", "names": {"en": "Serial"}},
            {"key": ["Use lower-case letters, digits and underscores, starting with a letter."]},
        ),
        (
            {"key": "1st", "field_type": "text", "names": {"en": "First"}},
            {"key": ["Use lower-case letters, digits and underscores, starting with a letter."]},
        ),
        ({"key": "serial", "field_type": "text", "names": {}}, {"names": ["Give a name in at least one language."]}),
        (
            {"key": "serial", "field_type": "text", "names": {"xx": "Serial"}},
            {"names": {"xx": {"key": ["Must be one of: cs, sk, pl, en, de, hu."]}}},
        ),
        (
            {"key": "serial", "field_type": "colour", "names": {"en": "S"}},
            {"field_type": [f"Must be one of: {', '.join(field_type.value for field_type in FieldType)}."]},
        ),
        ({"key": "size", "field_type": "dropdown", "names": {"en": "Size"}}, {"options": ["Add at least one option."]}),
        (
            {
                "key": "size",
                "field_type": "multichoice",
                "names": {"en": "S"},
                "options": [{"value": "M"}, {"value": "M "}],
            },
            {"options": ["Each option needs a different value."]},
        ),
        (
            {"key": "serial", "field_type": "text", "names": {"en": "S"}, "options": [{"value": "a"}]},
            {"options": ["Only dropdown and multichoice fields have options."]},
        ),
    ],
)
def test_create_field_definition_refuses_an_invalid_payload(session, make_account, make_member, payload, field_errors):
    # given
    account = make_account()
    _, owner = make_member(account)
    # when
    with pytest.raises(CustomFieldError) as raised:
        create_field_definition(session, account=account, actor=owner, payload=payload)
    # then
    assert raised.value.code is CustomFieldErrorCode.invalid_input
    assert raised.value.kind is ErrorKind.invalid
    assert raised.value.field_errors == field_errors
    assert count_definitions(session) == 0


def test_create_field_definition_refuses_a_key_taken_in_the_same_account_only(
    session, make_account, make_member, make_field
):
    # given
    account, other_account = make_account(), make_account()
    _, owner = make_member(account)
    _, other_owner = make_member(other_account)
    make_field(account, owner, "serial_number", link=False)
    payload = {"key": "serial_number", "field_type": "number", "names": {"en": "Serial"}}
    # when
    with pytest.raises(CustomFieldError) as raised:
        create_field_definition(session, account=account, actor=owner, payload=payload)
    other = create_field_definition(session, account=other_account, actor=other_owner, payload=payload)
    # then
    assert raised.value.code is CustomFieldErrorCode.key_taken
    assert raised.value.kind is ErrorKind.conflict
    assert raised.value.field_errors == {"key": ["Another custom field already uses this key."]}
    assert other.account_id == other_account.id
    assert count_definitions(session) == 2


@pytest.mark.parametrize("role", [Role.viewer, Role.agent, Role.technician, Role.dispatcher])
def test_create_field_definition_is_refused_without_settings_permission(session, make_account, make_member, role):
    # given
    account = make_account()
    _, member = make_member(account, role)
    # when
    with pytest.raises(AccountError) as raised:
        create_field_definition(
            session, account=account, actor=member, payload={"key": "x", "field_type": "text", "names": {"en": "X"}}
        )
    # then
    assert raised.value.code is AccountErrorCode.permission_denied
    assert raised.value.kind is ErrorKind.forbidden
    assert count_definitions(session) == 0


def test_update_field_definition_changes_names_options_visibility_and_position(
    session, make_account, make_member, make_field
):
    # given
    account = make_account()
    _, owner = make_member(account)
    definition = make_field(account, owner, "size", "dropdown", link=False)
    # when
    updated = update_field_definition(
        session,
        account=account,
        actor=owner,
        field_id=definition.id,
        payload={"names": {"cs": "Velikost"}, "options": [{"value": "S"}, {"value": "M"}], "is_public": True},
    )
    # then
    assert updated is definition
    assert definition.names == {"cs": "Velikost"}
    assert definition.option_values == ["S", "M"]
    assert definition.is_public is True
    assert definition.position == 0
    assert definition.key == "size"


@pytest.mark.parametrize(
    ("payload", "field_errors"),
    [
        ({"key": "other_key"}, {"key": ["Unknown field."]}),
        ({"field_type": "number"}, {"field_type": ["Unknown field."]}),
        ({"options": [{"value": "a"}]}, {"options": ["Only dropdown and multichoice fields have options."]}),
    ],
)
def test_update_field_definition_keeps_key_type_and_option_rules(
    session, make_account, make_member, make_field, payload, field_errors
):
    # given
    account = make_account()
    _, owner = make_member(account)
    definition = make_field(account, owner, "serial", "text", link=False)
    # when
    with pytest.raises(CustomFieldError) as raised:
        update_field_definition(session, account=account, actor=owner, field_id=definition.id, payload=payload)
    # then
    assert raised.value.code is CustomFieldErrorCode.invalid_input
    assert raised.value.field_errors == field_errors
    assert (definition.key, definition.field_type, definition.options) == ("serial", FieldType.text, [])


def test_another_accounts_field_is_not_found_for_update_and_deactivate(session, make_account, make_member, make_field):
    # given
    account, other_account = make_account(), make_account()
    _, owner = make_member(account)
    _, other_owner = make_member(other_account)
    foreign = make_field(other_account, other_owner, "serial", link=False)
    # when
    with pytest.raises(CustomFieldError) as update_error:
        update_field_definition(session, account=account, actor=owner, field_id=foreign.id, payload={"is_public": True})
    with pytest.raises(CustomFieldError) as deactivate_error:
        deactivate_field_definition(session, account=account, actor=owner, field_id=foreign.id)
    # then
    for error in (update_error.value, deactivate_error.value):
        assert error.code is CustomFieldErrorCode.field_not_found
        assert error.kind is ErrorKind.not_found
    assert foreign.is_public is False
    assert foreign.is_active is True


def test_deactivated_field_leaves_the_case_type_form_and_the_active_list(
    session, make_account, make_member, make_field, case_type_of
):
    # given
    account = make_account()
    _, owner = make_member(account)
    kept = make_field(account, owner, "serial")
    retired = make_field(account, owner, "old_code")
    # when
    deactivate_field_definition(session, account=account, actor=owner, field_id=retired.id)
    # then
    assert retired.is_active is False
    linked = fields_for_case_type(session, account_id=account.id, case_type_id=case_type_of(account).id)
    assert [field.definition.key for field in linked] == ["serial"]
    assert list_field_definitions(session, account=account) == [kept]
    assert list_field_definitions(session, account=account, include_inactive=True) == [retired, kept]


def test_link_field_to_case_type_appends_in_order_and_relinking_updates_is_required(
    session, make_account, make_member, make_field, case_type_of
):
    # given
    account = make_account()
    _, owner = make_member(account)
    complaint = case_type_of(account)
    first = make_field(account, owner, "zeta", link=False, is_public=True)
    second = make_field(account, owner, "alpha", "number", link=False, scope="item")
    # when
    for definition in (first, second):
        link_field_to_case_type(
            session, account=account, actor=owner, case_type_id=complaint.id, field_id=definition.id, is_required=False
        )
    relinked = link_field_to_case_type(
        session, account=account, actor=owner, case_type_id=complaint.id, field_id=first.id, is_required=True
    )
    # then
    links = session.scalars(select(CaseTypeField).order_by(CaseTypeField.position)).all()
    assert [link.as_dict() for link in links] == [
        {"field_id": first.id, "is_required": True, "position": 0},
        {"field_id": second.id, "is_required": False, "position": 1},
    ]
    assert relinked is links[0]
    ordered = fields_for_case_type(session, account_id=account.id, case_type_id=complaint.id)
    assert [(field.definition.key, field.is_required) for field in ordered] == [("zeta", True), ("alpha", False)]
    public = fields_for_case_type(session, account_id=account.id, case_type_id=complaint.id, public_only=True)
    assert [field.definition.key for field in public] == ["zeta"]
    items = fields_for_case_type(session, account_id=account.id, case_type_id=complaint.id, scope=FieldScope.item)
    assert [field.definition.key for field in items] == ["alpha"]


def test_link_field_to_case_type_refuses_an_inactive_field(
    session, make_account, make_member, make_field, case_type_of
):
    # given
    account = make_account()
    _, owner = make_member(account)
    definition = make_field(account, owner, "serial", link=False)
    deactivate_field_definition(session, account=account, actor=owner, field_id=definition.id)
    # when
    with pytest.raises(CustomFieldError) as raised:
        link_field_to_case_type(
            session,
            account=account,
            actor=owner,
            case_type_id=case_type_of(account).id,
            field_id=definition.id,
            is_required=True,
        )
    # then
    assert raised.value.code is CustomFieldErrorCode.field_inactive
    assert raised.value.kind is ErrorKind.conflict
    assert session.scalar(select(func.count()).select_from(CaseTypeField)) == 0


def test_link_field_to_case_type_treats_another_accounts_type_or_field_as_not_found(
    session, make_account, make_member, make_field, case_type_of
):
    # given
    account, other_account = make_account(), make_account()
    _, owner = make_member(account)
    _, other_owner = make_member(other_account)
    own_field = make_field(account, owner, "serial", link=False)
    foreign_field = make_field(other_account, other_owner, "serial", link=False)
    own_type, foreign_type = case_type_of(account), case_type_of(other_account)
    # when
    with pytest.raises(CustomFieldError) as type_error:
        link_field_to_case_type(
            session,
            account=account,
            actor=owner,
            case_type_id=foreign_type.id,
            field_id=own_field.id,
            is_required=False,
        )
    with pytest.raises(CustomFieldError) as field_error:
        link_field_to_case_type(
            session,
            account=account,
            actor=owner,
            case_type_id=own_type.id,
            field_id=foreign_field.id,
            is_required=False,
        )
    # then
    assert (type_error.value.code, type_error.value.kind) == (
        CustomFieldErrorCode.case_type_not_found,
        ErrorKind.not_found,
    )
    assert (field_error.value.code, field_error.value.kind) == (
        CustomFieldErrorCode.field_not_found,
        ErrorKind.not_found,
    )
    assert session.scalar(select(func.count()).select_from(CaseTypeField)) == 0


def test_system_actor_may_manage_definitions(session, make_account):
    # given
    account = make_account()
    # when
    definition = create_field_definition(
        session,
        account=account,
        actor=Actor.system("import"),
        payload={"key": "serial", "field_type": "text", "names": {"en": "Serial"}},
    )
    # then
    assert definition.id is not None
