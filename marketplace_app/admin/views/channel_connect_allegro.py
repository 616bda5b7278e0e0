"""Connecting an Allegro seller from the admin, and refusing an Allegro return's refund on its case.

"Connect Allegro" (``channels.manage``) offers two ways:

- **Sign in at Allegro** (authorization code): we redirect to Allegro's consent page with a signed
  ``state`` (account, user, PKCE nonce; 10 minutes) and Allegro sends the seller back to the
  public callback (:mod:`marketplace_app.connect_allegro`), which finishes the connection.
- **Code for another device** (device flow, for installations Allegro cannot call back): we show
  Allegro's user code and verification address; "Check" asks Allegro once (the page repeats it by
  itself at Allegro's interval). The pending device code lives encrypted in the Flask session,
  bound to the account and user that started it.

Either way :func:`complete_connection` reads the seller (``GET /me``), creates or reconnects the
account's Allegro channel through the core action, queues the channel's first sync after commit
and redirects to the channel's settings. Without our Allegro application in the settings the
page says so and nothing is offered.

``app.config["ALLEGRO_HOSTS"]`` (an :class:`~adapters.allegro.install.AllegroHosts`) replaces the
environment's hosts; the tests point it at their local peers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext

from adapters.allegro.errors import PayloadError
from adapters.allegro.install import (
    AllegroHosts,
    AllegroOAuth,
    DevicePollStatus,
    TokenSet,
    access_token_cache_key,
    callback_url,
    code_challenge,
    code_verifier_for,
    hosts_for,
    is_configured,
    read_seller,
    sign_state,
)
from marketplace_app.admin import blueprint
from marketplace_app.admin.views.case_detail import FormError, load_case, render_detail
from marketplace_app.admin.views.settings import actor_context, settings_context
from marketplace_app.database import db
from marketplace_app.platforms import adapter_runtime
from marketplace_app.tenancy import admin_context, requires
from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.accounts.credentials import CredentialsUnreadable
from retino_core.accounts.models import Account, ChannelStatus, Platform
from retino_core.accounts.permissions import Permission
from retino_core.cases.models import Case
from retino_core.channels.connections import PlatformConnection, connect_platform_channel
from retino_core.channels.sync import enqueue_sync
from retino_core.config import Settings
from retino_core.errors import DomainError, ErrorKind
from retino_core.intake.platform_returns import (
    MAX_REJECTION_MESSAGE_LENGTH,
    PLATFORM_MESSAGE_LIMITS,
    REJECTION_CODES,
    reject_platform_return,
    rejectable_channel,
    rejections,
)
from retino_core.platforms.http import PlatformError

#: Flask session key of the pending device flow (encrypted with the credentials cipher).
DEVICE_SESSION_KEY = "allegro_device_flow"
#: What an Allegro channel is created with: Allegro.pl sells in Poland, in złoty, in Polish.
ALLEGRO_COUNTRY, ALLEGRO_CURRENCY, ALLEGRO_LANGUAGE = "PL", "PLN", "pl"
REJECTION_LABELS = {
    "REFUND_REJECTED": lazy_gettext("Refund refused (say why)"),
    "NEW_ITEM_SENT": lazy_gettext("A new item was sent instead"),
    "ITEM_FIXED": lazy_gettext("The item was repaired"),
    "MISSING_PART_SENT": lazy_gettext("The missing part was sent"),
    "ITEM_MISMATCH": lazy_gettext("The returned item is not the one sold"),
    "BUSINESS_PURCHASE": lazy_gettext("A business purchase (no right of withdrawal)"),
    "NO_RETURN_RIGHT": lazy_gettext("No right to return"),
}
REJECTION_STATE_LABELS = {
    "pending": lazy_gettext("Waiting for Allegro"),
    "rejected": lazy_gettext("Rejected on Allegro"),
    "failed": lazy_gettext("Allegro refused the rejection"),
}


def _settings() -> Settings:
    settings: Settings = current_app.extensions["retino_settings"]
    return settings


def connect_hosts() -> AllegroHosts:
    """The Allegro hosts of this installation (``ALLEGRO_HOSTS`` in the app config wins, for tests)."""
    configured = current_app.config.get("ALLEGRO_HOSTS")
    return configured if isinstance(configured, AllegroHosts) else hosts_for(_settings().allegro_environment)


def connect_oauth() -> AllegroOAuth:
    settings = _settings()
    return AllegroOAuth(
        client_id=settings.allegro_client_id,
        client_secret=settings.allegro_client_secret,
        auth_url=connect_hosts().auth_url,
        http=adapter_runtime()["http"],
    )


# --- the page ---------------------------------------------------------------------------------


def _pending_device() -> dict[str, Any] | None:
    """The device flow this user started for this account, or None (another's, expired or unreadable)."""
    stored = session.get(DEVICE_SESSION_KEY)
    if not isinstance(stored, str):
        return None
    try:
        pending = adapter_runtime()["cipher"].decrypt(stored.encode("ascii"))
    except (CredentialsUnreadable, UnicodeEncodeError, ValueError):
        # Written under another secret key, or not by us: simply no pending flow.
        session.pop(DEVICE_SESSION_KEY, None)
        return None
    context = admin_context()
    if pending.get("account_id") != context.account.id or pending.get("user_id") != context.user.id:
        return None
    return pending


def _store_device(pending: dict[str, Any]) -> None:
    session[DEVICE_SESSION_KEY] = adapter_runtime()["cipher"].encrypt(pending).decode("ascii")


def render_connect(*, status: int = 200, error: str = "", device: dict[str, Any] | None = None) -> tuple[str, int]:
    settings = _settings()
    context = settings_context(
        configured=is_configured(settings),
        environment=settings.allegro_environment,
        callback=callback_url(settings),
        device=device if device is not None else _pending_device(),
        error=error,
    )
    return render_template("admin/connect_allegro.html", **context), status


def _not_configured() -> tuple[str, int]:
    return render_connect(status=409, error=gettext("Connecting Allegro is not configured on this installation."))


@blueprint.get("/settings/channels/allegro/connect")
@requires(Permission.channels_manage)
def connect_allegro() -> tuple[str, int]:
    return render_connect()


@blueprint.post("/settings/channels/allegro/connect/authorize")
@requires(Permission.channels_manage)
def connect_allegro_authorize() -> Any:
    """Send the member to Allegro's consent page (302); the answer comes to the public callback."""
    settings = _settings()
    if not is_configured(settings):
        return _not_configured()
    context = admin_context()
    state, started = sign_state(settings.secret_key, account_id=context.account.id, user_id=context.user.id)
    oauth = connect_oauth()
    try:
        target = oauth.authorize_url(
            redirect_uri=callback_url(settings),
            state=state,
            code_challenge=code_challenge(code_verifier_for(settings.secret_key, started.nonce)),
        )
    finally:
        oauth.close()
    return redirect(target)


@blueprint.post("/settings/channels/allegro/connect/device")
@requires(Permission.channels_manage)
def connect_allegro_device_start() -> Any:
    """Start a device flow and show its code (PRG back to the page)."""
    if not is_configured(_settings()):
        return _not_configured()
    oauth = connect_oauth()
    try:
        started = oauth.start_device_flow()
    except (PlatformError, PayloadError) as error:
        return render_connect(
            status=502, error=gettext("Allegro did not answer as expected: %(reason)s", reason=_why(error))
        )
    finally:
        oauth.close()
    context = admin_context()
    _store_device(
        {
            "account_id": context.account.id,
            "user_id": context.user.id,
            "device_code": started.device_code,
            "user_code": started.user_code,
            "verification_uri": started.verification_uri,
            "verification_uri_complete": started.verification_uri_complete,
            "interval": started.interval,
            "expires_at": started.expires_at.isoformat(),
        }
    )
    return redirect(url_for("admin.connect_allegro"))


@blueprint.post("/settings/channels/allegro/connect/device/check")
@requires(Permission.channels_manage)
def connect_allegro_device_check() -> Any:
    """Ask Allegro once whether the seller confirmed the code; connect when they did."""
    if not is_configured(_settings()):
        return _not_configured()
    pending = _pending_device()
    if pending is None:
        return render_connect(status=409, error=gettext("No connection is waiting. Start again."), device={})
    expires_at = datetime.fromisoformat(str(pending.get("expires_at")))
    if expires_at <= clock.now():
        session.pop(DEVICE_SESSION_KEY, None)
        return render_connect(status=400, error=gettext("The code has expired. Start again."), device={})
    oauth = connect_oauth()
    try:
        poll = oauth.poll_device(str(pending["device_code"]), interval=int(pending.get("interval") or 5))
    except (PlatformError, PayloadError) as error:
        return render_connect(
            status=502, error=gettext("Allegro did not answer as expected: %(reason)s", reason=_why(error))
        )
    finally:
        oauth.close()
    if poll.status in (DevicePollStatus.pending, DevicePollStatus.slow_down):
        pending["interval"] = poll.interval
        _store_device(pending)
        return render_connect(device=pending)
    session.pop(DEVICE_SESSION_KEY, None)
    if poll.status is DevicePollStatus.denied:
        return render_connect(status=400, error=gettext("The seller refused the connection at Allegro."), device={})
    if poll.status is DevicePollStatus.expired or poll.tokens is None:
        return render_connect(status=400, error=gettext("The code has expired. Start again."), device={})
    context = admin_context()
    return complete_connection(account=context.account, actor=context.actor, tokens=poll.tokens)


def _why(error: Exception) -> str:
    return error.message if isinstance(error, PlatformError) else str(error)


def complete_connection(*, account: Account, actor: Actor, tokens: TokenSet) -> Any:
    """Read the seller, connect the account's channel for them, queue its first sync, go to its settings.

    Refusals (another account has the seller, no permission) go to the error handler, so the
    request rolls back and nothing is stored.
    """
    runtime = adapter_runtime()
    try:
        seller = read_seller(runtime["http"], api_url=connect_hosts().api_url, access_token=tokens.access_token)
    except (PlatformError, PayloadError) as error:
        message = gettext("Allegro did not say which seller signed in: %(reason)s", reason=_why(error))
        return render_template("error.html", status=502, message=message), 502
    channel, created = connect_platform_channel(
        db(),
        account=account,
        actor=actor,
        cipher=runtime["cipher"],
        connection=PlatformConnection(
            platform=Platform.allegro,
            external_shop_id=seller.seller_id,
            name=seller.login,
            country=ALLEGRO_COUNTRY,
            currency=ALLEGRO_CURRENCY,
            language=ALLEGRO_LANGUAGE,
            credentials=tokens.as_credentials(),
        ),
    )
    enqueue_sync(db(), channel)
    # A token cached from an earlier connection of this channel must not outlive the new consent.
    runtime["tokens"].invalidate(access_token_cache_key(channel.id))
    if created:
        flash(gettext("The Allegro seller %(login)s is connected. The first sync is on its way.", login=seller.login))
    else:
        flash(gettext("The Allegro seller %(login)s is connected again.", login=seller.login))
    return redirect(url_for("admin.settings_channel", channel_id=channel.id))


# --- a return's rejection on the case page ----------------------------------------------------


def platform_return_panel(case: Case) -> dict[str, Any] | None:
    """What the case page shows about an Allegro return: the rejection form and earlier requests; None otherwise."""
    if not case.external_ref or case.channel is None or case.channel.platform is not Platform.allegro:
        return None
    session_ = db()
    channel = rejectable_channel(session_, case)
    requests_ = rejections(session_, case=case)
    blocked = any(item["state"] in ("pending", "rejected") for item in requests_)
    available = channel is not None and channel.status in (ChannelStatus.connected, ChannelStatus.error)
    platform = case.channel.platform
    return {
        "codes": [(code, REJECTION_LABELS.get(code, code)) for code in REJECTION_CODES.get(platform, ())],
        "requests": requests_,
        "state_labels": REJECTION_STATE_LABELS,
        "code_labels": REJECTION_LABELS,
        "limit": min(MAX_REJECTION_MESSAGE_LENGTH, PLATFORM_MESSAGE_LIMITS.get(platform, MAX_REJECTION_MESSAGE_LENGTH)),
        "can_reject": available and not blocked and admin_context().can(Permission.item_decide),
        "available": available,
    }


@blueprint.context_processor
def _platform_return_context() -> dict[str, Any]:
    return {"platform_return_panel": platform_return_panel}


@blueprint.post("/cases/<int:case_id>/platform-return/reject")
@requires(Permission.item_decide)
def case_platform_return_reject(case_id: int) -> Any:
    """Ask Allegro to refuse the return's refund (the job sends it after commit)."""
    case = load_case(case_id)
    try:
        reject_platform_return(
            db(),
            case=case,
            reason_code=request.form.get("reason_code", "")[:64],
            message=request.form.get("message", "")[:5000],
            **actor_context(),
        )
    except DomainError as error:
        if error.kind is not ErrorKind.invalid:
            raise
        db().rollback()
        return render_detail(
            case,
            status=422,
            form_errors={"platform_return": FormError.from_domain(error)},
            form_values={"platform_return": request.form.to_dict(flat=False)},
        )
    flash(gettext("The rejection was sent to Allegro; its answer will appear on the case."))
    return redirect(url_for("admin.case_detail", case_id=case.id) + "#platform-return")
