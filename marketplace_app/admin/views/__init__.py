"""Admin views, one module per screen; each only parses input, calls an action and renders."""

from marketplace_app.admin.views import (  # noqa: F401 - registers routes
    case_actions,
    case_create,
    case_detail,
    inbox,
)
