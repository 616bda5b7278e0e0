"""Translate Allegro customer returns (``GET /order/customer-returns``, beta) into core snapshots.

Pure functions, no I/O. A return names its items by ``offerId``, not by the checkout form's line
id, so the caller passes the order's lines (:func:`offer_lines`) and each item is matched to the
first line of its offer that still has quantity left; an item whose offer is not in the order
(the form could not be read) keeps an empty line id and the core files it by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from adapters.allegro.errors import PayloadError
from retino_core.platforms import payload
from retino_core.platforms.interface import (
    CustomerReturnItemSnapshot,
    CustomerReturnSnapshot,
    ReturnParcelSnapshot,
)

#: ``rejection.code`` values ``POST /order/customer-returns/{id}/rejection`` accepts (the spec's enum).
REJECTION_CODES: tuple[str, ...] = (
    "REFUND_REJECTED",
    "NEW_ITEM_SENT",
    "ITEM_FIXED",
    "MISSING_PART_SENT",
    "ITEM_MISMATCH",
    "BUSINESS_PURCHASE",
    "NO_RETURN_RIGHT",
)
#: ``rejection.reason`` is 1 to 250 characters (the spec's ``maxLength``).
REJECTION_REASON_MAX_LENGTH = 250

#: A checkout form's lines as ``(line id, offer id, quantity)``, in the form's order.
OfferLine = tuple[str, str, Decimal]


def offer_lines(checkout_form: Mapping[str, Any]) -> list[OfferLine]:
    """``(lineItems[].id, lineItems[].offer.id, quantity)`` of a checkout form, for :func:`map_customer_return`."""
    form = payload.as_mapping(checkout_form, "checkoutForm")
    items = payload.required(form, "lineItems", "checkoutForm")
    if not isinstance(items, list):
        raise PayloadError("checkoutForm.lineItems must be a list")
    lines: list[OfferLine] = []
    for index, item in enumerate(items):
        path = f"checkoutForm.lineItems[{index}]"
        line = payload.as_mapping(item, path)
        offer = payload.optional_mapping(line.get("offer"), f"{path}.offer")
        lines.append(
            (
                payload.required_text(line, "id", path),
                payload.text(offer, "id", f"{path}.offer"),
                payload.decimal(line, "quantity", path),
            )
        )
    return lines


def map_customer_return(data: Mapping[str, Any], lines: Sequence[OfferLine] = ()) -> CustomerReturnSnapshot:
    """Map one customer return; ``lines`` are its order's :func:`offer_lines` (empty when unknown).

    - ``external_id`` is ``id``, ``order_external_id`` is ``orderId`` (the checkout-form UUID);
    - ``created_at`` is ``createdAt`` in UTC; ``status`` is Allegro's (``CREATED`` … ``REJECTED``);
    - the buyer has only ``email`` (a relay address, lower-cased) and ``login`` (as the name);
    - each item keeps ``reason.type`` as its reason and ``reason.userComment`` as its comment;
    - each parcel keeps ``waybill``, ``carrierId`` and ``createdAt``.
    """
    path = "customerReturn"
    data = payload.as_mapping(data, path)
    buyer = payload.optional_mapping(data.get("buyer"), f"{path}.buyer")
    raw_items = data.get("items") or []
    if not isinstance(raw_items, list):
        raise PayloadError(f"{path}.items must be a list")
    left = {line_id: quantity for line_id, _, quantity in lines}
    items = []
    for index, raw in enumerate(raw_items):
        item_path = f"{path}.items[{index}]"
        item = payload.as_mapping(raw, item_path)
        quantity = payload.decimal(item, "quantity", item_path)
        offer_id = payload.text(item, "offerId", item_path)
        line_id = _line_for(offer_id, quantity, lines, left)
        reason = payload.optional_mapping(item.get("reason"), f"{item_path}.reason")
        items.append(
            CustomerReturnItemSnapshot(
                order_line_external_id=line_id,
                name=payload.text(item, "name", item_path),
                quantity=quantity,
                reason=payload.text(reason, "type", f"{item_path}.reason").upper(),
                comment=payload.text(reason, "userComment", f"{item_path}.reason"),
            )
        )
    raw_parcels = data.get("parcels") or []
    if not isinstance(raw_parcels, list):
        raise PayloadError(f"{path}.parcels must be a list")
    parcels = []
    for index, raw in enumerate(raw_parcels):
        parcel_path = f"{path}.parcels[{index}]"
        parcel = payload.as_mapping(raw, parcel_path)
        parcels.append(
            ReturnParcelSnapshot(
                carrier=payload.text(parcel, "carrierId", parcel_path),
                waybill=payload.text(parcel, "waybill", parcel_path),
                sent_at=payload.optional_datetime(parcel, "createdAt", parcel_path),
            )
        )
    return CustomerReturnSnapshot(
        external_id=payload.required_text(data, "id", path),
        order_external_id=payload.required_text(data, "orderId", path),
        created_at=payload.aware_datetime(data, "createdAt", path).astimezone(UTC),
        status=payload.text(data, "status", path),
        items=tuple(items),
        reference_number=payload.text(data, "referenceNumber", path),
        buyer_email=payload.text(buyer, "email", f"{path}.buyer").lower(),
        buyer_name=payload.text(buyer, "login", f"{path}.buyer"),
        parcels=tuple(parcels),
    )


def _line_for(offer_id: str, quantity: Decimal, lines: Sequence[OfferLine], left: dict[str, Decimal]) -> str:
    """The first line of ``offer_id`` with ``quantity`` left (then any line of it); ``""`` when none."""
    candidates = [line_id for line_id, line_offer, _ in lines if offer_id and line_offer == offer_id]
    for line_id in candidates:
        if left[line_id] >= quantity:
            left[line_id] -= quantity
            return line_id
    return candidates[0] if candidates else ""


def cursor_for(moment: datetime) -> str:
    """A ``createdAt.gte`` value: ISO 8601 in UTC with milliseconds and ``Z`` (``2026-01-11T09:36:57.000Z``)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def read_cursor(cursor: str) -> datetime:
    """The moment a cursor written by :func:`cursor_for` names; ValueError for anything else."""
    moment = datetime.fromisoformat(cursor.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"the returns cursor {cursor!r} has no time zone")
    return moment.astimezone(UTC)
