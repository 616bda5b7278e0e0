"""Adapters register a factory under their platform name; the core looks them up, never imports them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from retino_core.platforms.protocol import PlatformAdapter

AdapterFactory = Callable[..., PlatformAdapter]


class AdapterRegistry:
    def __init__(self) -> None:
        self._factories: dict[str, AdapterFactory] = {}

    def register(self, platform: str, factory: AdapterFactory) -> None:
        if platform in self._factories:
            raise ValueError(f"an adapter for {platform!r} is already registered")
        self._factories[platform] = factory

    def create(self, platform: str, **kwargs: Any) -> PlatformAdapter:
        try:
            factory = self._factories[platform]
        except KeyError:
            raise LookupError(f"no adapter registered for {platform!r}") from None
        return factory(**kwargs)

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(sorted(self._factories))
