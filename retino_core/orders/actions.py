"""Mirror platform orders into the account; the same snapshot applied twice changes nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from retino_core.accounts.models import Account, SalesChannel
from retino_core.db import dialect_insert
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.orders.errors import OrderError, OrderErrorCode
from retino_core.orders.models import Order, OrderItem
from retino_core.platforms.interface import OrderSnapshot
from retino_core.text import search_blob


def upsert_order(session: Session, *, account: Account, channel: SalesChannel, snapshot: OrderSnapshot) -> Order:
    """Insert or update the order keyed by ``(channel, external_id)`` and its items keyed by line id.

    Uses INSERT … ON CONFLICT so two deliveries of the same webhook racing each other end in
    one row. Lines that disappeared from the platform's order are kept if a case claims them
    (the claim must stay explainable) and deleted otherwise.
    """
    if channel.account_id != account.id:
        raise OrderError(OrderErrorCode.channel_not_found, N_("Channel not found."), kind=ErrorKind.not_found)
    if snapshot.total.currency != snapshot.currency:
        raise OrderError(OrderErrorCode.currency_mismatch, N_("The order total is not in the order's currency."))
    values = {
        "account_id": account.id,
        "channel_id": channel.id,
        "external_id": snapshot.external_id,
        "code": snapshot.code,
        "customer_name": snapshot.customer_name,
        "customer_email": snapshot.customer_email.strip().lower(),
        "customer_phone": snapshot.customer_phone,
        "billing_address": snapshot.billing_address.as_dict(),
        "shipping_address": snapshot.shipping_address.as_dict(),
        "language": snapshot.language,
        "currency": snapshot.currency,
        "total_amount": snapshot.total.amount,
        "ordered_at": snapshot.ordered_at,
        "paid_at": snapshot.paid_at,
        "delivered_at": snapshot.delivered_at,
        "search_text": search_blob(snapshot.code, snapshot.customer_name, snapshot.customer_email),
    }
    insert = dialect_insert(session)
    updatable = {key: value for key, value in values.items() if key not in {"account_id", "channel_id", "external_id"}}
    order_id = session.execute(
        insert(Order)
        .values(**values)
        .on_conflict_do_update(index_elements=["channel_id", "external_id"], set_=updatable)
        .returning(Order.id)
    ).scalar_one()
    _upsert_lines(session, account=account, order_id=order_id, snapshot=snapshot)
    order = session.get(Order, order_id)
    assert order is not None
    session.refresh(order)
    return order


def _upsert_lines(session: Session, *, account: Account, order_id: int, snapshot: OrderSnapshot) -> None:
    from retino_core.cases.models import CaseItem

    insert = dialect_insert(session)
    seen: set[str] = set()
    for line in snapshot.lines:
        if line.unit_price.currency != snapshot.currency:
            raise OrderError(OrderErrorCode.currency_mismatch, N_("An order line is not in the order's currency."))
        seen.add(line.external_id)
        values = {
            "account_id": account.id,
            "order_id": order_id,
            "external_id": line.external_id,
            "name": line.name,
            "variant_name": line.variant_name,
            "product_code": line.product_code,
            "ean": line.ean,
            "quantity": line.quantity,
            "unit_price_amount": line.unit_price.amount,
            "currency": line.unit_price.currency,
            "vat_rate": line.vat_rate,
        }
        updatable = {
            key: value for key, value in values.items() if key not in {"account_id", "order_id", "external_id"}
        }
        session.execute(
            insert(OrderItem)
            .values(**values)
            .on_conflict_do_update(index_elements=["order_id", "external_id"], set_=updatable)
        )
    stale = session.scalars(
        select(OrderItem).where(OrderItem.order_id == order_id, OrderItem.external_id.not_in(seen or {""}))
    ).all()
    claimed = set(
        session.scalars(select(CaseItem.order_item_id).where(CaseItem.order_item_id.in_([i.id for i in stale])))
    )
    for item in stale:
        if item.id not in claimed:
            session.delete(item)
    session.flush()
