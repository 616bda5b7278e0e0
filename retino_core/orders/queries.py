"""Order look-ups: infix search for the admin, exact match for the storefront."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from retino_core.i18n import N_
from retino_core.orders.errors import OrderError, OrderErrorCode
from retino_core.orders.models import Order
from retino_core.search import infix_match
from retino_core.text import fold

MINIMUM_SEARCH_LENGTH = 3


def search_orders(session: Session, *, account_id: int, text: str, limit: int = 20) -> list[Order]:
    """Orders whose code, customer name or e-mail contains ``text`` (accents and case ignored), newest first."""
    needle = fold(text.strip())
    if len(needle) < MINIMUM_SEARCH_LENGTH:
        raise OrderError(
            OrderErrorCode.search_too_short,
            N_("Type at least %(count)s characters to search."),
            count=MINIMUM_SEARCH_LENGTH,
        )
    dialect = session.get_bind().dialect.name
    return list(
        session.scalars(
            Order.select_for_account(account_id)
            .where(infix_match(dialect, Order.__table__, needle))
            .options(selectinload(Order.items))
            .order_by(Order.ordered_at.desc(), Order.id.desc())
            .limit(limit)
        )
    )


def find_order_for_shopper(session: Session, *, account_id: int, code: str, email: str) -> Order | None:
    """The order with exactly this code and e-mail: an equality lookup on indexed columns, never LIKE."""
    return session.scalar(
        select(Order).where(
            Order.account_id == account_id,
            Order.code == code.strip(),
            Order.customer_email == email.strip().lower(),
        )
    )
