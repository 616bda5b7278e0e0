"""Translation markers for the core.

The core does not translate: it marks user-facing messages with :func:`N_` so the catalog
extractor finds them, and the edge (web, mail) translates them into the reader's language.
"""

from __future__ import annotations

#: The languages the storefront and e-mails speak; the admin speaks at least cs and en.
SUPPORTED_LANGUAGES: tuple[str, ...] = ("cs", "sk", "pl", "en", "de", "hu")
DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (gettext's no-op marker)."""
    return message


def pick_language(requested: str | None, fallback: str = DEFAULT_LANGUAGE) -> str:
    if requested:
        primary = requested.strip().lower().replace("_", "-").split("-")[0]
        if primary in SUPPORTED_LANGUAGES:
            return primary
    return fallback


def localized(names: dict[str, str] | None, language: str, fallback: str = DEFAULT_LANGUAGE) -> str:
    """The text for ``language`` from a per-language dict, falling back to English, then any."""
    if not names:
        return ""
    return names.get(language) or names.get(fallback) or next(iter(names.values()))
