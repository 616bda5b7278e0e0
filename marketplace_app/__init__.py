"""The composition root: the only package that imports Flask. ``create_app`` wires core and adapters."""

from __future__ import annotations

from flask import Flask

from retino_core.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the WSGI app for ``settings`` (default: from ``RETINO_*`` variables). No work at import."""
    from marketplace_app import admin, database, demo_shops, errors, extensions, home, security, storefront, vendor

    resolved = (settings or Settings.from_env()).validate()
    app = Flask(__name__, instance_path=str(resolved.resolved_storage_folder.parent))
    app.config.update(
        SECRET_KEY=resolved.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=resolved.public_base_url.startswith("https://"),
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="en",
        BABEL_TRANSLATION_DIRECTORIES="translations",
        RATELIMIT_STORAGE_URI=resolved.redis_url or "memory://",
        RATELIMIT_KEY_PREFIX=f"{resolved.queue_prefix}-limits",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.extensions["retino_settings"] = resolved
    database.init_app(app, resolved)
    extensions.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    app.register_blueprint(home.blueprint)
    app.register_blueprint(vendor.blueprint)
    app.register_blueprint(demo_shops.blueprint)
    admin.init_app(app)
    storefront.init_app(app)
    from marketplace_app import webhooks  # the platforms' webhook intake

    app.register_blueprint(webhooks.blueprint)
    from marketplace_app import connect_woocommerce  # WooCommerce's app authorisation (connect flow)

    app.register_blueprint(connect_woocommerce.blueprint)
    from marketplace_app import connect_shoptet  # the Shoptet add-on's install URL

    app.register_blueprint(connect_shoptet.blueprint)
    from marketplace_app import connect_allegro  # Allegro's OAuth callback (connect flow)

    app.register_blueprint(connect_allegro.blueprint)
    from marketplace_app import platforms  # the adapters' wiring (see its docstring)

    platforms.init_app(app)
    return app
