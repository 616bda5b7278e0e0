"""Writing to an order's buyer through the platform's message centre: the link to our returns form, once.

On Allegro the buyer's e-mail is a relay address and the shop cannot put our widget into its
pages, so the way to tell buyers about our form is a message in Allegro's Message Center. When a
channel has ``message_buyers`` on, the channel sync asks :func:`buyer_message_due` for each
order it upserts and enqueues :func:`message_buyer` for those due.

The text is one of the per-language templates in ``buyer_message_templates/`` (cs, sk, pl, en,
de, hu), rendered in the sandbox the e-mail templates use (:func:`render_email_source`); only its
``text`` block is sent. It carries the pre-filled direct link of the channel's portal
(``/storefront/<public id>/start?type=return&order=<code>&email=<e-mail>``), which the portal
verifies like a typed lookup.

At most once: platforms do not deduplicate messages, so a message sent twice is shown twice.
:func:`message_buyer` claims the order before sending (row lock, ``buyer_messaged_at`` set and
committed in a transaction of its own) and only then sends; a failure after the claim is logged
and the message is not retried. A lost message is better than a duplicate: the buyer can still
reach the form through the order-confirmation e-mail's link, while a repeated message is noise
the seller cannot take back.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from retino_core import clock
from retino_core.accounts.models import Account, ChannelStatus, SalesChannel
from retino_core.config import Settings
from retino_core.i18n import SUPPORTED_LANGUAGES, pick_language
from retino_core.jobs import JobContext, job
from retino_core.messaging.render import render_email_source
from retino_core.orders.models import Order
from retino_core.platforms.http import PlatformError
from retino_core.platforms.interface import Capability
from retino_core.platforms.registry import adapter_runtime_for_session, get_adapter, session_adapter_or_none

logger = logging.getLogger(__name__)

TEMPLATE_FOLDER = Path(__file__).parent / "buyer_message_templates"
#: The language of buyers whose order names none: Allegro's buyers are mostly Polish.
DEFAULT_BUYER_LANGUAGE = "pl"
#: The case type the link opens the form for.
LINK_CASE_TYPE = "return"


def buyer_message_due(session: Session, channel: SalesChannel, order: Order) -> bool:
    """Whether ``order``'s buyer should get the link now: the channel sends messages, the order is paid and
    its buyer was not written to yet, and the channel's adapter can write to buyers (``Capability.messaging``).

    Cheap checks first; the adapter is built (no I/O) only for an order that passes them.
    """
    if not channel.message_buyers or order.paid_at is None or order.buyer_messaged_at is not None:
        return False
    if order.channel_id != channel.id or channel.status not in (ChannelStatus.connected, ChannelStatus.error):
        return False
    adapter = session_adapter_or_none(session, channel)
    return adapter is not None and adapter.supports(Capability.messaging)


def form_link(settings: Settings, channel: SalesChannel, order: Order) -> str:
    """The pre-filled direct link to the channel's returns form for ``order`` (values URL-encoded)."""
    query = urlencode({"type": LINK_CASE_TYPE, "order": order.code, "email": order.customer_email})
    return f"{settings.public_base_url.rstrip('/')}/storefront/{channel.public_id}/start?{query}"


def buyer_language(channel: SalesChannel, order: Order) -> str:
    """The order's language, else the channel's, else Polish; always one of the supported languages."""
    return pick_language(order.language, pick_language(channel.default_language, DEFAULT_BUYER_LANGUAGE))


@cache
def _template_source(language: str) -> str:
    return (TEMPLATE_FOLDER / f"{language}.jinja").read_text(encoding="utf-8")


def buyer_message_text(settings: Settings, account: Account, channel: SalesChannel, order: Order) -> str:
    """The message for ``order``'s buyer in :func:`buyer_language`, signed with the shop's name in that language."""
    language = buyer_language(channel, order)
    if language not in SUPPORTED_LANGUAGES:
        language = DEFAULT_BUYER_LANGUAGE
    branding = account.branding_for(language)
    shop_name = branding.shop_name if branding is not None and branding.shop_name else channel.name
    rendered = render_email_source(
        _template_source(language),
        language,
        {"shop_name": shop_name, "form_url": form_link(settings, channel, order), "order_code": order.code},
    )
    return rendered.text.strip()


def claim_order_for_message(session_factory: sessionmaker[Session], *, account_id: int, order_id: int) -> bool:
    """Mark ``order_id`` as messaged in a transaction of its own, committed before anything is sent.

    The order row is locked (``FOR UPDATE``), so of two jobs racing for one order exactly one
    sees ``buyer_messaged_at`` empty and gets True; the other gets False and sends nothing.
    """
    with session_factory() as session, session.begin():
        order = session.scalar(
            select(Order).where(Order.id == order_id, Order.account_id == account_id).with_for_update()
        )
        if order is None or order.buyer_messaged_at is not None:
            return False
        order.buyer_messaged_at = clock.now()
        return True


@job(queue="platform_sync", timeout=120, retries=(0, ()))
def message_buyer(ctx: JobContext, order_id: int) -> None:
    """Send ``order_id``'s buyer the link to our form through the platform, at most once (module docstring).

    Re-checks that the message is still wanted (channel setting, paid, not messaged), renders the
    text, claims the order (:func:`claim_order_for_message`) and sends. A platform failure after
    the claim is logged and nothing else is recorded; the job is not retried.
    """
    if ctx.account_id is None:
        raise ValueError("message_buyer needs an account")
    session = ctx.session
    order = Order.get_for_account(session, order_id, ctx.account_id)
    account = session.get(Account, ctx.account_id)
    channel = SalesChannel.get_for_account(session, order.channel_id, ctx.account_id) if order is not None else None
    if order is None or account is None or channel is None:
        logger.info("order %s: no buyer message, the order or its channel is gone", order_id)
        return
    if not account.is_active or not channel.message_buyers or order.paid_at is None:
        logger.info("order %s: no buyer message, not wanted any more", order_id)
        return
    try:
        adapter = get_adapter(channel, **adapter_runtime_for_session(ctx.settings, session))
    except (LookupError, ValueError) as error:
        logger.warning("order %s: no buyer message, channel %s has no adapter: %s", order_id, channel.id, error)
        return
    if not adapter.supports(Capability.messaging):
        logger.info("order %s: no buyer message, %s cannot write to buyers", order_id, channel.platform.value)
        return
    text = buyer_message_text(ctx.settings, account, channel, order)
    claim_sessions = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
    if not claim_order_for_message(claim_sessions, account_id=ctx.account_id, order_id=order.id):
        logger.info("order %s: buyer already messaged", order_id)
        return
    try:
        adapter.send_buyer_message(order.external_id, text)
    except (PlatformError, ValueError) as error:
        logger.warning("order %s: the buyer message was not sent and will not be retried: %s", order_id, error)
        return
    logger.info("order %s: buyer messaged through %s", order_id, channel.platform.value)
