"""Channel settings for owners and managers: the sales channels with their state, and per channel
the consultant, what the storefront widget offers and the return shipping options.

Every view needs ``channels.manage`` (so a deactivated account, being read-only, gets 403 like on
the other settings screens). Each POST parses its form, calls one core action and redirects back
(PRG); refused input re-renders the channel page with the errors next to the form that caused them
(422) and stores nothing. "Sync now" enqueues the channel's sync job; what the platform allows
(sending buyers our link through its messages) is asked of the channel's adapter.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from marketplace_app.admin import blueprint
from marketplace_app.admin.views.case_detail import FormError
from marketplace_app.admin.views.settings import actor_context, attempt, checkbox, names_from_form, settings_context
from marketplace_app.database import db
from marketplace_app.errors import translated_message
from marketplace_app.platforms import adapter_runtime
from marketplace_app.tenancy import admin_context, requires
from retino_core.accounts.actions import get_channel
from retino_core.accounts.models import ChannelStatus, Membership, Platform, SalesChannel, User
from retino_core.accounts.permissions import Permission
from retino_core.channels.actions import (
    add_shipping_option,
    reorder_shipping_options,
    request_channel_sync,
    retire_shipping_option,
    set_buyer_messages,
    set_channel_consultant,
    update_shipping_option,
    update_widget_settings,
)
from retino_core.channels.errors import ChannelError
from retino_core.channels.models import BadgeSide, Carrier, ShippingKind
from retino_core.channels.queries import list_channels, offerable_case_types, shipping_options, widget_settings
from retino_core.platforms.interface import Capability
from retino_core.platforms.registry import adapter_or_none

#: Brand names, the same in every language.
PLATFORM_NAMES = {Platform.shoptet: "Shoptet", Platform.woocommerce: "WooCommerce", Platform.allegro: "Allegro"}
CARRIER_NAMES = {Carrier.ppl: "PPL", Carrier.zasilkovna: "Zásilkovna", Carrier.gls: "GLS"}
STATUS_LABELS = {
    ChannelStatus.connected: lazy_gettext("Connected"),
    ChannelStatus.error: lazy_gettext("Error"),
    ChannelStatus.disabled: lazy_gettext("Disabled"),
    ChannelStatus.waiting: lazy_gettext("Waiting for authorisation"),
}
KIND_LABELS = {
    ShippingKind.own_dropoff: lazy_gettext("Own drop-off"),
    ShippingKind.carrier_branch: lazy_gettext("Drop-off at a carrier's branch"),
    ShippingKind.courier_pickup: lazy_gettext("Courier pickup"),
}
BADGE_LABELS = {BadgeSide.left: lazy_gettext("Left"), BadgeSide.right: lazy_gettext("Right")}
#: Marks a widget form that showed the case type checkboxes, so none ticked means "none", not "not asked".
OFFERED_TYPES_SHOWN = "offered_case_types_shown"


def _channel(channel_id: int) -> SalesChannel:
    return get_channel(db(), account=admin_context().account, channel_id=channel_id)


def _channel_url(channel_id: int, anchor: str = "") -> str:
    return url_for("admin.settings_channel", channel_id=channel_id) + anchor


def _labels() -> dict[str, Any]:
    return {
        "platform_names": PLATFORM_NAMES,
        "carrier_names": CARRIER_NAMES,
        "status_labels": STATUS_LABELS,
        "kind_labels": KIND_LABELS,
        "badge_labels": BADGE_LABELS,
    }


def _active_members(account_id: int) -> list[User]:
    return list(
        db().scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.account_id == account_id, Membership.is_active)
            .order_by(User.full_name, User.id)
        )
    )


@blueprint.get("/settings/channels")
@requires(Permission.channels_manage)
def settings_channels() -> tuple[str, int]:
    context = settings_context(channels=list_channels(db(), account=admin_context().account), **_labels())
    return render_template("admin/settings_channels.html", **context), 200


def channel_capabilities(channel: SalesChannel) -> frozenset[Capability]:
    """What the channel's adapter can do; nothing for a channel that cannot be built yet (not connected)."""
    adapter = adapter_or_none(channel, **adapter_runtime())
    return frozenset(adapter.capabilities) if adapter is not None else frozenset()


def render_channel(
    channel: SalesChannel,
    *,
    status: int = 200,
    form_errors: dict[str, FormError] | None = None,
    form_values: dict[str, Any] | None = None,
) -> tuple[str, int]:
    session = db()
    context = settings_context(
        channel=channel,
        widget=widget_settings(session, channel=channel),
        case_types=offerable_case_types(session, account_id=channel.account_id),
        options=shipping_options(session, channel=channel, include_retired=True),
        members=_active_members(channel.account_id),
        BadgeSide=BadgeSide,
        ShippingKind=ShippingKind,
        Carrier=Carrier,
        offered_types_shown=OFFERED_TYPES_SHOWN,
        capabilities=channel_capabilities(channel),
        Capability=Capability,
        **_labels(),
    )
    context.update(form_errors=form_errors or {}, form_values=form_values or {})
    return render_template("admin/settings_channel.html", **context), status


@blueprint.get("/settings/channels/<int:channel_id>")
@requires(Permission.channels_manage)
def settings_channel(channel_id: int) -> tuple[str, int]:
    return render_channel(_channel(channel_id))


