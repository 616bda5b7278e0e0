"""The Shoptet add-on's install URL and its settings page.

**Install** — ``GET /connect/shoptet/install?code=<one-time code>``.

Shoptet calls it when a merchant installs the add-on and counts the install as failed unless we
answer 200 within five seconds. So this view does the one thing that cannot wait — trading the
single-use code for the e-shop's OAuth token — stores the channel (a new account for a new shop,
the old account for a reinstall) and answers; the signature key, the snippets and the order
import run in :func:`adapters.shoptet.tasks.complete_shoptet_install` after the commit.

Answers: 200 installed; 400 when the code is missing or the OAuth server refuses it (Shoptet then
shows the merchant a failed install, and nothing is stored); 503 when this installation has no
Shoptet add-on configured. The reason goes to the log, never to the caller.

**Settings** — ``GET /connect/shoptet/settings?eshop=#SHOP_ID#&lang=#LANGUAGE#&code=#OAUTH_CODE#``
is the "external add-on settings" link in Shoptet's administration. The code is verified at the
e-shop's own OAuth server (its address from ``GET /api/eshop``), which names the e-shop and the
signed-in administrator; that person is signed in to our admin in the shop's account (see
:func:`~retino_core.channels.installs.admit_shop_admin`) and lands on the channel's settings.
Anything short of a verified administrator of that very e-shop is a 403 page, and nobody is signed in.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request, session, url_for
from flask_login import login_user

from adapters.shoptet.adapter import ShoptetAdapter
from adapters.shoptet.install import (
    InstallRefused,
    OAuthServer,
    VerificationRefused,
    exchange_code,
    verify_shop_admin,
)
from adapters.shoptet.tasks import complete_shoptet_install
from marketplace_app.database import db
from marketplace_app.platforms import adapter_for, adapter_runtime
from marketplace_app.tenancy import SESSION_ACCOUNT_KEY, SessionUser
from retino_core.accounts.models import Platform
from retino_core.channels.installs import admit_shop_admin, find_installed_channel, install_channel
from retino_core.jobs import enqueue_after_commit
from retino_core.platforms.http import PlatformError

logger = logging.getLogger(__name__)

blueprint = Blueprint("connect_shoptet", __name__)


@blueprint.get("/connect/shoptet/install")
def install() -> tuple[Response, int]:
    settings = current_app.extensions["retino_settings"]
    server = OAuthServer.from_settings(settings)
    if server is None:
        logger.warning("shoptet install refused: the add-on is not configured")
        return jsonify(error="the Shoptet add-on is not configured here"), 503
    code = request.args.get("code", "")
    redirect_uri = settings.public_base_url.rstrip("/") + url_for("connect_shoptet.install")
    try:
        installation = exchange_code(server, code, redirect_uri=redirect_uri)
    except InstallRefused as refusal:
        logger.warning("shoptet install refused: %s", refusal)
        return jsonify(error="install code refused"), 400
    session = db()
    outcome = install_channel(session, installation=installation, cipher=adapter_runtime()["cipher"], settings=settings)
    enqueue_after_commit(session, complete_shoptet_install, outcome.channel.id, account_id=outcome.account.id)
    logger.info(
        "shoptet e-shop %s installed: channel %s (%s)",
        installation.external_shop_id,
        outcome.channel.id,
        "new account" if outcome.created else "reinstall",
    )
    return jsonify(status="installed"), 200


@blueprint.get("/connect/shoptet/settings")
def settings_page() -> Response:
    settings = current_app.extensions["retino_settings"]
    eshop_id = request.args.get("eshop", "").strip()
    if not eshop_id.isdigit() or len(eshop_id) > 20:
        abort(404)
    channel = find_installed_channel(db(), platform=Platform.shoptet, external_shop_id=eshop_id)
    if channel is None or channel.credentials_encrypted is None:
        abort(404)
    try:
        adapter = adapter_for(channel)
        assert isinstance(adapter, ShoptetAdapter)
        oauth_url = adapter.client.eshop_url("oauth")
        if not oauth_url:
            raise VerificationRefused("the e-shop names no OAuth server")
        admin = verify_shop_admin(
            oauth_url,
            client_id=settings.shoptet_client_id,
            code=request.args.get("code", ""),
            redirect_uri=settings.public_base_url.rstrip("/") + url_for("connect_shoptet.settings_page"),
        )
    except (VerificationRefused, PlatformError, LookupError, ValueError) as refusal:
        logger.warning("shoptet settings for e-shop %s refused: %s", eshop_id, refusal)
        abort(403)
    if admin.eshop_id != eshop_id:
        logger.warning("shoptet settings: verified for e-shop %s, asked for %s", admin.eshop_id, eshop_id)
        abort(403)
    try:
        membership = admit_shop_admin(db(), channel=channel, email=admin.email, name=admin.name)
    except PermissionError as refusal:
        logger.warning("shoptet settings for e-shop %s: %s refused: %s", eshop_id, admin.email, refusal)
        abort(403)
    session.clear()
    login_user(SessionUser(membership.user))
    session[SESSION_ACCOUNT_KEY] = channel.account_id
    logger.info("shoptet settings: %s signed in for e-shop %s", admin.email, eshop_id)
    return redirect(url_for("admin.settings_channel", channel_id=channel.id))
