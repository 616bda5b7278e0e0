"""Text normalisation shared by search columns."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case and strip diacritics, so "novak" finds "Novák" on both databases."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def search_blob(*parts: str | None) -> str:
    return " ".join(fold(part) for part in parts if part)
