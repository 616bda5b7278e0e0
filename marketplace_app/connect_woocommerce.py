"""Connecting a WooCommerce store: WooCommerce's app authorisation, from our admin or from the WordPress plugin.

The merchant starts either in our admin (the "Connect WooCommerce store" form,
:mod:`marketplace_app.admin.views.channel_connect_woocommerce`) or from the plugin in WordPress,
which links to ``GET /connect/woocommerce/start?store_url=…&return_url=…``. That page needs a
signed-in member with ``channels.manage`` (anyone else is sent to sign in first) and asks them to
confirm which account the store joins: a link alone must never connect a store, or anyone could
get a merchant to connect a shop of theirs (and feed orders into the account) by a link. The
confirmation POSTs here; :func:`begin_woocommerce_connection` creates or reuses the channel in
``waiting`` and sends the browser to the store's ``/wc-auth/v1/authorize``.

- ``POST /connect/woocommerce/callback`` is the store's server handing us the keys (JSON, no
  CSRF token, no session). Answers: 200 ``{"status": "connected"}`` (keys stored, first sync
  enqueued after commit), 200 ``{"status": "unchanged"}`` for a replayed callback, 400 with a short
  English reason for anything else (nothing stored; the reason is logged too). WooCommerce deletes
  the keys it made unless the answer is exactly 200.
- ``GET /connect/woocommerce/return?success=1|0&user_id=…`` is where WooCommerce sends the browser
  back: the channel's settings page (or the plugin's ``return_url`` with ``retino_channel``
  added) on success, a page saying the merchant declined otherwise (the channel stays waiting).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from adapters.woocommerce_bridge.install import (
    ConnectRefused,
    accepted_return_url,
    authorize_url,
    callback_url_allowed,
    credentials_after_connect,
    parse_callback,
    plugin_return_url,
    read_connect_token,
    sign_connect_token,
)
from marketplace_app.database import db
from marketplace_app.errors import translated_message
from marketplace_app.extensions import csrf, limiter
from marketplace_app.platforms import adapter_runtime
from marketplace_app.tenancy import AdminContext, load_admin_context
from retino_core.accounts.models import ChannelStatus, Platform, SalesChannel
from retino_core.accounts.permissions import Permission
from retino_core.channels.connections import (
    complete_woocommerce_connection,
    normalise_woocommerce_store_url,
    start_woocommerce_connection,
)
from retino_core.channels.queries import channel_by_public_id
from retino_core.channels.sync import enqueue_sync
from retino_core.config import Settings
from retino_core.errors import DomainError, ErrorKind

logger = logging.getLogger(__name__)

blueprint = Blueprint("connect_woocommerce", __name__)


class ConnectUnavailable(Exception):
    """This installation cannot take a store's keys: WooCommerce posts them only to an https callback."""


@dataclass(frozen=True)
class StartedConnection:
    channel: SalesChannel
    #: Where to send the merchant: the store's authorisation page.
    authorize_url: str


def _settings() -> Settings:
    settings: Settings = current_app.extensions["retino_settings"]
    return settings


def _public_url(endpoint: str) -> str:
    """An absolute URL of ours on the configured public address (never the request's Host header)."""
    return _settings().public_base_url.rstrip("/") + url_for(endpoint)


def begin_woocommerce_connection(context: AdminContext, store_url: str, return_url: str = "") -> StartedConnection:
    """Create or reuse the channel for ``store_url`` (:func:`start_woocommerce_connection`) and build the
    store's authorisation URL with a fresh signed ``user_id``.

    ``return_url`` (the plugin's) is kept only when it is on the store's host. Raises the core's
    :class:`DomainError` for a refused store URL, :class:`ConnectUnavailable` when our callback
    would not be https in production. The caller's request commits (or, answering an error, not).
    """
    settings = _settings()
    callback = _public_url("connect_woocommerce.callback")
    if not callback_url_allowed(callback, production=settings.is_production):
        raise ConnectUnavailable(callback)
    channel = start_woocommerce_connection(
        db(),
        account=context.account,
        actor=context.actor,
        payload={"store_url": store_url},
        allow_plain_http=not settings.is_production,
    )
    plugin_url = accepted_return_url(return_url, channel.shop_url)
    if return_url and not plugin_url:
        logger.info("woocommerce connect of channel %s: return_url on another host ignored", channel.id)
    token = sign_connect_token(
        settings.secret_key,
        channel_public_id=channel.public_id,
        store_url=channel.external_shop_id,
        return_url=plugin_url,
    )
    url = authorize_url(
        channel.shop_url,
        user_id=token,
        return_url=_public_url("connect_woocommerce.finish"),
        callback_url=callback,
    )
    logger.info("woocommerce connect of channel %s: merchant sent to the store to authorise", channel.id)
    return StartedConnection(channel=channel, authorize_url=url)


def _page(template: str, status: int, **context: object) -> tuple[str, int]:
    return render_template(f"admin/{template}.html", **context), status


def unavailable_page() -> tuple[str, int]:
    logger.error("woocommerce connect: the public base URL is not https, WooCommerce would refuse the callback")
    message = gettext("Connecting WooCommerce stores needs this installation to be reachable over https.")
    return _page("connect_woocommerce_failed", 503, message=message)


