"""The HTML a shop embeds to show our storefront: the widget loader and the order-confirmation link.

The web app serves the widget; shops embed it through whatever their platform offers (the Shoptet
template include pushed by our add-on, the WordPress plugin, a pasted snippet). These builders live
in the core so every one of them prints the same markup. No inline script anywhere: the snippets
work under a shop's strict Content-Security-Policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from markupsafe import escape

from retino_core.documents.render import translations_for
from retino_core.i18n import SUPPORTED_LANGUAGES

if TYPE_CHECKING:
    from retino_core.accounts.models import SalesChannel
    from retino_core.config import Settings


def widget_script_url(settings: Settings, channel: SalesChannel) -> str:
    """The absolute URL of ``channel``'s ``widget.js``."""
    return f"{settings.public_base_url.rstrip('/')}/storefront/{channel.public_id}/widget.js"


def portal_url(settings: Settings, channel: SalesChannel) -> str:
    """The absolute URL of ``channel``'s returns portal (the choice of case types)."""
    return f"{settings.public_base_url.rstrip('/')}/storefront/{channel.public_id}/"


def loader_snippet(script_url: str, *, language: str | None = None) -> str:
    """The markup a shop embeds: one ``async`` script tag, no inline code (works under a shop's strict CSP).

    ``script_url`` is the absolute URL of the channel's ``widget.js``; ``language`` pins the
    widget's language (otherwise the page's ``<html lang>``, then the channel's default).
    """
    language_attribute = f' data-lang="{escape(language)}"' if language else ""
    return f'<script src="{escape(script_url)}"{language_attribute} async></script>'


def order_confirmed_snippet(settings: Settings, channel: SalesChannel) -> str:
    """The order-confirmation page's note: a link to our form (the widget opens it over the page when loaded).

    In the channel's language; without the widget (or JavaScript) it is a plain link to the portal.
    """
    language = channel.default_language if channel.default_language in SUPPORTED_LANGUAGES else "en"
    gettext = translations_for(language).gettext
    return (
        '<p class="retino-order-confirmed">'
        f"{escape(gettext('Need to return something or file a complaint?'))} "
        f'<a href="{escape(portal_url(settings, channel))}" data-retino-open="">'
        f"{escape(gettext('Open the returns form'))}</a></p>"
    )
