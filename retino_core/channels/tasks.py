"""Channel jobs that talk to the platform through the port: putting our snippets into the shop's pages."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from retino_core.accounts.models import Account, ChannelStatus, SalesChannel
from retino_core.channels.snippets import loader_snippet, order_confirmed_snippet, widget_script_url
from retino_core.channels.sync import platform_problem, record_sync_error
from retino_core.config import Settings
from retino_core.jobs.registry import JobContext, job
from retino_core.platforms.http import AuthExpired, Forbidden
from retino_core.platforms.interface import (
    STOREFRONT_FOOTER,
    STOREFRONT_ORDER_CONFIRMED,
    Capability,
    StorefrontInjectionRequest,
)
from retino_core.platforms.protocol import PlatformAdapter
from retino_core.platforms.registry import adapter_runtime_for_session, get_adapter

logger = logging.getLogger(__name__)


def storefront_snippets(settings: Settings, channel: SalesChannel) -> tuple[StorefrontInjectionRequest, ...]:
    """What a shop taking injected HTML gets: the widget loader on every page, the form link after ordering."""
    return (
        StorefrontInjectionRequest(STOREFRONT_FOOTER, loader_snippet(widget_script_url(settings, channel))),
        StorefrontInjectionRequest(STOREFRONT_ORDER_CONFIRMED, order_confirmed_snippet(settings, channel)),
    )


def inject_snippets(settings: Settings, channel: SalesChannel, adapter: PlatformAdapter) -> bool:
    """Push :func:`storefront_snippets` through ``adapter``; True when all went in, else the channel is in ``error``."""
    for request in storefront_snippets(settings, channel):
        result = adapter.inject_storefront(request)
        if not result.is_success:
            record_sync_error(channel, f"{request.location}: {result.message}")
            return False
    return True


@job(queue="platform_sync", timeout=60, retries=(3, (10, 60, 300)))
def push_storefront(ctx: JobContext, channel_id: int) -> None:
    """(Re-)push the snippets of a connected channel whose platform takes injected HTML; others are skipped.

    Pushing replaces our earlier snippets, so running it again (a retry, a second settings change)
    leaves one copy. Rate limits and outages raise and the job is retried.
    """
    if ctx.account_id is None:
        raise ValueError("push_storefront needs an account")
    session: Session = ctx.session
    channel = SalesChannel.get_for_account(session, channel_id, ctx.account_id)
    account = session.get(Account, ctx.account_id)
    if channel is None or account is None or not account.is_active or channel.status is not ChannelStatus.connected:
        return
    try:
        adapter = get_adapter(channel, **adapter_runtime_for_session(ctx.settings, session))
    except (LookupError, ValueError) as error:
        logger.info("channel %s: no storefront push, %s", channel.id, error)
        return
    if not adapter.supports(Capability.storefront_injection):
        return
    try:
        inject_snippets(ctx.settings, channel, adapter)
    except (AuthExpired, Forbidden) as error:
        record_sync_error(channel, platform_problem(error))
