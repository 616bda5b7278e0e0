"""Per-account case numbers: the type's prefix and a gap-tolerant sequence, unique under concurrency.

The counter row is created with INSERT … ON CONFLICT DO NOTHING and bumped with a single
``UPDATE … RETURNING``: the row lock serialises concurrent creators on PostgreSQL and SQLite
takes its write lock at BEGIN, so two transactions can never read the same value. A rolled
back transaction gives its number back with it.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from retino_core.cases.models import CaseNumberSequence
from retino_core.db import dialect_insert

NUMBER_DIGITS = 5


def next_case_number(session: Session, *, account_id: int, prefix: str) -> str:
    insert = dialect_insert(session)
    session.execute(
        insert(CaseNumberSequence)
        .values(account_id=account_id, prefix=prefix, last_value=0)
        .on_conflict_do_nothing(index_elements=["account_id", "prefix"])
    )
    value = session.execute(
        update(CaseNumberSequence)
        .where(CaseNumberSequence.account_id == account_id, CaseNumberSequence.prefix == prefix)
        .values(last_value=CaseNumberSequence.last_value + 1)
        .returning(CaseNumberSequence.last_value)
    ).scalar_one()
    return f"{prefix}{value:0{NUMBER_DIGITS}d}"
