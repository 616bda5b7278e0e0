"""Allegro's OAuth callback: ``GET /connect/allegro/callback?code=…&state=…``, where the seller's browser comes back.

Public (Allegro redirects the browser here, outside the admin), but it only finishes what a
signed-in member started: the ``state`` must be ours, at most 10 minutes old, and name the
signed-in user and an account where they may manage channels. Then the code is exchanged (with
the PKCE verifier derived from the state's nonce) and the connection is completed like the
admin's device flow (:func:`~marketplace_app.admin.views.channel_connect_allegro.complete_connection`).

Every refusal (Allegro's ``error=access_denied``, a tampered or expired state, another user's or
account's state, a refused code) is a 400 page saying what happened; nothing is stored.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, session
from flask_babel import gettext
from flask_login import current_user

from adapters.allegro.errors import PayloadError
from adapters.allegro.install import InvalidState, callback_url, code_verifier_for, is_configured, read_state
from marketplace_app.admin.views.channel_connect_allegro import complete_connection, connect_oauth
from marketplace_app.database import db
from marketplace_app.tenancy import SESSION_ACCOUNT_KEY, signed_in_user
from retino_core.accounts.actions import actor_for
from retino_core.accounts.permissions import Permission
from retino_core.accounts.queries import active_membership
from retino_core.config import Settings
from retino_core.platforms.http import PlatformError

blueprint = Blueprint("connect_allegro", __name__)


def _refuse(message: str) -> tuple[str, int]:
    return render_template("error.html", status=400, message=message), 400


@blueprint.get("/connect/allegro/callback")
def callback() -> Any:
    settings: Settings = current_app.extensions["retino_settings"]
    if not is_configured(settings):
        return _refuse(gettext("Connecting Allegro is not configured on this installation."))
    if request.args.get("error"):
        return _refuse(
            gettext(
                "Allegro did not authorise the connection (%(error)s). Nothing was connected.",
                error=request.args.get("error", "")[:100],
            )
        )
    try:
        state = read_state(settings.secret_key, request.args.get("state", ""))
    except InvalidState:
        return _refuse(gettext("This connection link is invalid or has expired. Start connecting Allegro again."))
    if not current_user.is_authenticated or signed_in_user().id != state.user_id:
        return _refuse(gettext("Another user started this connection. Sign in as that user and start again."))
    membership = active_membership(db(), account_id=state.account_id, user_id=state.user_id)
    if membership is None or not membership.account.is_active:
        return _refuse(gettext("You cannot connect channels in this account."))
    actor = actor_for(membership)
    if not actor.can(Permission.channels_manage):
        return _refuse(gettext("You cannot connect channels in this account."))
    code = request.args.get("code", "")
    if not code:
        return _refuse(gettext("Allegro sent no authorisation code. Start connecting Allegro again."))
    oauth = connect_oauth()
    try:
        tokens = oauth.exchange_code(
            code=code,
            redirect_uri=callback_url(settings),
            code_verifier=code_verifier_for(settings.secret_key, state.nonce),
        )
    except (PlatformError, PayloadError):
        return _refuse(gettext("Allegro did not accept the authorisation code. Start connecting Allegro again."))
    finally:
        oauth.close()
    session[SESSION_ACCOUNT_KEY] = state.account_id
    return complete_connection(account=membership.account, actor=actor, tokens=tokens)
