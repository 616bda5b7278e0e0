"""Read helpers: a channel's widget settings (stored or the defaults) and what the storefront shows.

Defaults, while the merchant has saved nothing: the badge on the right, no intake without an
order, the origin of the channel's shop URL as the only shop domain, and every active public
case type of the account offered. Once a selection of case types is stored it is kept as chosen:
a type made public later is not offered until the merchant ticks it, and a chosen type that is
switched off or made admin-only drops out of the offer (if that empties it, the widget offers none).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from retino_core.accounts.models import Account, SalesChannel
from retino_core.case_types.models import CaseKind, CaseType
from retino_core.channels.models import (
    BadgeSide,
    Carrier,
    ChannelOfferedCaseType,
    ChannelWidgetSettings,
    ShippingKind,
    ShippingOption,
)
from retino_core.channels.schemas import origin_of_url
from retino_core.money import Money


@dataclass(frozen=True)
class WidgetSettings:
    """What the merchant set for the channel's widget, or the defaults for what they did not."""

    badge_side: BadgeSide
    allow_intake_without_order: bool
    shop_domains: tuple[str, ...]
    offered_case_type_ids: tuple[int, ...]
    #: Whether a settings row exists (False: every value above is a default).
    is_stored: bool
    #: Whether the merchant chose the offered case types (False: every public active type).
    offers_chosen_types: bool


@dataclass(frozen=True)
class WidgetCaseType:
    id: int
    code: str
    kind: CaseKind
    #: Name per language code.
    names: dict[str, str]


@dataclass(frozen=True)
class WidgetShippingOption:
    id: int
    kind: ShippingKind
    carrier: Carrier | None
    names: dict[str, str]
    instructions: dict[str, str]
    #: None means free.
    price: Money | None


@dataclass(frozen=True)
class WidgetConfig:
    """Everything the storefront widget of one channel needs from the settings, in display order."""

    channel_public_id: str
    default_language: str
    currency: str
    offered_case_types: tuple[WidgetCaseType, ...]
    shipping_options: tuple[WidgetShippingOption, ...]
    badge_side: BadgeSide
    allow_intake_without_order: bool
    #: Origins for CSP ``frame-ancestors``; empty means the widget may be framed nowhere.
    shop_domains: tuple[str, ...]


def list_channels(session: Session, *, account: Account) -> list[SalesChannel]:
    return list(
        session.scalars(
            SalesChannel.select_for_account(account.id)
            .options(joinedload(SalesChannel.default_consultant))
            .order_by(SalesChannel.name, SalesChannel.id)
        )
    )


def channel_by_public_id(session: Session, public_id: str) -> SalesChannel | None:
    """The channel a storefront URL names; the caller decides whether its account and status may answer."""
    if not public_id or len(public_id) > 32:
        return None
    return session.scalar(select(SalesChannel).where(SalesChannel.public_id == public_id))


def default_shop_domains(channel: SalesChannel) -> tuple[str, ...]:
    origin = origin_of_url(channel.shop_url or "")
    return (origin,) if origin else ()


def offerable_case_types(session: Session, *, account_id: int) -> list[CaseType]:
    """The account's case types a widget may offer: active and public, in the account's order."""
    return list(
        session.scalars(
            CaseType.select_for_account(account_id)
            .where(CaseType.is_active, CaseType.is_public)
            .order_by(CaseType.position, CaseType.id)
        )
    )


def _stored_settings(session: Session, channel: SalesChannel) -> ChannelWidgetSettings | None:
    return session.scalar(
        ChannelWidgetSettings.select_for_account(channel.account_id).where(
            ChannelWidgetSettings.channel_id == channel.id
        )
    )


def _chosen_case_type_ids(session: Session, channel: SalesChannel) -> list[int]:
    return list(
        session.scalars(
            select(ChannelOfferedCaseType.case_type_id)
            .where(
                ChannelOfferedCaseType.account_id == channel.account_id,
                ChannelOfferedCaseType.channel_id == channel.id,
            )
            .order_by(ChannelOfferedCaseType.case_type_id)
        )
    )


def offered_case_types(session: Session, *, channel: SalesChannel) -> list[CaseType]:
    """The types the channel's widget offers now: the chosen ones that are still active and public,
    or every active public type when none were chosen."""
    offerable = offerable_case_types(session, account_id=channel.account_id)
    chosen = _chosen_case_type_ids(session, channel)
    if not chosen:
        return offerable
    wanted = set(chosen)
    return [case_type for case_type in offerable if case_type.id in wanted]


def widget_settings(session: Session, *, channel: SalesChannel) -> WidgetSettings:
    stored = _stored_settings(session, channel)
    chosen = _chosen_case_type_ids(session, channel)
    offered = [case_type.id for case_type in offered_case_types(session, channel=channel)]
    if stored is None:
        return WidgetSettings(
            badge_side=BadgeSide.right,
            allow_intake_without_order=False,
            shop_domains=default_shop_domains(channel),
            offered_case_type_ids=tuple(offered),
            is_stored=False,
            offers_chosen_types=bool(chosen),
        )
    return WidgetSettings(
        badge_side=stored.badge_side,
        allow_intake_without_order=stored.allow_intake_without_order,
        shop_domains=tuple(stored.shop_domains),
        offered_case_type_ids=tuple(offered),
        is_stored=True,
        offers_chosen_types=bool(chosen),
    )


def shipping_options(session: Session, *, channel: SalesChannel, include_retired: bool = False) -> list[ShippingOption]:
    """The channel's options in display order; retired ones (if asked for) after the active ones."""
    query = ShippingOption.select_for_account(channel.account_id).where(ShippingOption.channel_id == channel.id)
    if not include_retired:
        query = query.where(ShippingOption.is_active)
    return list(
        session.scalars(query.order_by(ShippingOption.is_active.desc(), ShippingOption.position, ShippingOption.id))
    )


def widget_config(session: Session, channel: SalesChannel) -> WidgetConfig:
    """What the storefront widget of ``channel`` offers and where it may be embedded."""
    settings = widget_settings(session, channel=channel)
    return WidgetConfig(
        channel_public_id=channel.public_id,
        default_language=channel.default_language,
        currency=channel.currency,
        offered_case_types=tuple(
            WidgetCaseType(id=case_type.id, code=case_type.code, kind=case_type.kind, names=dict(case_type.names))
            for case_type in offered_case_types(session, channel=channel)
        ),
        shipping_options=tuple(
            WidgetShippingOption(
                id=option.id,
                kind=option.kind,
                carrier=option.carrier,
                names=dict(option.names),
                instructions=dict(option.instructions),
                price=option.price,
            )
            for option in shipping_options(session, channel=channel)
        ),
        badge_side=settings.badge_side,
        allow_intake_without_order=settings.allow_intake_without_order,
        shop_domains=settings.shop_domains,
    )
