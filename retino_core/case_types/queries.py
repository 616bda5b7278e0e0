"""Read helpers for case types that other modules (statistics, the export, the admin) share."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from retino_core.case_types.models import CaseReason, CaseType
from retino_core.i18n import localized


@dataclass(frozen=True)
class ReasonNames:
    """The names of an account's item reasons in one language, retired ones included.

    Items store only a reason code, and the same code may exist in several types (a parcel
    damaged in transport is a reason to return and to complain). A name is looked up by type and
    code; without the type, the first type in the account's order that has the code names it.
    A code that is no reason (a platform's own code, an item from before reasons existed) is
    its own name.
    """

    by_type: dict[tuple[int, str], str] = field(default_factory=dict)
    by_code: dict[str, str] = field(default_factory=dict)

    def name(self, code: str, case_type_id: int | None = None) -> str:
        if case_type_id is not None and (case_type_id, code) in self.by_type:
            return self.by_type[(case_type_id, code)]
        return self.by_code.get(code, code)


def reason_names(executor: Session | Connection, *, account_id: int, language: str) -> ReasonNames:
    """Every reason of the account named in ``language`` (one query; works on a session or a connection)."""
    rows = executor.execute(
        select(CaseReason.case_type_id, CaseReason.code, CaseReason.names)
        .join(CaseType, CaseType.id == CaseReason.case_type_id)
        .where(CaseReason.account_id == account_id, CaseType.account_id == account_id)
        .order_by(CaseType.position, CaseType.id, CaseReason.position, CaseReason.id)
    )
    by_type: dict[tuple[int, str], str] = {}
    by_code: dict[str, str] = {}
    for case_type_id, code, per_language in rows:
        text = localized(per_language, language) or code
        by_type[(case_type_id, code)] = text
        by_code.setdefault(code, text)
    return ReasonNames(by_type=by_type, by_code=by_code)