@blueprint.post("/settings/channels/<int:channel_id>/consultant")
@requires(Permission.channels_manage)
def settings_channel_consultant(channel_id: int) -> Any:
    channel = _channel(channel_id)
    payload = {"default_consultant_id": request.form.get("default_consultant_id", "")}
    return attempt(
        "consultant",
        lambda: set_channel_consultant(db(), channel_id=channel.id, payload=payload, **actor_context()),
        success=lambda: _channel_url(channel.id, "#consultant"),
        render=partial(render_channel, channel),
    )


def _widget_payload(form: MultiDict[str, str]) -> dict[str, Any]:
    """The widget form as the core's payload; shop addresses are one per line, blank lines ignored."""
    payload: dict[str, Any] = {
        "badge_side": form.get("badge_side", ""),
        "allow_intake_without_order": checkbox(form, "allow_intake_without_order") or "false",
        "shop_domains": [line.strip() for line in form.get("shop_domains", "").splitlines() if line.strip()],
    }
    if OFFERED_TYPES_SHOWN in form:
        payload["offered_case_type_ids"] = form.getlist("offered_case_type_id")
    return payload


@blueprint.post("/settings/channels/<int:channel_id>/widget")
@requires(Permission.channels_manage)
def settings_channel_widget(channel_id: int) -> Any:
    channel = _channel(channel_id)
    payload = _widget_payload(request.form)
    return attempt(
        "widget",
        lambda: update_widget_settings(db(), channel_id=channel.id, payload=payload, **actor_context()),
        success=lambda: _channel_url(channel.id, "#widget"),
        render=partial(render_channel, channel),
    )


def _option_payload(form: MultiDict[str, str]) -> dict[str, Any]:
    return {
        "kind": form.get("kind", ""),
        "carrier": form.get("carrier", ""),
        "names": names_from_form(form, "names"),
        "instructions": names_from_form(form, "instructions"),
        "price": form.get("price", ""),
    }


@blueprint.post("/settings/channels/<int:channel_id>/options")
@requires(Permission.channels_manage)
def settings_channel_option_add(channel_id: int) -> Any:
    channel = _channel(channel_id)
    payload = _option_payload(request.form)
    return attempt(
        "new_option",
        lambda: add_shipping_option(db(), channel_id=channel.id, payload=payload, **actor_context()),
        success=lambda: _channel_url(channel.id, "#shipping"),
        render=partial(render_channel, channel),
    )


@blueprint.post("/settings/channels/<int:channel_id>/options/<int:option_id>")
@requires(Permission.channels_manage)
def settings_channel_option_update(channel_id: int, option_id: int) -> Any:
    channel = _channel(channel_id)
    payload = _option_payload(request.form)
    return attempt(
        f"option-{option_id}",
        lambda: update_shipping_option(
            db(), channel_id=channel.id, option_id=option_id, payload=payload, **actor_context()
        ),
        success=lambda: _channel_url(channel.id, f"#option-{option_id}"),
        render=partial(render_channel, channel),
    )


@blueprint.post("/settings/channels/<int:channel_id>/options/<int:option_id>/retire")
@requires(Permission.channels_manage)
def settings_channel_option_retire(channel_id: int, option_id: int) -> Any:
    channel = _channel(channel_id)
    retired = request.form.get("retired", "true") != "false"
    retire_shipping_option(db(), channel_id=channel.id, option_id=option_id, retired=retired, **actor_context())
    return redirect(_channel_url(channel.id, "#shipping"))


@blueprint.post("/settings/channels/<int:channel_id>/options/reorder")
@requires(Permission.channels_manage)
def settings_channel_options_reorder(channel_id: int) -> Any:
    channel = _channel(channel_id)
    payload = {"option_ids": request.form.getlist("option_id")}
    return attempt(
        "order",
        lambda: reorder_shipping_options(db(), channel_id=channel.id, payload=payload, **actor_context()),
        success=lambda: _channel_url(channel.id, "#shipping"),
        render=partial(render_channel, channel),
    )


@blueprint.post("/settings/channels/<int:channel_id>/sync")
@requires(Permission.channels_manage)
def settings_channel_sync(channel_id: int) -> Any:
    """ "Sync now": the sync runs in a job; the page says whether it was started or is already waiting."""
    channel = _channel(channel_id)
    try:
        started = request_channel_sync(db(), channel_id=channel.id, **actor_context())
    except ChannelError as refused:
        flash(translated_message(refused))
        return redirect(_channel_url(channel.id))
    flash(gettext("The sync has started.") if started else gettext("A sync is already waiting to run."))
    return redirect(_channel_url(channel.id))


@blueprint.post("/settings/channels/<int:channel_id>/buyer-messages")
@requires(Permission.channels_manage)
def settings_channel_buyer_messages(channel_id: int) -> Any:
    channel = _channel(channel_id)
    if Capability.messaging not in channel_capabilities(channel):
        return redirect(_channel_url(channel.id))
    enabled = checkbox(request.form, "message_buyers") == "true"
    set_buyer_messages(db(), channel_id=channel.id, enabled=enabled, **actor_context())
    return redirect(_channel_url(channel.id, "#buyer-messages"))


@blueprint.context_processor
def _platform_names() -> dict[str, Any]:
    """Every admin page can name a channel's platform (the inbox rows, the case page)."""
    return {"platform_names": PLATFORM_NAMES}
