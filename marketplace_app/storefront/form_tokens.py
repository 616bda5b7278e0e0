"""Signed form tokens: the storefront's anti-forgery guard, since it can use no session cookie.

The storefront runs in an iframe on the shop's domain, where browsers do not send our cookies, so
Flask-WTF's session-bound CSRF token cannot work there and the views are exempt from it. No
ambient credential exists either (no cookie, no HTTP auth): a forged cross-site request has no
authority to ride on. What every POST must carry instead is a token signed with the app's secret
(``itsdangerous``) that names the form's purpose, what the form is bound to (a channel, a draft,
a case) and a random nonce, and that expires after two hours. A missing, forged, expired or
foreign token means the form was not ours: the view answers 400 and stores nothing. The nonce
lets a form that may only take effect once (confirming a withdrawal) recognise a second submit.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "storefront-form"
MAX_AGE_SECONDS = 2 * 60 * 60
#: The input every storefront form posts its token in.
FIELD = "form_token"
#: Longer tokens are not ours; refused before any signature work.
MAX_TOKEN_LENGTH = 2000


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=SALT)


def issue(purpose: str, binding: str, **bound: str) -> str:
    """A token for one form: its purpose, what it is bound to, a fresh nonce (``k``) and ``bound`` values."""
    return _serializer().dumps({"p": purpose, "b": binding, "k": secrets.token_urlsafe(18), **bound})


def read(purpose: str, binding: str, token: str | None = None) -> dict[str, str] | None:
    """The posted token's content when it is ours, fresh, for ``purpose`` and ``binding``; else None."""
    token = request.form.get(FIELD, "") if token is None else token
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        content: Any = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(content, dict) or content.get("p") != purpose or content.get("b") != binding:
        return None
    if not all(isinstance(value, str) for value in content.values()):
        return None
    return content
