"""Adapters register a factory under their platform name; the core looks them up, never imports them.

The composition root (``marketplace_app.platforms``) registers each adapter's factory in the
process-wide :data:`default_registry` at start-up; core code then asks
``get_adapter(channel, **build_adapter_runtime(settings))`` and talks to whatever comes back
through the :class:`~retino_core.platforms.protocol.PlatformAdapter` port.

A factory is called with keyword arguments only: ``channel`` (the :class:`SalesChannel`) and the
runtime, :class:`AdapterRuntime` (``settings``, ``cipher`` to decrypt
``channel.credentials_encrypted``, ``http`` to build its :class:`PlatformHttpClient`). It builds
the adapter and does no I/O, so asking an adapter what it ``supports`` is cheap::

    def create_adapter(*, channel: SalesChannel, settings: Settings, cipher: CredentialCipher,
                       http: PlatformHttp) -> ShoptetAdapter: ...
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Any, TypedDict

from retino_core.platforms.http import PlatformHttp
from retino_core.platforms.protocol import PlatformAdapter

if TYPE_CHECKING:
    from retino_core.accounts.credentials import CredentialCipher
    from retino_core.accounts.models import SalesChannel
    from retino_core.config import Settings

AdapterFactory = Callable[..., PlatformAdapter]


class AdapterRuntime(TypedDict):
    """What every adapter factory receives besides the channel."""

    settings: Settings
    cipher: CredentialCipher
    http: PlatformHttp


def build_adapter_runtime(settings: Settings, *, http: PlatformHttp | None = None) -> AdapterRuntime:
    """The runtime for ``settings``: the credentials cipher and, unless given, :meth:`PlatformHttp.from_settings`.

    Build it once per process (web app, worker) so every adapter shares the rate limiter.
    """
    from retino_core.accounts.credentials import CredentialCipher

    return AdapterRuntime(
        settings=settings,
        cipher=CredentialCipher(settings.secret_key),
        http=http if http is not None else PlatformHttp.from_settings(settings),
    )


class AdapterRegistry:
    def __init__(self) -> None:
        self._factories: dict[str, AdapterFactory] = {}

    def register(self, platform: str, factory: AdapterFactory) -> None:
        """Register ``factory`` for ``platform``; a second registration for the same name is refused."""
        if platform in self._factories:
            raise ValueError(f"an adapter for {platform!r} is already registered")
        self._factories[platform] = factory

    def factory_for(self, platform: str) -> AdapterFactory | None:
        return self._factories.get(platform)

    def create(self, platform: str, **kwargs: Any) -> PlatformAdapter:
        """Call ``platform``'s factory with ``kwargs``; LookupError when nothing is registered for it."""
        try:
            factory = self._factories[platform]
        except KeyError:
            raise LookupError(f"no adapter registered for {platform!r}") from None
        return factory(**kwargs)

    def get_adapter(self, channel: SalesChannel, **runtime: Any) -> PlatformAdapter:
        """The adapter for ``channel``, built by its platform's factory as ``factory(channel=channel, **runtime)``.

        ``runtime`` is normally :func:`build_adapter_runtime`'s result. LookupError when the
        channel's platform has no adapter registered in this process.
        """
        return self.create(platform_name(channel), channel=channel, **runtime)

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(sorted(self._factories))


def platform_name(channel: Any) -> str:
    """``channel.platform`` as the registry's key: the enum's value (``Platform.shoptet`` → ``"shoptet"``)."""
    platform = channel.platform
    return str(platform.value) if isinstance(platform, Enum) else str(platform)


#: The process-wide registry, filled by the composition root at start-up.
default_registry = AdapterRegistry()


def register(platform: str, factory: AdapterFactory) -> None:
    """Register ``factory`` for ``platform`` in :data:`default_registry`."""
    default_registry.register(platform, factory)


def get_adapter(channel: SalesChannel, **runtime: Any) -> PlatformAdapter:
    """The adapter for ``channel`` from :data:`default_registry` (see :meth:`AdapterRegistry.get_adapter`)."""
    return default_registry.get_adapter(channel, **runtime)
