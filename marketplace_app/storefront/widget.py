"""The embeddable widget: one static script for every channel, and the per-channel JSON it reads.

A shop embeds ``<script src=".../storefront/<public_id>/widget.js" data-lang="cs" async></script>``
(:func:`retino_core.channels.snippets.loader_snippet`, printed by the Shoptet template include and
the WordPress plugin). The script is the same file for every channel: it finds its channel from its own URL, fetches
``widget.json`` and injects, inside a shadow root, the launcher, the certificate badge and the
overlay that shows the portal in an iframe. The portal's ``frame-ancestors`` (see ``context.py``)
limits where that iframe may appear.

These two routes resolve the channel themselves (``<channel_public_id>``, not the portal's
``<public_id>``): the portal answers a deactivated account's every request with an HTML page,
whereas the widget must stay JavaScript and must *say* in its JSON that the service is not
available, so the shop's page shows that instead of a broken launcher.

``widget.json`` is read cross-origin by the shop's page: it carries ``Access-Control-Allow-Origin``
only for an ``Origin`` among the channel's shop domains (exact, or a ``*.`` wildcard matching
subdomains, as CSP matches them), never ``*`` and never credentials. It reveals nothing a shop
visitor may not see anyway (offered types, labels, the public certificate figures). URLs in it
are root-relative: the script resolves them against its own origin, so they stay right behind any
host name the installation is reached by.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, g, jsonify, request
from flask_babel import format_percent, get_locale

from marketplace_app.database import db
from marketplace_app.storefront import blueprint
from marketplace_app.storefront.context import MAX_PUBLIC_ID_LENGTH
from marketplace_app.storefront.i18n import gettext as _
from marketplace_app.storefront.i18n import ngettext
from retino_core.accounts.models import Account, SalesChannel
from retino_core.case_types.models import CaseKind
from retino_core.channels.queries import WidgetConfig, channel_by_public_id, widget_config
from retino_core.channels.schemas import InvalidOrigin, normalise_origin
from retino_core.i18n import localized
from retino_core.ratings.queries import current_certificate

WIDGET_SCRIPT = Path(__file__).resolve().parent / "static" / "widget.js"
#: The script changes only with a release; an hour keeps shops fast and a fix arrives the same day.
SCRIPT_MAX_AGE = 3600
#: The configuration follows the merchant's settings and the nightly certificate within a minute.
CONFIG_MAX_AGE = 60


def origin_allowed(origin: str, shop_domains: tuple[str, ...]) -> bool:
    """Whether a browser's ``Origin`` is one of the channel's shop domains.

    An entry matches its exact origin; ``https://*.example.cz`` matches any subdomain of
    ``example.cz`` (not ``example.cz`` itself) with the same scheme and port, like CSP host sources.
    """
    try:
        normalised = normalise_origin(origin)
    except InvalidOrigin:
        return False
    if "*" in normalised:
        return False
    scheme, _, authority = normalised.partition("://")
    host, _, port = authority.partition(":")
    for allowed in shop_domains:
        if allowed == normalised:
            return True
        allowed_scheme, _, allowed_authority = allowed.partition("://")
        allowed_host, _, allowed_port = allowed_authority.partition(":")
        if (
            allowed_host.startswith("*.")
            and allowed_scheme == scheme
            and allowed_port == port
            and host.endswith(allowed_host[1:])
        ):
            return True
    return False


def _channel_or_404(public_id: str) -> SalesChannel:
    channel = channel_by_public_id(db(), public_id) if len(public_id) <= MAX_PUBLIC_ID_LENGTH else None
    if channel is None:
        abort(404)
    return channel


@blueprint.get("/storefront/<channel_public_id>/widget.js")
def widget_script(channel_public_id: str) -> Response:
    """The widget's code: static, the same for every channel, cacheable for an hour and revalidated by ETag."""
    _channel_or_404(channel_public_id)
    body = WIDGET_SCRIPT.read_bytes()
    response = Response(body, mimetype="text/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = SCRIPT_MAX_AGE
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return response.make_conditional(request)


@blueprint.get("/storefront/<channel_public_id>/widget.json")
def widget_json(channel_public_id: str) -> Response:
    """What the widget shows for the channel, in the shopper's language (``?lang=``, else the channel's)."""
    channel = _channel_or_404(channel_public_id)
    session = db()
    account = session.get(Account, channel.account_id)
    if account is None:
        abort(404)
    g.storefront_language = channel.default_language
    config = widget_config(session, channel)
    language = str(get_locale() or channel.default_language)
    response = jsonify(_payload(channel, account, config, language))
    response.vary.add("Origin")
    response.cache_control.public = True
    response.cache_control.max_age = CONFIG_MAX_AGE
    origin = request.headers.get("Origin")
    if origin and origin_allowed(origin, config.shop_domains):
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


def _payload(channel: SalesChannel, account: Account, config: WidgetConfig, language: str) -> dict[str, Any]:
    base = f"{request.script_root}/storefront/{channel.public_id}/"
    lang = urlencode({"lang": language})
    labels = {
        "open": _("Returns and complaints"),
        "close": _("Close"),
        "unavailable": _("The returns service is not available"),
        "contact": _(
            "This shop does not take returns and complaints here at the moment. Please contact the shop directly."
        ),
    }
    payload: dict[str, Any] = {
        "available": account.is_active,
        "language": language,
        "side": config.badge_side.value,
        "shop_url": channel.shop_url,
        "portal_url": f"{base}?{lang}",
        "case_types": [],
        "badge": None,
        "labels": labels,
    }
    if not account.is_active:
        return payload
    payload["case_types"] = [
        {
            "code": case_type.code,
            "name": localized(case_type.names, language) or case_type.code,
            "url": f"{base}withdraw?{lang}"
            if case_type.kind is CaseKind.withdrawal
            else f"{base}start?{urlencode({'type': case_type.code, 'lang': language})}",
        }
        for case_type in config.offered_case_types
    ]
    certificate = current_certificate(db(), account.id)
    if certificate.is_earned and certificate.percent is not None:
        payload["badge"] = {
            "percent": certificate.percent,
            "ratings_count": certificate.ratings_count,
            "url": f"{base}certificate?{lang}",
        }
        labels["badge_title"] = _("Effortless returns")
        labels["badge_share"] = _("%(percent)s satisfied", percent=format_percent(certificate.percent / 100))
        labels["badge_count"] = ngettext("%(num)d rating", "%(num)d ratings", certificate.ratings_count)
    return payload
