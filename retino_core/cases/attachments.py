"""What an attachment may be: recognised by its first bytes, never by its name or declared type."""

from __future__ import annotations

import re
import unicodedata

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS_PER_CASE = 10

#: Magic-byte prefixes of the file kinds we accept, mapped to (content type, suffix).
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


def sniff_content_type(data: bytes) -> tuple[str, str] | None:
    """``(content_type, suffix)`` for an accepted kind of file, else None. WebP needs RIFF…WEBP."""
    for prefix, content_type, suffix in _SIGNATURES:
        if data.startswith(prefix):
            return content_type, suffix
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


def display_filename(filename: str, fallback: str = "attachment") -> str:
    """A harmless name to show: no path, no control characters, no leading dots, at most 120 chars."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    return name[:120] or fallback
