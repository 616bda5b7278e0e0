"""Rate limits on finding an order by number and e-mail, shared by every storefront form that does it.

- per IP address: 5 failures a minute (flask-limiter, only failures counted, one scope for the
  portal's lookup and the withdrawal function, so alternating between them gains nothing);
- per order number: 20 failures an hour. Once an order number is over it, a lookup is still
  evaluated from an address that has not failed on that number within the hour, and refused
  (429) from one that has. The real shopper, on their own connection, therefore still gets in
  while someone hammers their order number; an attacker needs a fresh address per guess; and the
  limit expires by itself an hour after the failures stop, so no one is locked out for good.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, render_template
from flask_limiter.util import get_remote_address
from limits import parse
from werkzeug.wrappers import Response

from marketplace_app.extensions import limiter
from marketplace_app.storefront.i18n import gettext as _

#: Failed lookups allowed per IP address (flask-limiter syntax) and the scope all lookups share.
FAILURES_PER_IP = "5 per minute"
IP_SCOPE = "portal-lookup-ip"
FAILURES_PER_ORDER = parse("20 per hour")
#: Once an order number is over its limit: failures allowed per (order number, IP address).
FAILURES_PER_ORDER_AND_IP = parse("1 per hour")


def mark_failed() -> None:
    """Count this request against the per-IP limit (see ``per_ip_failures``)."""
    g.lookup_failed = True


def _failed(_response: Any) -> bool:
    return bool(g.get("lookup_failed"))


def too_many(_limit: Any = None) -> Response:
    body = render_template(
        "storefront/portal_message.html",
        title=_("Too many attempts"),
        text=_("Too many unsuccessful attempts to find an order. Please wait a while and try again."),
    )
    return current_app.response_class(body, status=429, mimetype="text/html")


def per_ip_failures() -> Any:
    """The decorator limiting failed lookups per IP address on a view's POST."""
    return limiter.limit(
        FAILURES_PER_IP,
        key_func=get_remote_address,
        methods=["POST"],
        deduct_when=_failed,
        on_breach=too_many,
        scope=IP_SCOPE,
    )


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _order_keys(order_code: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    code = order_code.strip()[:100]
    account = str(g.account.id)
    return (
        (prefix, "portal-lookup-order", account, code),
        (prefix, "portal-lookup-order-ip", account, code, get_remote_address()),
    )


def order_locked_for_this_address(order_code: str) -> bool:
    """Whether the order number is over its limit *and* this address already failed on it."""
    if not _enabled():
        return False
    order_key, address_key = _order_keys(order_code)
    strategy = limiter.limiter
    return not strategy.test(FAILURES_PER_ORDER, *order_key) and not strategy.test(
        FAILURES_PER_ORDER_AND_IP, *address_key
    )


def count_order_failure(order_code: str) -> None:
    if not _enabled():
        return
    order_key, address_key = _order_keys(order_code)
    limiter.limiter.hit(FAILURES_PER_ORDER, *order_key)
    limiter.limiter.hit(FAILURES_PER_ORDER_AND_IP, *address_key)
