"""Building blocks for checking a webhook's HMAC signature header against its raw body."""

from __future__ import annotations

import hmac
from collections.abc import Mapping


def single_header(headers: Mapping[str, str], name: str) -> str | None:
    """The header's value looked up case-insensitively; None when absent, not text, or sent twice differently."""
    wanted = name.lower()
    matches = [value for key, value in headers.items() if isinstance(key, str) and key.lower() == wanted]
    if not matches or not all(isinstance(value, str) for value in matches) or len(set(matches)) != 1:
        return None
    return matches[0]


def hmac_digest(secret: str, body: bytes, algorithm: str) -> bytes:
    """The raw HMAC of ``body`` under the UTF-8 bytes of ``secret``; ``algorithm`` is a hashlib name (``"sha1"``)."""
    return hmac.new(secret.encode("utf-8"), body, algorithm).digest()


def equals_constant_time(expected: bytes, received: str) -> bool:
    """True only when ``received`` is ASCII and its bytes equal ``expected``; the comparison is constant-time."""
    if not received.isascii():
        return False
    return hmac.compare_digest(expected, received.encode("ascii"))
