"""Errors raised while reading this platform's payloads: the core's :class:`PayloadError`, shared by all adapters."""

from __future__ import annotations

from retino_core.platforms.payload import PayloadError

__all__ = ["PayloadError"]
