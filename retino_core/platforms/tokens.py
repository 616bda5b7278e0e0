"""Short-lived platform tokens shared by the processes of one installation, and rotated credentials kept safely.

Two platforms hand out access tokens that expire and must not be fetched freely:

- Shoptet: an API access token lives 30 minutes and at most five may be valid at once per
  installation, so every worker must reuse the one token instead of asking for its own;
- Allegro: an access token lives 12 hours and is refreshed with a refresh token that is
  replaced by each refresh, so two workers refreshing at once would lose one of the two answers.

:class:`TokenCache` keeps such tokens (encrypted with the credentials cipher) in Redis when the
installation has one, in process memory otherwise, and :func:`cached_token` fetches a missing
token under a lock so concurrent callers wait for one fetch rather than each making one.
:class:`CredentialStore` writes changed credentials (a new refresh token) to the channel row in a
transaction of its own, committed at once: a job that fails afterwards must not roll back a token
the platform has already replaced.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from retino_core.accounts.credentials import CredentialCipher
    from retino_core.config import Settings

#: A fetched token is used until this many seconds before its expiry, so a request never carries one
#: that expires in flight.
EXPIRY_MARGIN_SECONDS = 120
#: How long a fetch may hold the lock; a crashed holder frees it after this.
LOCK_SECONDS = 30


class TokenCache(Protocol):
    """Expiring tokens by key (``shoptet:<eshopId>:api``); values are secrets and stored encrypted."""

    def get(self, key: str) -> str | None: ...

    def put(self, key: str, token: str, ttl_seconds: int) -> None: ...

    def invalidate(self, key: str) -> None: ...

    def lock(self, key: str) -> Any:
        """A context manager held while one caller fetches ``key``'s token; others wait for it."""
        ...


class InProcessTokenCache:
    """For an installation without Redis (the embedded default): one process, so a dict and a lock suffice."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._guard:
            found = self._tokens.get(key)
            if found is None or found[1] <= self._clock():
                self._tokens.pop(key, None)
                return None
            return found[0]

    def put(self, key: str, token: str, ttl_seconds: int) -> None:
        if ttl_seconds <= 0:
            return
        with self._guard:
            self._tokens[key] = (token, self._clock() + ttl_seconds)

    def invalidate(self, key: str) -> None:
        with self._guard:
            self._tokens.pop(key, None)

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            yield


class RedisTokenCache:
    """Shared by every web and worker process of the installation; values encrypted with ``cipher``."""

    def __init__(self, redis_client: Any, *, prefix: str, cipher: CredentialCipher) -> None:
        self._redis = redis_client
        self._prefix = prefix
        self._cipher = cipher

    @classmethod
    def from_url(cls, redis_url: str, *, prefix: str, cipher: CredentialCipher) -> RedisTokenCache:
        import redis

        return cls(redis.Redis.from_url(redis_url), prefix=prefix, cipher=cipher)

    def get(self, key: str) -> str | None:
        stored = self._redis.get(f"{self._prefix}:{key}")
        if stored is None:
            return None
        token = self._cipher.decrypt(stored).get("token")
        return token if isinstance(token, str) else None

    def put(self, key: str, token: str, ttl_seconds: int) -> None:
        if ttl_seconds <= 0:
            return
        self._redis.set(f"{self._prefix}:{key}", self._cipher.encrypt({"token": token}), ex=ttl_seconds)

    def invalidate(self, key: str) -> None:
        self._redis.delete(f"{self._prefix}:{key}")

    def lock(self, key: str) -> Any:
        return self._redis.lock(f"{self._prefix}:lock:{key}", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS)


def build_token_cache(settings: Settings, cipher: CredentialCipher) -> TokenCache:
    """Redis-backed when ``settings.redis_url`` is set (workers share tokens), in-process otherwise."""
    if settings.redis_url:
        return RedisTokenCache.from_url(
            settings.redis_url, prefix=f"{settings.queue_prefix}-platform-token", cipher=cipher
        )
    return InProcessTokenCache()


def cached_token(
    cache: TokenCache,
    key: str,
    fetch: Callable[[], tuple[str, int]],
    *,
    margin_seconds: int = EXPIRY_MARGIN_SECONDS,
) -> str:
    """``key``'s token from ``cache``, or ``fetch()``-ed once under the key's lock and cached.

    ``fetch`` returns ``(token, lifetime in seconds)``; the token is cached for its lifetime less
    ``margin_seconds``. Callers waiting on the lock find the winner's token and do not fetch, so
    however many workers ask at once, the platform is asked once per lifetime (Shoptet's limit of
    five valid tokens stays far away). A token the platform refused is dropped with ``invalidate``.
    """
    token = cache.get(key)
    if token:
        return token
    with cache.lock(key):
        token = cache.get(key)
        if token:
            return token
        token, lifetime = fetch()
        cache.put(key, token, lifetime - margin_seconds)
        return token


class CredentialStore:
    """Reads and updates a channel's encrypted credentials in a transaction of its own.

    Built with the process's session factory. Used by token refreshers (Allegro) that must keep a
    replaced refresh token even when the job that triggered the refresh later rolls back.
    """

    def __init__(self, session_factory: sessionmaker[Session], cipher: CredentialCipher) -> None:
        self._session_factory = session_factory
        self._cipher = cipher

    def load(self, channel_id: int) -> dict[str, Any]:
        """The channel's current credentials (``{}`` when it has none); LookupError when the channel is gone."""
        from retino_core.accounts.models import SalesChannel

        with self._session_factory() as session:
            stored = session.execute(
                select(SalesChannel.id, SalesChannel.credentials_encrypted).where(SalesChannel.id == channel_id)
            ).one_or_none()
            if stored is None:
                raise LookupError(f"channel {channel_id} does not exist")
            return self._cipher.decrypt(stored.credentials_encrypted) if stored.credentials_encrypted else {}

    def update(self, channel_id: int, change: Callable[[dict[str, Any]], Mapping[str, Any] | None]) -> dict[str, Any]:
        """Apply ``change`` to the channel's credentials under a row lock and commit; returns what was stored.

        ``change`` receives the credentials as stored now (another process may have just refreshed
        them) and returns the updates to merge, or None to leave them as they are.
        """
        from retino_core.accounts.models import SalesChannel

        with self._session_factory() as session, session.begin():
            # FOR NO KEY UPDATE: it must not wait for a sync whose order inserts hold the row's key share.
            channel = session.scalar(
                select(SalesChannel).where(SalesChannel.id == channel_id).with_for_update(key_share=True)
            )
            if channel is None:
                raise LookupError(f"channel {channel_id} does not exist")
            current = self._cipher.decrypt(channel.credentials_encrypted) if channel.credentials_encrypted else {}
            updates = change(dict(current))
            if updates:
                current = {**current, **updates}
                channel.credentials_encrypted = self._cipher.encrypt(current)
            return current
