"""Wires the platform adapters into the core's registry: the one place where adapters and the core meet.

The core never imports an adapter; ``create_app`` calls :func:`init_app`, which registers every
factory in :data:`ADAPTER_FACTORIES` in the process-wide registry and keeps one
:class:`~retino_core.platforms.registry.AdapterRuntime` (credentials cipher, settings, shared HTTP
rate limiter) for the app. A process that does not build the app (the rq worker, the scheduler)
calls :func:`register_adapters` and :func:`~retino_core.platforms.registry.build_adapter_runtime`
itself at start-up.

:data:`ADAPTER_FACTORIES` names each adapter's factory
``create_adapter(*, channel, settings, cipher, http) -> <Platform>Adapter`` (no I/O in it).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, current_app

from adapters.allegro import adapter as allegro_adapter
from adapters.shoptet import install as shoptet_install
from adapters.woocommerce_bridge import adapter as woocommerce_adapter
from retino_core.accounts.models import Platform, SalesChannel
from retino_core.platforms.protocol import PlatformAdapter
from retino_core.platforms.registry import (
    AdapterFactory,
    AdapterRegistry,
    AdapterRuntime,
    build_adapter_runtime,
    default_registry,
)
from retino_core.runtime import Runtime

#: Platform name (``Platform`` value) → the adapter's factory. See the module docstring.
ADAPTER_FACTORIES: Mapping[str, AdapterFactory] = {
    "allegro": allegro_adapter.create_adapter,
    "shoptet": shoptet_install.create_adapter,
    "woocommerce": woocommerce_adapter.create_adapter,
}

_RUNTIME_KEY = "retino_adapter_runtime"


def register_adapters(
    registry: AdapterRegistry = default_registry, factories: Mapping[str, AdapterFactory] | None = None
) -> tuple[str, ...]:
    """Register ``factories`` (default :data:`ADAPTER_FACTORIES`) in ``registry``; returns the names registered.

    Safe to call again (tests build many apps in one process): a factory already registered under
    its name is left alone. A different factory under a taken name, or a name that is not a
    :class:`Platform`, raises ValueError, since it is a wiring mistake.
    """
    known = {platform.value for platform in Platform}
    chosen = ADAPTER_FACTORIES if factories is None else factories
    for platform, factory in chosen.items():
        if platform not in known:
            raise ValueError(f"{platform!r} is not a platform; expected one of {sorted(known)}")
        if registry.factory_for(platform) is not factory:
            registry.register(platform, factory)
    return tuple(sorted(chosen))


def init_app(app: Flask) -> None:
    """Register the adapters and keep the app's adapter runtime (built from the app's settings)."""
    register_adapters()
    core_runtime: Runtime = app.extensions["retino_runtime"]
    app.extensions[_RUNTIME_KEY] = build_adapter_runtime(
        app.extensions["retino_settings"], session_factory=core_runtime.session_factory
    )


def adapter_runtime() -> AdapterRuntime:
    """The current app's adapter runtime (inside an app context)."""
    runtime: AdapterRuntime = current_app.extensions[_RUNTIME_KEY]
    return runtime


def adapter_for(channel: SalesChannel, registry: AdapterRegistry = default_registry) -> PlatformAdapter:
    """The adapter for ``channel``, built with the current app's runtime; LookupError when none is registered."""
    return registry.get_adapter(channel, **adapter_runtime())
