"""Storefront pages; each screen lives in its own module, imported here so its routes register."""

from marketplace_app.storefront import (
    certificate,  # noqa: F401
    portal,  # noqa: F401
    status_page,  # noqa: F401
    widget,  # noqa: F401
    withdrawal,  # noqa: F401
)
