"""Errors raised while reading this platform's payloads."""

from __future__ import annotations


class PayloadError(ValueError):
    """The platform sent JSON we cannot map: not JSON, a required field missing, or a value of the wrong shape."""
