"""Admin views, one module per screen; each only parses input, calls an action and renders."""

from marketplace_app.admin.views import (  # noqa: F401 - importing registers the routes
    account,
    bulk,
    case_actions,
    case_create,
    case_detail,
    case_documents,
    case_refunds,
    channel_connect_allegro,
    channel_connect_woocommerce,
    export,
    inbox,
    password,
    saved_filters,
    settings,
    settings_channels,
    settings_fields,
    settings_legal,
    settings_types,
    statistics,
    team,
)
