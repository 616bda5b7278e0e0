"""Response headers every page carries (reliability C5.5)."""

from __future__ import annotations

from flask import Flask, Response, g, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src {styles}; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors {ancestors}; form-action 'self'"
)
#: The storefront's pages carry no inline style at all, so shoppers get the stricter policy.
STRICT_STYLES = "'self'"
ADMIN_STYLES = "'self' 'unsafe-inline'"


def add_security_headers(response: Response) -> Response:
    """Strict headers on every answer; a page that set ``g.frame_ancestors`` may be framed by those origins only.

    The storefront portal sets them to the channel's shop domains, so the widget can show it inside
    the shop; everything else (the admin above all) can never be framed.
    """
    ancestors: tuple[str, ...] = tuple(g.get("frame_ancestors") or ())
    styles = STRICT_STYLES if request.blueprint == "storefront" else ADMIN_STYLES
    response.headers.setdefault(
        "Content-Security-Policy",
        CONTENT_SECURITY_POLICY.format(styles=styles, ancestors=" ".join(ancestors) or "'none'"),
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if not ancestors:
        response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
