"""Extension objects created unbound and attached in ``create_app``."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel, get_locale
from flask_wtf import CSRFProtect

from retino_core.i18n import SUPPORTED_LANGUAGES

#: The admin speaks these; the storefront and e-mails speak all SUPPORTED_LANGUAGES.
ADMIN_LANGUAGES = ("cs", "en")

babel = Babel()
csrf = CSRFProtect()


def select_locale() -> str:
    requested = request.args.get("lang")
    if requested in SUPPORTED_LANGUAGES:
        return requested
    return request.accept_languages.best_match(SUPPORTED_LANGUAGES) or "en"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    app.jinja_env.globals["get_locale"] = get_locale
