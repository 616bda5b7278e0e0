"""Shared fixtures and helpers of the channel settings tests."""

import pytest
from sqlalchemy import select

from retino_core.accounts.models import SalesChannel
from retino_core.accounts.permissions import Role
from retino_core.case_types.models import CaseType
from retino_core.channels.errors import ChannelError
from retino_core.channels.models import (
    ChannelOfferedCaseType,
    ChannelWidgetSettings,
    ShippingOption,
)
from retino_core.errors import ErrorKind

DROP_OFF = {
    "kind": "own_dropoff",
    "names": {"cs": "Osobně na prodejně", "en": "At our shop"},
    "instructions": {"cs": "Přineste zboží na Václavské nám. 1, Po–Pá 9–17.", "en": "Bring it to our shop."},
}
BRANCH = {
    "kind": "carrier_branch",
    "carrier": "zasilkovna",
    "names": {"cs": "Výdejní místo Zásilkovny"},
    "instructions": {"cs": "Podejte balík s kódem z e-mailu na kterémkoli výdejním místě."},
    "price": "59",
}


@pytest.fixture
def shop(session, make_account, make_member, make_channel):
    account = make_account()
    _, owner = make_member(account, Role.owner)
    channel = make_channel(account)
    session.commit()
    return account, owner, channel


def _types(session, account) -> dict[str, CaseType]:
    return {case_type.code: case_type for case_type in session.scalars(CaseType.select_for_account(account.id))}


def snapshot(session, account) -> tuple:
    """Every row channel settings can change, for one account."""
    session.expire_all()
    return (
        session.execute(
            select(
                ChannelWidgetSettings.channel_id,
                ChannelWidgetSettings.badge_side,
                ChannelWidgetSettings.allow_intake_without_order,
                ChannelWidgetSettings.shop_domains,
            ).where(ChannelWidgetSettings.account_id == account.id)
        ).all(),
        session.execute(
            select(ChannelOfferedCaseType.channel_id, ChannelOfferedCaseType.case_type_id)
            .where(ChannelOfferedCaseType.account_id == account.id)
            .order_by(ChannelOfferedCaseType.case_type_id)
        ).all(),
        session.execute(
            select(
                ShippingOption.id,
                ShippingOption.kind,
                ShippingOption.carrier,
                ShippingOption.names,
                ShippingOption.instructions,
                ShippingOption.price_amount,
                ShippingOption.position,
                ShippingOption.is_active,
            )
            .where(ShippingOption.account_id == account.id)
            .order_by(ShippingOption.id)
        ).all(),
        session.execute(
            select(SalesChannel.id, SalesChannel.default_consultant_id)
            .where(SalesChannel.account_id == account.id)
            .order_by(SalesChannel.id)
        ).all(),
    )


def _refused(session, call, code, kind=ErrorKind.invalid):
    with pytest.raises(ChannelError) as raised:
        call()
    session.rollback()
    assert raised.value.code is code
    assert raised.value.kind is kind
    return raised.value
