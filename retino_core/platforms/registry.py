"""Adapters register a factory under their platform name; the core looks them up, never imports them.

The composition root (``marketplace_app.platforms``) registers each adapter's factory in the
process-wide :data:`default_registry` at start-up; core code then asks
``get_adapter(channel, **build_adapter_runtime(settings))`` and talks to whatever comes back
through the :class:`~retino_core.platforms.protocol.PlatformAdapter` port.

A factory is called with keyword arguments only: ``channel`` (the :class:`SalesChannel`) and the
runtime, :class:`AdapterRuntime` (``settings``, ``cipher`` to decrypt
``channel.credentials_encrypted``, ``http`` to build its :class:`PlatformHttpClient`, ``tokens``
for short-lived access tokens shared between processes, ``credentials`` to keep rotated
credentials). It builds the adapter and does no I/O, so asking an adapter what it ``supports`` is
cheap::

    def create_adapter(*, channel: SalesChannel, settings: Settings, cipher: CredentialCipher,
                       http: PlatformHttp, tokens: TokenCache, credentials: CredentialStore | None
                       ) -> ShoptetAdapter: ...
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Any, TypedDict

from retino_core.platforms.http import PlatformHttp
from retino_core.platforms.protocol import PlatformAdapter
from retino_core.platforms.tokens import CredentialStore, TokenCache, build_token_cache

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from retino_core.accounts.credentials import CredentialCipher
    from retino_core.accounts.models import SalesChannel
    from retino_core.config import Settings

logger = logging.getLogger(__name__)

AdapterFactory = Callable[..., PlatformAdapter]


class AdapterRuntime(TypedDict):
    """What every adapter factory receives besides the channel."""

    settings: Settings
    cipher: CredentialCipher
    http: PlatformHttp
    tokens: TokenCache
    #: None where no database is at hand (a factory test); adapters that rotate credentials then refuse to.
    credentials: CredentialStore | None


def build_adapter_runtime(
    settings: Settings,
    *,
    http: PlatformHttp | None = None,
    session_factory: sessionmaker[Session] | None = None,
    tokens: TokenCache | None = None,
) -> AdapterRuntime:
    """The runtime for ``settings``: the credentials cipher and, unless given, :meth:`PlatformHttp.from_settings`
    and :func:`build_token_cache`; a :class:`CredentialStore` when ``session_factory`` is given.

    Build it once per process (web app, worker) so every adapter shares the rate limiter and tokens.
    """
    from retino_core.accounts.credentials import CredentialCipher

    cipher = CredentialCipher(settings.secret_key)
    return AdapterRuntime(
        settings=settings,
        cipher=cipher,
        http=http if http is not None else PlatformHttp.from_settings(settings),
        tokens=tokens if tokens is not None else build_token_cache(settings, cipher),
        credentials=CredentialStore(session_factory, cipher) if session_factory is not None else None,
    )


_process_runtimes: dict[tuple[int, int], tuple[object, object, AdapterRuntime]] = {}


def adapter_runtime_for_session(settings: Settings, session: Session) -> AdapterRuntime:
    """The adapter runtime a job uses: one per (settings, database engine) in this process, built on first use.

    Jobs receive a session and the settings, not the composition root's runtime; sharing one
    runtime per process keeps the rate limiter's buckets and the token cache in common.
    """
    from sqlalchemy.orm import sessionmaker

    engine = session.get_bind()
    key = (id(settings), id(engine))
    found = _process_runtimes.get(key)
    if found is not None and found[0] is settings and found[1] is engine:
        return found[2]
    runtime = build_adapter_runtime(settings, session_factory=sessionmaker(bind=engine, expire_on_commit=False))
    _process_runtimes[key] = (settings, engine, runtime)
    return runtime


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


def adapter_or_none(channel: SalesChannel, **runtime: Any) -> PlatformAdapter | None:
    """``channel``'s adapter, or None when it cannot be built here and now, for callers that only ask what it supports.

    None when no adapter is registered for the platform in this process (``LookupError``), or the
    channel is not connected or its credentials are unreadable (the factories' ``ValueError``).
    """
    try:
        return get_adapter(channel, **runtime)
    except (LookupError, ValueError) as error:
        logger.info("channel %s (%s): no adapter: %s", channel.id, platform_name(channel), error)
        return None


def session_adapter_or_none(session: Session, channel: SalesChannel) -> PlatformAdapter | None:
    """:func:`adapter_or_none` with the runtime of ``session``'s settings; None too for a session built without them."""
    from retino_core.config import settings_for

    try:
        settings = settings_for(session.info)
    except RuntimeError:
        return None
    return adapter_or_none(channel, **adapter_runtime_for_session(settings, session))
