"""Shared short-lived tokens: one fetch per lifetime however many callers ask, in process or through Redis."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from sqlalchemy import select

from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import SalesChannel
from retino_core.config import Settings
from retino_core.platforms.tokens import (
    EXPIRY_MARGIN_SECONDS,
    CredentialStore,
    InProcessTokenCache,
    RedisTokenCache,
    build_token_cache,
    cached_token,
)

CIPHER = CredentialCipher("test-secret-key-" + "x" * 32)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_cached_token_is_reused_until_the_margin_before_its_expiry():
    clock = Clock()
    cache = InProcessTokenCache(clock=clock)
    fetched = []

    def fetch():
        fetched.append(len(fetched) + 1)
        return f"token-{len(fetched)}", 1800

    assert cached_token(cache, "shop:1", fetch) == "token-1"
    clock.now += 1800 - EXPIRY_MARGIN_SECONDS - 1
    assert cached_token(cache, "shop:1", fetch) == "token-1"
    clock.now += 1
    assert cached_token(cache, "shop:1", fetch) == "token-2"
    assert fetched == [1, 2]


def test_keys_are_independent_and_invalidate_forces_a_new_fetch():
    cache = InProcessTokenCache()
    answers = iter(["a-1", "b-1", "a-2"])

    def fetch():
        return next(answers), 1800

    assert cached_token(cache, "a", fetch) == "a-1"
    assert cached_token(cache, "b", fetch) == "b-1"
    cache.invalidate("a")
    assert cached_token(cache, "a", fetch) == "a-2"
    assert cached_token(cache, "b", fetch) == "b-1"


def test_a_lifetime_within_the_margin_is_not_cached():
    cache = InProcessTokenCache()
    answers = iter(["short-1", "short-2"])

    def fetch():
        return next(answers), EXPIRY_MARGIN_SECONDS

    assert cached_token(cache, "k", fetch) == "short-1"
    assert cached_token(cache, "k", fetch) == "short-2"


def _twenty_callers_at_once(caches):
    """Twenty threads over ``caches`` (round robin) ask at once; the fetch is slow. Returns (tokens, fetch count)."""
    fetches = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def fetch():
        with lock:
            fetches.append(1)
        time.sleep(0.2)
        return f"token-{len(fetches)}", 1800

    def ask(index):
        barrier.wait(timeout=10)
        return cached_token(caches[index % len(caches)], "shoptet:222651:api", fetch)

    with ThreadPoolExecutor(max_workers=20) as pool:
        tokens = list(pool.map(ask, range(20)))
    return tokens, len(fetches)


def test_concurrent_callers_in_one_process_wait_for_one_fetch():
    assert _twenty_callers_at_once([InProcessTokenCache()]) == (["token-1"] * 20, 1)


def test_processes_sharing_redis_fetch_once_and_store_the_token_encrypted(redis_url, queue_prefix):
    caches = [RedisTokenCache.from_url(redis_url, prefix=queue_prefix, cipher=CIPHER) for _ in range(4)]

    assert _twenty_callers_at_once(caches) == (["token-1"] * 20, 1)
    stored = redis.Redis.from_url(redis_url).get(f"{queue_prefix}:shoptet:222651:api")
    assert b"token-1" not in stored
    assert (
        1800 - EXPIRY_MARGIN_SECONDS - 5
        <= redis.Redis.from_url(redis_url).ttl(f"{queue_prefix}:shoptet:222651:api")
        <= 1800 - EXPIRY_MARGIN_SECONDS
    )


def test_the_cache_is_redis_backed_only_when_redis_is_configured(redis_url):
    assert isinstance(build_token_cache(Settings(), CIPHER), InProcessTokenCache)
    assert isinstance(build_token_cache(Settings(redis_url=redis_url), CIPHER), RedisTokenCache)


def test_the_credential_store_merges_changes_in_a_transaction_of_its_own(
    session, session_factory, make_account, make_channel
):
    channel = make_channel(make_account(), credentials_encrypted=CIPHER.encrypt({"refresh_token": "r-1", "keep": "x"}))
    session.commit()
    store = CredentialStore(session_factory, CIPHER)
    seen = []

    def rotate(current):
        seen.append(dict(current))
        return {"refresh_token": "r-2"}

    stored = store.update(channel.id, rotate)

    assert seen == [{"refresh_token": "r-1", "keep": "x"}]
    assert stored == {"refresh_token": "r-2", "keep": "x"}
    assert store.load(channel.id) == {"refresh_token": "r-2", "keep": "x"}
    session.expire_all()
    assert CIPHER.decrypt(session.scalar(select(SalesChannel.credentials_encrypted))) == stored


def test_the_credential_store_leaves_credentials_alone_when_nothing_changes(
    session, session_factory, make_account, make_channel
):
    channel = make_channel(make_account(), credentials_encrypted=CIPHER.encrypt({"token": "t"}))
    session.commit()
    before = channel.credentials_encrypted

    assert CredentialStore(session_factory, CIPHER).update(channel.id, lambda current: None) == {"token": "t"}
    session.expire_all()
    assert session.get(SalesChannel, channel.id).credentials_encrypted == before


def test_the_credential_store_says_when_the_channel_is_gone(session_factory):
    store = CredentialStore(session_factory, CIPHER)

    with pytest.raises(LookupError, match="channel 999999 does not exist"):
        store.load(999999)
    with pytest.raises(LookupError, match="channel 999999 does not exist"):
        store.update(999999, lambda current: {"a": "b"})
