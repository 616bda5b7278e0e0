"""Extension objects created unbound and attached in ``create_app``."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, request
from flask_babel import Babel, format_timedelta, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf import CSRFProtect

from retino_core.accounts.permissions import Permission
from retino_core.i18n import SUPPORTED_LANGUAGES

#: The admin speaks these; the storefront and e-mails speak all SUPPORTED_LANGUAGES.
ADMIN_LANGUAGES = ("cs", "en")

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "admin.login"
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def select_locale() -> str:
    """The shopper's language in the storefront; elsewhere ``?lang=``, the admin user's language, the browser's."""
    if request.blueprint == "storefront":
        from marketplace_app.storefront.context import shopper_language

        return shopper_language()
    requested = request.args.get("lang")
    if requested in SUPPORTED_LANGUAGES:
        return requested
    if request.blueprint == "admin" and current_user.is_authenticated and current_user.language in ADMIN_LANGUAGES:
        return str(current_user.language)
    return request.accept_languages.best_match(SUPPORTED_LANGUAGES) or "en"


def format_countdown(due_at: datetime, now: datetime) -> str:
    """ "in 3 days" or "2 days ago" in the reader's language."""
    return format_timedelta(due_at - now, add_direction=True, threshold=1.1)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["Permission"] = Permission
    app.jinja_env.filters["format_countdown"] = format_countdown
