"""Settings of a sales channel: its consultant, its storefront widget and its return shipping options.

Each action needs ``channels.manage`` on an active account, validates everything before it writes,
changes rows and ``flush()``es; the caller's edge commits once, so a refusal leaves nothing
half-done. Another account's channel, case type or shipping option is "not found", like a missing
one. These changes write no history: case history belongs to cases, and the account has no audit
log of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from retino_core.accounts import actions as account_actions
from retino_core.accounts.actor import Actor
from retino_core.accounts.errors import AccountError, AccountErrorCode
from retino_core.accounts.models import Account, ChannelStatus, SalesChannel
from retino_core.accounts.permissions import Permission
from retino_core.case_types.models import CaseType
from retino_core.channels.errors import ChannelError, ChannelErrorCode
from retino_core.channels.models import ChannelOfferedCaseType, ChannelWidgetSettings, ShippingOption
from retino_core.channels.queries import WidgetSettings, default_shop_domains, shipping_options, widget_settings
from retino_core.channels.schemas import (
    ConsultantSchema,
    ShippingOptionSchema,
    ShippingOrderSchema,
    WidgetSettingsSchema,
)
from retino_core.db import MAXIMUM_ID
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.jobs.outbox import enqueue_after_commit
from retino_core.validation import load_or_raise


def _load(schema: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    return load_or_raise(schema, data, error_class=ChannelError, code=ChannelErrorCode.invalid_input)


def _channel_for_change(session: Session, account: Account, actor: Actor, channel_id: int) -> SalesChannel:
    """The permission first, then the account's state, then the channel (another account's is not found)."""
    actor.require(Permission.channels_manage)
    if not account.is_active:
        raise AccountError(
            AccountErrorCode.account_deactivated, N_("This account is deactivated."), kind=ErrorKind.forbidden
        )
    return account_actions.get_channel(session, account=account, channel_id=channel_id)


def set_channel_consultant(
    session: Session, *, account: Account, actor: Actor, channel_id: int, payload: Mapping[str, Any]
) -> SalesChannel:
    """Choose who gets every new case from the channel (``default_consultant_id``; None for nobody).

    The consultant must be an active member of the account; cases already open keep their owner.
    """
    channel = _channel_for_change(session, account, actor, channel_id)
    data = _load(ConsultantSchema(), payload)
    return account_actions.set_channel_consultant(
        session, account=account, actor=actor, channel_id=channel.id, user_id=data["default_consultant_id"]
    )


def _offerable_case_types(session: Session, account: Account, case_type_ids: list[int]) -> list[CaseType]:
    in_range = [case_type_id for case_type_id in case_type_ids if 0 < case_type_id <= MAXIMUM_ID]
    found = list(session.scalars(CaseType.select_for_account(account.id).where(CaseType.id.in_(in_range))))
    if len(found) != len(case_type_ids):
        raise ChannelError(ChannelErrorCode.case_type_not_found, N_("Case type not found."), kind=ErrorKind.not_found)
    if not all(case_type.is_active and case_type.is_public for case_type in found):
        message = N_("Only active case types shown to shoppers can be offered.")
        raise ChannelError(
            ChannelErrorCode.case_type_not_offerable,
            message,
            kind=ErrorKind.invalid,
            field_errors={"offered_case_type_ids": [message]},
        )
    return found


def update_widget_settings(
    session: Session, *, account: Account, actor: Actor, channel_id: int, payload: Mapping[str, Any]
) -> WidgetSettings:
    """Change the widget's badge side, intake without an order, shop domains or offered case types.

    Only the keys given change; the first save stores the defaults for the others. The offered
    types replace the previous choice and must be active public types of the account.
    """
    channel = _channel_for_change(session, account, actor, channel_id)
    data = _load(WidgetSettingsSchema(), payload)
    offered = data.pop("offered_case_type_ids", None)
    case_types = _offerable_case_types(session, account, offered) if offered is not None else None
    stored = session.scalar(
        ChannelWidgetSettings.select_for_account(account.id).where(ChannelWidgetSettings.channel_id == channel.id)
    )
    if stored is None:
        stored = ChannelWidgetSettings(
            account_id=account.id, channel_id=channel.id, shop_domains=list(default_shop_domains(channel))
        )
        session.add(stored)
    for name, value in data.items():
        setattr(stored, name, value)
    if case_types is not None:
        session.execute(
            delete(ChannelOfferedCaseType).where(
                ChannelOfferedCaseType.account_id == account.id, ChannelOfferedCaseType.channel_id == channel.id
            )
        )
        session.add_all(
            ChannelOfferedCaseType(account_id=account.id, channel_id=channel.id, case_type_id=case_type.id)
            for case_type in case_types
        )
    session.flush()
    if channel.status is ChannelStatus.connected:
        # Shops that carry our snippets in their pages (Shoptet) get them again: harmless when nothing
        # changed, and it repairs a snippet the merchant removed by hand. The job skips other platforms.
        from retino_core.channels.tasks import push_storefront

        enqueue_after_commit(session, push_storefront, channel.id, account_id=account.id)
    return widget_settings(session, channel=channel)


def _check_channel_language(channel: SalesChannel, data: Mapping[str, Any]) -> None:
    message = N_("Required in the channel's language.")
    missing = {name: [message] for name in ("names", "instructions") if channel.default_language not in data[name]}
    if missing:
        raise ChannelError(
            ChannelErrorCode.channel_language_missing,
            N_("Some fields are not valid."),
            kind=ErrorKind.invalid,
            field_errors=missing,
        )


def _next_position(session: Session, channel: SalesChannel) -> int:
    last = session.scalar(
        select(func.max(ShippingOption.position)).where(
            ShippingOption.account_id == channel.account_id, ShippingOption.channel_id == channel.id
        )
    )
    return 0 if last is None else last + 1


def _shipping_option(session: Session, account: Account, channel: SalesChannel, option_id: int) -> ShippingOption:
    option = ShippingOption.get_for_account(session, option_id, account.id)
    if option is None or option.channel_id != channel.id:
        raise ChannelError(
            ChannelErrorCode.shipping_option_not_found, N_("Shipping option not found."), kind=ErrorKind.not_found
        )
    return option


def add_shipping_option(
    session: Session, *, account: Account, actor: Actor, channel_id: int, payload: Mapping[str, Any]
) -> ShippingOption:
    """A new way to send goods back, offered after the channel's other options, priced in its currency.

    ``payload``: kind, carrier (for a carrier's branch or courier, never for the merchant's own
    drop-off), names and instructions per language (at least the channel's language), price
    (blank or 0 is free).
    """
    channel = _channel_for_change(session, account, actor, channel_id)
    data = _load(ShippingOptionSchema(), payload)
    _check_channel_language(channel, data)
    option = ShippingOption(
        account_id=account.id,
        channel_id=channel.id,
        kind=data["kind"],
        carrier=data["carrier"],
        names=data["names"],
        instructions=data["instructions"],
        price_amount=data["price"],
        currency=channel.currency,
        position=_next_position(session, channel),
        is_active=True,
    )
    session.add(option)
    session.flush()
    return option


def update_shipping_option(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    channel_id: int,
    option_id: int,
    payload: Mapping[str, Any],
) -> ShippingOption:
    """Replace an option's kind, carrier, texts and price (the same payload as adding one)."""
    channel = _channel_for_change(session, account, actor, channel_id)
    option = _shipping_option(session, account, channel, option_id)
    data = _load(ShippingOptionSchema(), payload)
    _check_channel_language(channel, data)
    option.kind = data["kind"]
    option.carrier = data["carrier"]
    option.names = data["names"]
    option.instructions = data["instructions"]
    option.price_amount = data["price"]
    option.currency = channel.currency
    session.flush()
    return option


def retire_shipping_option(
    session: Session, *, account: Account, actor: Actor, channel_id: int, option_id: int, retired: bool = True
) -> ShippingOption:
    """Stop offering an option (or offer it again with ``retired=False``, after the active ones).

    Options are retired, not deleted, so a case or shipment that comes to refer to one keeps it.
    """
    channel = _channel_for_change(session, account, actor, channel_id)
    option = _shipping_option(session, account, channel, option_id)
    if option.is_active == (not retired):
        return option
    if not retired:
        option.position = _next_position(session, channel)
    option.is_active = not retired
    session.flush()
    return option


def reorder_shipping_options(
    session: Session, *, account: Account, actor: Actor, channel_id: int, payload: Mapping[str, Any]
) -> list[ShippingOption]:
    """Put the channel's active options in the order of ``payload["option_ids"]``, which lists each once.

    Retired options keep their relative order after the active ones.
    """
    channel = _channel_for_change(session, account, actor, channel_id)
    data = _load(ShippingOrderSchema(), payload)
    options = shipping_options(session, channel=channel, include_retired=True)
    by_id = {option.id: option for option in options}
    if any(option_id not in by_id for option_id in data["option_ids"]):
        raise ChannelError(
            ChannelErrorCode.shipping_option_not_found, N_("Shipping option not found."), kind=ErrorKind.not_found
        )
    active_ids = [option.id for option in options if option.is_active]
    if sorted(data["option_ids"]) != sorted(active_ids):
        message = N_("List each active shipping option exactly once.")
        raise ChannelError(
            ChannelErrorCode.invalid_order, message, kind=ErrorKind.invalid, field_errors={"option_ids": [message]}
        )
    retired = [option for option in options if not option.is_active]
    ordered = [by_id[option_id] for option_id in data["option_ids"]] + retired
    for position, option in enumerate(ordered):
        option.position = position
    session.flush()
    return ordered[: len(active_ids)]


def request_channel_sync(session: Session, *, account: Account, actor: Actor, channel_id: int) -> bool:
    """ "Sync now": enqueue the channel's sync after commit; False when one is already waiting.

    Only a connected channel, or one in error (the merchant fixed something and tries again), can be
    synced; a disabled or not yet authorised channel is refused with a message saying so.
    """
    from retino_core.channels.sync import enqueue_sync

    channel = _channel_for_change(session, account, actor, channel_id)
    if channel.status not in (ChannelStatus.connected, ChannelStatus.error):
        raise ChannelError(
            ChannelErrorCode.channel_not_connected,
            N_("This channel is not connected, so it cannot be synced. Connect it first."),
            kind=ErrorKind.conflict,
        )
    return enqueue_sync(session, channel)


def set_buyer_messages(session: Session, *, account: Account, actor: Actor, channel_id: int, enabled: bool) -> None:
    """Switch sending each paid order's buyer our form's link through the platform's messages on or off.

    The sync only acts on it where the channel's adapter declares ``Capability.messaging`` (Allegro);
    the settings page offers the switch only there.
    """
    channel = _channel_for_change(session, account, actor, channel_id)
    channel.message_buyers = bool(enabled)
    session.flush()