def _signed_in_manager() -> AdminContext | Response | tuple[str, int]:
    """The member's context, or the answer for a visitor who may not connect a store."""
    if not current_user.is_authenticated:
        # Back to the confirmation page after signing in; a POST cannot be repeated by a redirect.
        return redirect(url_for("admin.login", next=request.full_path if request.method == "GET" else None))
    context = load_admin_context()
    if context is None:
        return render_template("admin/no_account.html"), 403
    g.admin = context
    if not context.can(Permission.channels_manage):
        abort(403)
    return context


@blueprint.get("/connect/woocommerce/start")
def start() -> object:
    """The plugin's entry: after sign-in, a page to confirm which account the store joins (no change yet)."""
    context = _signed_in_manager()
    if not isinstance(context, AdminContext):
        return context
    store_url, return_url = request.args.get("store_url", ""), request.args.get("return_url", "")
    try:
        normalised = normalise_woocommerce_store_url(store_url, allow_plain_http=not _settings().is_production)
    except DomainError as refused:
        return _page("connect_woocommerce_failed", 400, message=translated_message(refused))
    accepted = accepted_return_url(return_url, normalised)
    return _page(
        "connect_woocommerce_confirm",
        200,
        store_url=normalised,
        return_url=accepted,
        return_url_ignored=bool(return_url.strip()) and not accepted,
    )


@blueprint.post("/connect/woocommerce/start")
def start_confirmed() -> object:
    """The confirmation: create or reuse the channel and send the merchant to the store (303)."""
    context = _signed_in_manager()
    if not isinstance(context, AdminContext):
        return context
    try:
        started = begin_woocommerce_connection(
            context, request.form.get("store_url", ""), request.form.get("return_url", "")
        )
    except ConnectUnavailable:
        return unavailable_page()
    except DomainError as refused:
        if refused.kind is not ErrorKind.invalid:
            raise
        return _page("connect_woocommerce_failed", 400, message=translated_message(refused))
    return redirect(started.authorize_url, code=303)


@blueprint.post("/connect/woocommerce/callback")
@csrf.exempt
@limiter.limit("60 per minute")
def callback() -> tuple[Response, int]:
    """The store hands over its keys (see the module docstring for the answers)."""
    settings = _settings()
    session = db()
    try:
        keys = parse_callback(request.get_data(cache=False))
        token = read_connect_token(settings.secret_key, keys.user_id)
        channel, changed = complete_woocommerce_connection(
            session,
            channel_public_id=token.channel_public_id,
            store_url=token.store_url,
            cipher=adapter_runtime()["cipher"],
            credentials=lambda current: credentials_after_connect(
                current, keys, nonce=token.nonce, import_days=settings.platform_import_days
            ),
        )
    except ConnectRefused as refused:
        logger.warning("woocommerce connect callback refused: %s", refused.reason)
        return jsonify(error=refused.reason), 400
    except DomainError as refused:
        logger.warning("woocommerce connect callback refused: %s (%s)", refused.render(), refused.code.value)
        return jsonify(error=refused.render()), 400
    if not changed:
        logger.info("woocommerce connect callback for channel %s: replayed, nothing changed", channel.id)
        return jsonify(status="unchanged"), 200
    enqueue_sync(session, channel)
    logger.info("woocommerce connect callback for channel %s: keys %s stored, sync enqueued", channel.id, keys.key_id)
    return jsonify(status="connected"), 200


@blueprint.get("/connect/woocommerce/return")
def finish() -> object:
    """Where WooCommerce sends the browser back after the merchant approved (``success=1``) or declined."""
    try:
        token = read_connect_token(_settings().secret_key, request.args.get("user_id", ""))
    except ConnectRefused as refused:
        logger.info("woocommerce connect return refused: %s", refused.reason)
        message = gettext("This link is not valid any more. Start connecting the store again.")
        return _page("connect_woocommerce_failed", 400, message=message)
    channel = channel_by_public_id(db(), token.channel_public_id)
    if channel is None or channel.platform is not Platform.woocommerce or channel.external_shop_id != token.store_url:
        return _page("connect_woocommerce_failed", 404, message=gettext("Channel not found."))
    if request.args.get("success") != "1":
        logger.info("woocommerce connect of channel %s: the merchant declined", channel.id)
        return _page("connect_woocommerce_declined", 200, store_url=channel.shop_url, return_url=token.return_url)
    if channel.status is not ChannelStatus.connected:
        logger.warning("woocommerce connect of channel %s: approved, but no keys arrived", channel.id)
        message = gettext(
            "The store approved the connection, but its keys did not reach us. Start connecting the store again."
        )
        return _page("connect_woocommerce_failed", 409, message=message)
    if token.return_url:
        return redirect(plugin_return_url(token.return_url, channel.public_id), code=303)
    flash(gettext("Your WooCommerce store %(store)s is connected. Its orders are being imported.", store=channel.name))
    return redirect(url_for("admin.settings_channel", channel_id=channel.id), code=303)
