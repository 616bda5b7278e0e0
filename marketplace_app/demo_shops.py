"""Three demo storefronts for ``make run``: the whole shopper journey can be tried on the demo data.

- ``/demo/shops/shoptet``: a Shoptet shop's "order confirmed" page with the loader snippet in its
  footer exactly as the Shoptet template-include API injects it (``common-footer``, at most 8,192
  characters) and a "return / complaint" link that opens the portal pre-filled for that order.
- ``/demo/shops/woocommerce``: a WooCommerce "My account" page with the script tag the WordPress
  plugin prints in the footer (``wp_enqueue_script`` with the ``async`` strategy) and a "Returns
  and complaints" entry in the account menu.
- ``/demo/shops/allegro``: an Allegro order-confirmation e-mail with the direct link
  ``/storefront/<public_id>/start?type=return&email={email}&order={order_code}`` filled in.

The pages belong to the embedded demo only (a production installation answers 404) and imitate
merchants' pages, so the shop's own texts are in the shop's language and are not ours to translate.
They are served from this installation's origin, which the demo channels list among their shop
domains (see ``demo.py``), so the portal may be framed there. Each page uses the most recent demo
order of its channel that has no case yet, so a return can really be filed from it.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from babel.numbers import format_currency
from flask import Blueprint, abort, render_template, url_for
from markupsafe import Markup, escape
from sqlalchemy import exists, select

from marketplace_app.database import db, runtime
from marketplace_app.demo import DEMO_SLUG
from retino_core.accounts.models import Account, Platform, SalesChannel
from retino_core.cases.models import Case
from retino_core.channels.snippets import loader_snippet
from retino_core.orders.models import Order

blueprint = Blueprint("demo_shops", __name__)

#: The WordPress plugin's script handle and version, as ``wp_enqueue_script`` prints them.
WOOCOMMERCE_HANDLE = "retino-widget"
WOOCOMMERCE_PLUGIN_VERSION = "1.0.0"
#: What the merchant writes into the e-mail template; the platform fills the placeholders.
DIRECT_LINK_TEMPLATE = "start?type=return&email={email}&order={order_code}"

PAGES = {"shoptet": Platform.shoptet, "woocommerce": Platform.woocommerce, "allegro": Platform.allegro}


def woocommerce_markup(script_url: str, *, language: str) -> str:
    """The tag WordPress prints for the plugin's script (async strategy, the version as ``?ver=``)."""
    source = f"{script_url}?{urlencode({'ver': WOOCOMMERCE_PLUGIN_VERSION})}"
    return (
        f'<script src="{escape(source)}" id="{WOOCOMMERCE_HANDLE}-js" data-lang="{escape(language)}" '
        'async data-wp-strategy="async"></script>'
    )


def direct_link(channel: SalesChannel, *, case_type: str, email: str, order_code: str) -> str:
    """A direct link into the channel's portal for one order (absolute, as it goes into an e-mail)."""
    start = url_for("storefront.widget_script", channel_public_id=channel.public_id, _external=True)
    query = urlencode({"type": case_type, "email": email, "order": order_code})
    return f"{start.removesuffix('widget.js')}start?{query}"


def _demo_channel(platform: Platform) -> SalesChannel:
    session = db()
    account_id = session.scalar(select(Account.id).where(Account.slug == DEMO_SLUG))
    if account_id is None:
        abort(404)
    channel = session.scalar(
        SalesChannel.select_for_account(account_id)
        .where(SalesChannel.platform == platform)
        .order_by(SalesChannel.id)
        .limit(1)
    )
    if channel is None:
        abort(404)
    return channel


def _order_without_case(channel: SalesChannel) -> Order | None:
    return db().scalar(
        Order.select_for_account(channel.account_id)
        .where(Order.channel_id == channel.id, ~exists().where(Case.order_id == Order.id))
        .order_by(Order.ordered_at.desc(), Order.id.desc())
        .limit(1)
    )


@blueprint.get("/demo/shops/<name>")
def shop(name: str) -> str:
    if runtime().settings.is_production or name not in PAGES:
        abort(404)
    channel = _demo_channel(PAGES[name])
    order = _order_without_case(channel)
    script_url = url_for("storefront.widget_script", channel_public_id=channel.public_id, _external=True)
    if name == "shoptet":
        embed = loader_snippet(script_url, language=channel.default_language)
    elif name == "woocommerce":
        embed = woocommerce_markup(script_url, language=channel.default_language)
    else:
        embed = ""
    link = direct_link(channel, case_type="return", email=order.customer_email, order_code=order.code) if order else ""
    portal = script_url.removesuffix("widget.js")
    return render_template(
        f"demo_shops/{name}.html",
        channel=channel,
        order=order,
        embed=Markup(embed),  # noqa: S704 - built from escaped values above
        embed_source=embed,
        direct_link=link,
        portal_url=portal,
        link_template=portal + DIRECT_LINK_TEMPLATE,
        money=lambda amount: format_currency(Decimal(amount), channel.currency, locale=channel.default_language),
    )
