"""Encrypts platform credentials at rest with a key derived from the installation's secret key.

Rotating ``RETINO_SECRET_KEY`` therefore needs a re-encryption pass; tokens are never logged.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class CredentialsUnreadable(ValueError):
    """The stored credentials were encrypted with another secret key or were tampered with.

    A ValueError like the adapter factories' "not connected" refusals, so every place that builds
    a channel's adapter treats unreadable credentials as a channel that cannot be used right now.
    """


class CredentialCipher:
    def __init__(self, secret_key: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"retino-channel-credentials", info=b"v1").derive(
            secret_key.encode("utf-8")
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def encrypt(self, credentials: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(credentials, sort_keys=True).encode("utf-8"))

    def decrypt(self, token: bytes) -> dict[str, Any]:
        try:
            return json.loads(self._fernet.decrypt(token))  # type: ignore[no-any-return]
        except InvalidToken:
            raise CredentialsUnreadable("channel credentials cannot be decrypted with this secret key") from None
