"""A saved filter is the inbox query string under a name, owned by one member in one account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from retino_core.clock import now
from retino_core.db import AccountScoped, Base, BigIntPK


class SavedFilter(AccountScoped, Base):
    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("account_id", "user_id", "name"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    #: Whose filter it is; other members of the account never see it.
    user_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    #: The inbox query string, reduced to the known filter keys (see actions.FILTER_KEYS).
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now)
