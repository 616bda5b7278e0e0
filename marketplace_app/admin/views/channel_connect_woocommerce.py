"""WooCommerce in the admin: the "Connect WooCommerce store" form and the channel's refund choice.

Both need ``channels.manage``. The form POSTs the store address; a refused address re-renders the
form with the error (422, nothing stored), an accepted one creates or reuses the channel in
``waiting`` and sends the browser to the store's authorisation page (303; the rest of the flow is
:mod:`marketplace_app.connect_woocommerce`). The refund choice is a form on the channel's settings
page (``connect_woocommerce_refunds.html``, included there) handled like the other channel forms.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import redirect, render_template, request, url_for

from marketplace_app.admin import blueprint
from marketplace_app.admin.views.case_detail import FormError
from marketplace_app.admin.views.settings import actor_context, attempt, settings_context
from marketplace_app.admin.views.settings_channels import render_channel
from marketplace_app.connect_woocommerce import ConnectUnavailable, begin_woocommerce_connection, unavailable_page
from marketplace_app.database import db
from marketplace_app.platforms import adapter_runtime
from marketplace_app.tenancy import admin_context, requires
from retino_core.accounts.actions import get_channel
from retino_core.accounts.models import SalesChannel
from retino_core.accounts.permissions import Permission
from retino_core.channels.connections import set_woocommerce_refund_mode, woocommerce_refund_mode
from retino_core.errors import DomainError, ErrorKind

CONNECT_FORM = "connect"
REFUNDS_FORM = "woocommerce_refunds"


@blueprint.app_template_global("woocommerce_refund_mode")
def refund_mode(channel: SalesChannel) -> bool | None:
    """For the channel page: the WooCommerce channel's ``api_refund``, None when it has no keys yet."""
    return woocommerce_refund_mode(channel, adapter_runtime()["cipher"])


def render_connect_form(
    *, status: int = 200, form_errors: dict[str, FormError] | None = None, form_values: dict[str, Any] | None = None
) -> tuple[str, int]:
    context = settings_context()
    context.update(form_errors=form_errors or {}, form_values=form_values or {})
    return render_template("admin/connect_woocommerce.html", **context), status


@blueprint.get("/settings/channels/woocommerce/connect")
@requires(Permission.channels_manage)
def connect_woocommerce() -> tuple[str, int]:
    return render_connect_form()


@blueprint.post("/settings/channels/woocommerce/connect")
@requires(Permission.channels_manage)
def connect_woocommerce_start() -> Any:
    try:
        started = begin_woocommerce_connection(admin_context(), request.form.get("store_url", ""))
    except ConnectUnavailable:
        return unavailable_page()
    except DomainError as error:
        if error.kind is not ErrorKind.invalid:
            raise
        db().rollback()
        return render_connect_form(
            status=422,
            form_errors={CONNECT_FORM: FormError.from_domain(error)},
            form_values={CONNECT_FORM: request.form.to_dict(flat=False)},
        )
    return redirect(started.authorize_url, code=303)


@blueprint.post("/settings/channels/<int:channel_id>/woocommerce/refunds")
@requires(Permission.channels_manage)
def settings_channel_woocommerce_refunds(channel_id: int) -> Any:
    channel = get_channel(db(), account=admin_context().account, channel_id=channel_id)
    payload = {"api_refund": request.form.get("api_refund", "")}
    return attempt(
        REFUNDS_FORM,
        lambda: set_woocommerce_refund_mode(
            db(), channel_id=channel.id, payload=payload, cipher=adapter_runtime()["cipher"], **actor_context()
        ),
        success=lambda: url_for("admin.settings_channel", channel_id=channel.id) + "#woocommerce-refunds",
        render=partial(render_channel, channel),
    )
