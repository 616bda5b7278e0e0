"""The storefront: what shoppers see. The returns portal of a channel, the case status page, the badge.

Shoppers never sign in. A channel's pages are addressed by its random ``public_id``; a case's
status page by its access token. Every text comes from the ``storefront`` translation domain (see
``i18n.py``) in the shopper's language: ``?lang=`` first, then the case's or the channel's
language. A deactivated account's portal answers every page with "not available" and files nothing.
"""

from __future__ import annotations

from flask import Blueprint, Flask

blueprint = Blueprint(
    "storefront", __name__, template_folder="templates", static_folder="static", static_url_path="/storefront/static"
)


def init_app(app: Flask) -> None:
    from marketplace_app.storefront import context, views  # noqa: F401 - registers hooks and routes

    app.register_blueprint(blueprint)
