"""The storefront's own translation domain, in every language shoppers are served in.

The admin's ``messages`` catalog speaks cs and en; shoppers need cs, sk, pl, en, de and hu. So
the storefront's texts, and the core's messages a shopper can meet (refusals of a case, a field,
an upload, a message), are extracted into the ``storefront`` domain with catalogs for every
language (English is the source). ``make catalog`` refreshes them; a test fails on any untranslated
entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import Domain

from retino_core.errors import DomainError

TRANSLATIONS_FOLDER = Path(__file__).resolve().parent / "translations"
DOMAIN_NAME = "storefront"

domain = Domain(translation_directories=[str(TRANSLATIONS_FOLDER)], domain=DOMAIN_NAME)
gettext = domain.gettext
ngettext = domain.ngettext
lazy_gettext = domain.lazy_gettext


def translated_error(error: DomainError) -> str:
    return gettext(error.message, **error.params) if error.params else gettext(error.message)


def translated_field_errors(messages: Any) -> Any:
    """Field messages of a refusal (nested dicts and lists, as marshmallow gives them) in the shopper's language."""
    if isinstance(messages, dict):
        return {key: translated_field_errors(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translated_field_errors(value) for value in messages]
    return gettext(messages) if isinstance(messages, str) else messages
