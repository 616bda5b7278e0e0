"""Recording the return shipping a shopper chose. Validates, writes, ``flush()``es; never commits.

The choice is validated twice on purpose: once while the shopper fills in the form
(:func:`check_shipping_choice`, nothing written) and again when the case is filed
(:func:`record_shipping_choice`), because the merchant may retire the option in between.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.accounts.models import Account, SalesChannel
from retino_core.accounts.permissions import Permission
from retino_core.cases.history import shipping_chosen_entry
from retino_core.cases.models import Case
from retino_core.channels.models import ShippingKind, ShippingOption
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.shipping.errors import ShippingError, ShippingErrorCode
from retino_core.shipping.models import CaseShippingChoice
from retino_core.shipping.queries import shipping_choice_for_case
from retino_core.shipping.schemas import BRANCH_ID_PATTERN, PickupAddressSchema, ShippingChoiceSchema
from retino_core.validation import load_or_raise

_BRANCH_ID_RE = re.compile(BRANCH_ID_PATTERN)


def _invalid(field: str, message: str) -> ShippingError:
    return ShippingError(
        ShippingErrorCode.invalid_input, N_("Some fields are not valid."), field_errors={field: [message]}
    )


def check_shipping_choice(
    session: Session, *, channel: SalesChannel, payload: Mapping[str, Any]
) -> tuple[ShippingOption, dict[str, Any]]:
    """The channel's active option the payload names and the normalised choice, or a field error.

    A carrier branch needs the branch id (and keeps the name the shopper saw); a courier pickup
    needs a full pickup address; an own drop-off needs neither and stores neither.
    """
    data = load_or_raise(
        ShippingChoiceSchema(), payload, error_class=ShippingError, code=ShippingErrorCode.invalid_input
    )
    option = ShippingOption.get_for_account(session, data["option_id"], channel.account_id)
    if option is None or option.channel_id != channel.id or not option.is_active:
        raise ShippingError(
            ShippingErrorCode.option_not_found,
            N_("Choose one of the offered ways to send the goods back."),
            field_errors={"option_id": [N_("Choose one of the offered ways to send the goods back.")]},
        )
    choice: dict[str, Any] = {"option_id": option.id, "branch_id": "", "branch_name": "", "pickup_address": {}}
    if option.kind is ShippingKind.carrier_branch:
        branch_id = data["branch_id"].strip()
        if not branch_id:
            raise _invalid("branch_id", N_("Enter the number of the branch where you will hand in the parcel."))
        if not _BRANCH_ID_RE.fullmatch(branch_id):
            raise _invalid(
                "branch_id", N_("A branch number has only letters, digits, spaces, dots, dashes and slashes.")
            )
        choice["branch_id"] = branch_id
        choice["branch_name"] = data["branch_name"].strip()
    elif option.kind is ShippingKind.courier_pickup:
        raw = {key: str(value).strip() for key, value in (data["pickup_address"] or {}).items()}
        try:
            address = PickupAddressSchema().load(raw)
        except ValidationError as error:
            raise ShippingError(
                ShippingErrorCode.invalid_input,
                N_("Some fields are not valid."),
                field_errors={"pickup_address": error.messages},
            ) from None
        address["country_code"] = address["country_code"].upper()
        choice["pickup_address"] = address
    return option, choice


def record_shipping_choice(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    case: Case,
    channel: SalesChannel,
    payload: Mapping[str, Any],
) -> CaseShippingChoice:
    """Store how the goods of ``case`` travel back, with the option's texts and price in the case's language.

    ``channel`` is the channel whose portal the shopper used: its options were offered, even when
    the order came from another channel of the account. Done once, when the case is filed (the
    shopper files it, so ``case.create`` is the permission); a second choice is a conflict.
    """
    actor.require(Permission.case_create)
    if case.account_id != account.id or channel.account_id != account.id:
        raise ShippingError(
            ShippingErrorCode.option_not_found,
            N_("Choose one of the offered ways to send the goods back."),
            kind=ErrorKind.not_found,
        )
    option, choice = check_shipping_choice(session, channel=channel, payload=payload)
    if shipping_choice_for_case(session, case=case) is not None:
        raise ShippingError(
            ShippingErrorCode.already_chosen,
            N_("The shipping for this case is already chosen."),
            kind=ErrorKind.conflict,
        )
    row = CaseShippingChoice(
        account_id=account.id,
        case_id=case.id,
        option_id=option.id,
        kind=option.kind,
        carrier=option.carrier,
        branch_id=choice["branch_id"],
        branch_name=choice["branch_name"],
        pickup_address=choice["pickup_address"],
        option_name=option.name(case.language)[:200],
        instructions=option.instruction(case.language),
        price_amount=option.price_amount,
        currency=option.currency,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    shipping_chosen_entry(
        session, case=case, actor=actor, kind=option.kind.value, option_name=row.option_name, branch_id=row.branch_id
    )
    session.flush()
    return row
