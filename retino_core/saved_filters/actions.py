"""Save and delete a member's inbox filters.

A saved filter belongs to the member who saved it: nobody else in the account can list, use or
delete it, and the same id asked for by another member is "not found". Only the known filter keys
are kept, so a saved filter cannot smuggle a paging cursor or arbitrary parameters into links.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from retino_core.accounts.actor import Actor
from retino_core.accounts.models import Account
from retino_core.accounts.permissions import Permission
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.saved_filters.errors import SavedFilterError, SavedFilterErrorCode
from retino_core.saved_filters.models import SavedFilter
from retino_core.saved_filters.schemas import SavedFilterSchema
from retino_core.validation import load_or_raise

#: The inbox's filter parameters, in the order they are stored.
FILTER_KEYS = (
    "q",
    "type",
    "status",
    "step",
    "channel",
    "owner",
    "tag",
    "country",
    "deadline",
    "open",
    "unread",
    "created_from",
    "created_to",
)
#: More than this many per member is refused; the list is a menu, not an archive.
MAX_FILTERS_PER_MEMBER = 30
#: Longest value kept per parameter; the inbox ignores longer ones anyway.
MAX_VALUE_LENGTH = 200


def normalise_query(pairs: Iterable[tuple[str, str]]) -> str:
    """The known, non-empty filter parameters as a query string in a fixed order."""
    values: dict[str, str] = {}
    for key, value in pairs:
        value = value.strip()
        if key in FILTER_KEYS and value and key not in values:
            values[key] = value[:MAX_VALUE_LENGTH]
    return urlencode([(key, values[key]) for key in FILTER_KEYS if key in values])


def _member_id(actor: Actor) -> int:
    actor.require(Permission.case_view)
    if actor.user_id is None:
        raise SavedFilterError(
            SavedFilterErrorCode.invalid_input, N_("Only members can save filters."), kind=ErrorKind.forbidden
        )
    return actor.user_id


def save_filter(session: Session, *, account: Account, actor: Actor, name: str, query: str) -> SavedFilter:
    """Store the filter under ``name`` for the acting member; the same name again replaces the query.

    Refused, with nothing stored, for a blank or too long name, a filter with no known parameter,
    or a member who already has ``MAX_FILTERS_PER_MEMBER`` filters.
    """
    user_id = _member_id(actor)
    data = load_or_raise(
        SavedFilterSchema(),
        {"name": name.strip()},
        error_class=SavedFilterError,
        code=SavedFilterErrorCode.invalid_input,
    )
    normalised = normalise_query(parse_qsl(query, keep_blank_values=False))
    if not normalised:
        raise SavedFilterError(
            SavedFilterErrorCode.empty_filter,
            N_("Choose at least one filter before saving it."),
            kind=ErrorKind.invalid,
            field_errors={"name": [N_("Choose at least one filter before saving it.")]},
        )
    existing = session.scalar(
        SavedFilter.select_for_account(account.id).where(
            SavedFilter.user_id == user_id, SavedFilter.name == data["name"]
        )
    )
    if existing is not None:
        existing.query = normalised
        session.flush()
        return existing
    count = session.scalar(
        select(func.count())
        .select_from(SavedFilter)
        .where(SavedFilter.account_id == account.id, SavedFilter.user_id == user_id)
    )
    if (count or 0) >= MAX_FILTERS_PER_MEMBER:
        raise SavedFilterError(
            SavedFilterErrorCode.too_many,
            N_("You can keep at most %(limit)s saved filters; delete one first."),
            kind=ErrorKind.conflict,
            limit=MAX_FILTERS_PER_MEMBER,
        )
    saved = SavedFilter(account_id=account.id, user_id=user_id, name=data["name"], query=normalised)
    session.add(saved)
    session.flush()
    return saved


def get_saved_filter(session: Session, *, account: Account, actor: Actor, filter_id: int) -> SavedFilter:
    """The acting member's filter; another member's or another account's is not found."""
    user_id = _member_id(actor)
    saved = SavedFilter.get_for_account(session, filter_id, account.id)
    if saved is None or saved.user_id != user_id:
        raise SavedFilterError(
            SavedFilterErrorCode.not_found, N_("This saved filter does not exist."), kind=ErrorKind.not_found
        )
    return saved


def delete_filter(session: Session, *, account: Account, actor: Actor, filter_id: int) -> None:
    session.delete(get_saved_filter(session, account=account, actor=actor, filter_id=filter_id))
    session.flush()
