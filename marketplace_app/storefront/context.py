"""Per-request context of the storefront: the channel, the shopper's language, framing, the closed shop.

Channel pages carry the channel's ``public_id`` in the URL; it is resolved once here into
``g.channel`` and ``g.account``. An unknown id is a 404 that looks the same as any other. The
portal may be framed only by the channel's own shop domains (``frame-ancestors``), so the widget
works inside the shop and nowhere else.
"""

from __future__ import annotations

from typing import Any

from flask import abort, g, render_template, request

from marketplace_app.database import db
from marketplace_app.storefront import blueprint
from marketplace_app.storefront.i18n import gettext, ngettext
from retino_core.accounts.models import Account, SalesChannel
from retino_core.channels.queries import channel_by_public_id, widget_settings
from retino_core.i18n import SUPPORTED_LANGUAGES, pick_language

#: Longest public id or token we look up; anything longer cannot exist.
MAX_PUBLIC_ID_LENGTH = 64


@blueprint.url_value_preprocessor
def resolve_channel(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if not values or "public_id" not in values:
        return
    public_id = values.pop("public_id")
    channel = channel_by_public_id(db(), public_id) if len(public_id) <= MAX_PUBLIC_ID_LENGTH else None
    if channel is None:
        abort(404)
    g.channel = channel
    g.account = db().get(Account, channel.account_id)
    g.storefront_language = channel.default_language
    g.frame_ancestors = widget_settings(db(), channel=channel).shop_domains


@blueprint.url_defaults
def keep_channel(endpoint: str, values: dict[str, Any]) -> None:
    """Links between a channel's pages keep its public id without every view passing it."""
    channel: SalesChannel | None = g.get("channel")
    if channel is not None and "public_id" not in values:
        values["public_id"] = channel.public_id


@blueprint.before_request
def closed_shop() -> Any:
    """A deactivated account's storefront says so on every page and takes nothing in."""
    account: Account | None = g.get("account")
    if account is None or account.is_active:
        return None
    status = 200 if request.method in ("GET", "HEAD") else 403
    return render_template("storefront/unavailable.html"), status


def shopper_language() -> str:
    """``?lang=`` when supported, else what the page set (the case's or channel's), else the browser's."""
    requested = request.args.get("lang")
    if requested in SUPPORTED_LANGUAGES:
        return requested
    preset = g.get("storefront_language")
    if preset:
        return pick_language(preset)
    return request.accept_languages.best_match(SUPPORTED_LANGUAGES) or "en"


@blueprint.context_processor
def storefront_texts() -> dict[str, Any]:
    """Templates of the storefront translate through its own domain, not the admin's catalog."""
    return {"_": gettext, "gettext": gettext, "ngettext": ngettext, "languages": SUPPORTED_LANGUAGES}
