"""Read helpers: the shipping choice of a case."""

from __future__ import annotations

from sqlalchemy.orm import Session

from retino_core.cases.models import Case
from retino_core.shipping.models import CaseShippingChoice


def shipping_choice_for_case(session: Session, *, case: Case) -> CaseShippingChoice | None:
    return session.scalar(
        CaseShippingChoice.select_for_account(case.account_id).where(CaseShippingChoice.case_id == case.id)
    )
