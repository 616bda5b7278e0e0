from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from retino_core.saved_filters.models import SavedFilter


def filters_of(session: Session, *, account_id: int, user_id: int) -> Sequence[SavedFilter]:
    """The member's saved filters in this account, by name."""
    return session.scalars(
        SavedFilter.select_for_account(account_id)
        .where(SavedFilter.user_id == user_id)
        .order_by(SavedFilter.name, SavedFilter.id)
    ).all()
