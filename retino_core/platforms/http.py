"""The HTTP client every platform adapter's ``client.py`` is built on.

One :class:`PlatformHttpClient` talks to one platform host for one installation (a channel). It adds
what every platform needs and no adapter should write again:

- **Timeouts** on connect and read (:class:`Timeouts`); a call never hangs a worker.
- **Retries** with exponential backoff and jitter on 429, 502, 503, 504, timeouts and dropped
  connections, honouring ``Retry-After`` (seconds or an HTTP date). A wait longer than
  ``RetryPolicy.max_wait`` is not slept: the call raises :class:`RateLimited` (or
  :class:`Unavailable`) carrying ``retry_at``, and the job re-schedules itself for then, so a
  worker is never parked for long.
- **Only safe requests are retried.** GET, HEAD, OPTIONS, PUT and DELETE are retried freely; POST
  and PATCH are sent exactly once unless the caller passes ``idempotent=True`` because the
  platform dedupes them (Allegro's ``commandId``, an idempotency key). A non-idempotent request
  that fails raises at once, 429 included.
- **Pacing per installation.** Before every attempt the client takes a slot from a
  :class:`RateLimiter` keyed by the installation, so one noisy shop cannot use up the budget of
  another and a platform's bucket (Shoptet: 200 drops leaking 10/s) is not overrun.
- **Error mapping** to :class:`PlatformError` subclasses with the platform's own message, and one
  warning log line per failed attempt in which ``Authorization``, token, key, secret and cookie
  headers and query parameters are masked and their values scrubbed from the message.

The clock, ``sleep`` and the jitter source are injectable so tests run without real waiting.
Response bodies are parsed with :func:`retino_core.platforms.payload.parse_json` (amounts stay
``Decimal``); request bodies given as ``json=`` are encoded with ``Decimal`` as a JSON string.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import json as jsonlib
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from retino_core.config import Settings
from retino_core.platforms.payload import PayloadError, parse_json

logger = logging.getLogger("retino.platforms.http")

#: Methods that may be sent again without asking: repeating them leaves the platform in the same state.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

#: Header and query-parameter names containing one of these words are masked in logs and errors.
SECRET_NAME_WORDS = ("authorization", "token", "secret", "key", "signature", "cookie", "password", "auth")
#: Query parameters masked by exact name (the OAuth one-time ``code``).
SECRET_QUERY_NAMES = frozenset({"code", "client_id"})
MASK = "***"
_BODY_EXCERPT_LENGTH = 300


# --- errors -----------------------------------------------------------------------------------


class PlatformError(Exception):
    """A platform call failed. ``status`` is the HTTP status (None when no answer came).

    ``message`` is the platform's own explanation (its ``errors[].message``/``message``), safe to
    log; ``codes`` are its machine-readable error codes (Shoptet ``errorCode``, WooCommerce and
    Allegro ``code``), e.g. ``("expired-token",)``. ``retry_at`` (aware UTC) is set when trying
    again later may succeed. ``url`` has its secret query parameters masked.
    """

    def __init__(
        self,
        message: str,
        *,
        platform: str,
        method: str,
        url: str,
        status: int | None = None,
        codes: tuple[str, ...] = (),
        retry_at: datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.platform = platform
        self.method = method
        self.url = url
        self.status = status
        self.codes = codes
        self.retry_at = retry_at

    def __str__(self) -> str:
        status = self.status if self.status is not None else "no response"
        return f"{self.platform} {self.method} {self.url}: {status}: {self.message}"


class AuthExpired(PlatformError):
    """401: the token expired or was revoked. Refresh it and call once more; if that fails too, reconnect."""


class Forbidden(PlatformError):
    """403: the installation lacks the right (a scope, an add-on permission); retrying will not help."""


class NotFound(PlatformError):
    """404 or 410: the object does not exist on the platform (any more)."""


class Invalid(PlatformError):
    """400, 409, 422 and other 4xx: the platform refused the request; ``message`` says why."""


class RateLimited(PlatformError):
    """429, or our own per-installation pace, asks for a wait longer than we park a worker; retry at ``retry_at``."""


class Unavailable(PlatformError):
    """5xx, 423, a timeout or a dropped connection, after the retries allowed; try again later."""


# --- rate limiting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: ``burst`` requests at once, refilled at ``per_second``.

    ``name`` separates an extra bucket from the installation's main one (Allegro messaging,
    1 request/s per user: ``RateLimit(1, name="messaging")``).
    """

    per_second: float
    burst: int = 1
    name: str = ""

    def __post_init__(self) -> None:
        if not self.per_second > 0 or self.burst < 1:
            raise ValueError("a rate limit needs per_second > 0 and burst >= 1")

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second

    @property
    def tolerance(self) -> float:
        return self.interval * (self.burst - 1)


class RateLimiter(Protocol):
    def reserve(self, key: str, limit: RateLimit, *, max_wait: float) -> float:
        """Seconds to wait before sending under ``key`` (0: send now), with that slot taken.

        When the wait would exceed ``max_wait`` nothing is taken and the (larger) wait is returned,
        so the caller can give up and say when to come back.
        """
        ...


class InProcessRateLimiter:
    """Token buckets in this process's memory, one per key; enough for one worker or tests.

    Implemented as GCRA (the "virtual scheduling" form of a token bucket): one number per key,
    the theoretical arrival time of the next request. Thread-safe.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._next_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str, limit: RateLimit, *, max_wait: float) -> float:
        with self._lock:
            now = self._clock()
            if len(self._next_at) > 10_000:
                self._next_at = {name: moment for name, moment in self._next_at.items() if moment > now}
            next_at = max(self._next_at.get(key, now), now)
            wait = max(0.0, next_at - limit.tolerance - now)
            if wait <= max_wait:
                self._next_at[key] = next_at + limit.interval
            return wait


class RedisRateLimiter:
    """The same token buckets as :class:`InProcessRateLimiter`, shared by every worker through Redis.

    One key per bucket holds the theoretical arrival time; it is read and written under
    ``WATCH``/``MULTI`` (optimistic locking, no Lua) and expires once the bucket is full again.
    The clock is the wall clock, so the workers' clocks must agree (NTP) to within the spacing.
    We do not use the ``limits`` library here: its windows cannot say how long to wait and
    reserve that slot, and it reads the system clock, which tests cannot replace.
    """

    def __init__(self, redis_client: Any, *, prefix: str, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis_client
        self._prefix = prefix
        self._clock = clock

    @classmethod
    def from_url(cls, redis_url: str, *, prefix: str, clock: Callable[[], float] = time.time) -> RedisRateLimiter:
        import redis

        return cls(redis.Redis.from_url(redis_url), prefix=prefix, clock=clock)

    def reserve(self, key: str, limit: RateLimit, *, max_wait: float) -> float:
        from redis.exceptions import WatchError

        redis_key = f"{self._prefix}:{key}"
        with self._redis.pipeline() as pipe:
            for _ in range(100):
                try:
                    pipe.watch(redis_key)
                    now = self._clock()
                    stored = pipe.get(redis_key)
                    next_at = max(float(stored), now) if stored is not None else now
                    wait = max(0.0, next_at - limit.tolerance - now)
                    if wait > max_wait:
                        pipe.unwatch()
                        return wait
                    new_next_at = next_at + limit.interval
                    pipe.multi()
                    pipe.set(redis_key, repr(new_next_at), px=max(1, math.ceil((new_next_at - now) * 1000)))
                    pipe.execute()
                    return wait
                except WatchError:
                    continue
        raise RuntimeError(f"rate limiter key {redis_key!r} is contended beyond 100 attempts")


def build_rate_limiter(settings: Settings) -> RateLimiter:
    """Redis-backed when ``settings.redis_url`` is set (workers share the buckets), in-process otherwise."""
    if settings.redis_url:
        return RedisRateLimiter.from_url(settings.redis_url, prefix=f"{settings.queue_prefix}-platform-rate")
    return InProcessRateLimiter()


# --- policy -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeouts:
    """Seconds to open the connection and to wait between bytes of the answer."""

    connect: float = 5.0
    read: float = 30.0


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry.

    The n-th retry waits ``Retry-After`` when the platform sent one, otherwise a random time
    between d/2 and d, where d = min(``backoff_max``, ``backoff_base`` · 2^(n−1)). No single wait
    (for a retry or for our own rate limiter) is longer than ``max_wait``: beyond it the call raises
    with ``retry_at`` instead of sleeping.
    """

    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_wait: float = 30.0
    retry_statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 502, 503, 504}))

    def backoff(self, retry_number: int, jitter: float) -> float:
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (retry_number - 1))
        return ceiling / 2 + jitter * ceiling / 2


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds from ``now`` (epoch seconds) until the time a ``Retry-After`` value names; None if unreadable.

    Accepts delay-seconds (``"120"``, also ``"1.5"``) and an HTTP date
    (``"Wed, 21 Oct 2015 07:28:00 GMT"``); a date in the past is 0.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, moment.timestamp() - now)


# --- masking ----------------------------------------------------------------------------------


def is_secret_name(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_NAME_WORDS)


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` with the value of every secret-looking header replaced by ``***``."""
    return {name: MASK if is_secret_name(name) else value for name, value in headers.items()}


def mask_url(url: str) -> str:
    """``url`` with secret-looking query parameters (``consumer_secret``, ``code``, ``access_token``) masked."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [
        (name, MASK if is_secret_name(name) or name in SECRET_QUERY_NAMES else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


def _secret_values(prepared: requests.PreparedRequest) -> list[str]:
    values = [value for name, value in prepared.headers.items() if is_secret_name(name) and value]
    for name, value in parse_qsl(urlsplit(prepared.url or "").query, keep_blank_values=True):
        if value and (is_secret_name(name) or name in SECRET_QUERY_NAMES):
            values.append(value)
    for value in list(values):
        scheme, _, credential = value.partition(" ")
        if credential:
            values.append(credential)
        if scheme.lower() == "basic" and credential:
            with contextlib.suppress(ValueError):
                values.extend(base64.b64decode(credential, validate=True).decode("utf-8").split(":", 1))
    return sorted({value for value in values if len(value) >= 4}, key=len, reverse=True)


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


# --- the client -------------------------------------------------------------------------------


class PlatformHttpClient:
    """HTTP to one platform host for one installation. Build it with :meth:`PlatformHttp.client`.

    Not shared between threads (it holds a ``requests.Session``); an adapter builds one per job.
    """

    def __init__(
        self,
        base_url: str,
        *,
        platform: str,
        installation_key: str,
        headers: Mapping[str, str] | None = None,
        auth: Any = None,
        rate_limit: RateLimit | None = None,
        rate_limiter: RateLimiter | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be absolute: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.platform = platform
        self.installation_key = installation_key
        self.rate_limit = rate_limit
        self.rate_limiter = rate_limiter if rate_limiter is not None else InProcessRateLimiter()
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self._session = session if session is not None else requests.Session()
        self._session.headers.update(headers or {})
        if auth is not None:
            self._session.auth = auth
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> PlatformHttpClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def url_for(self, path: str) -> str:
        """``base_url`` + ``path``; an absolute URL is refused so credentials never go to another host."""
        if "://" in path:
            raise ValueError(f"path must be relative to the base URL, got {path!r}")
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        extra_limit: RateLimit | None = None,
        timeouts: Timeouts | None = None,
    ) -> requests.Response:
        """Send ``method path`` and return the 1xx–3xx response; raise a :class:`PlatformError` otherwise.

        ``idempotent`` defaults to the method (GET, HEAD, OPTIONS, PUT, DELETE: yes); pass True for
        a POST/PATCH the platform dedupes, False to send a GET only once. ``json`` is encoded here
        (``Decimal`` as a string) with ``Content-Type: application/json`` unless ``headers`` names
        another (Allegro's vendor type). ``extra_limit`` paces this call in a second bucket of the
        installation besides the client's ``rate_limit``. Each attempt re-runs ``auth``, so a token
        provider can hand out a fresh token.
        """
        method = method.upper()
        retries_allowed = idempotent if idempotent is not None else method in IDEMPOTENT_METHODS
        attempts = self.retry.max_attempts if retries_allowed else 1
        request_headers = dict(headers or {})
        body = data
        if json is not None:
            body = jsonlib.dumps(json, default=_encode_json, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            if not any(name.lower() == "content-type" for name in request_headers):
                request_headers["Content-Type"] = "application/json"
        url = self.url_for(path)
        limits = tuple(limit for limit in (self.rate_limit, extra_limit) if limit is not None)
        timeout = timeouts or self.timeouts
        for attempt in range(1, attempts + 1):
            self._pace(limits, method, url)
            prepared = self._session.prepare_request(
                requests.Request(method, url, params=params, data=body, headers=request_headers)
            )
            outcome = self._attempt(prepared, timeout, attempt)
            if isinstance(outcome, requests.Response):
                return outcome
            failure, wait = outcome.error, outcome.wait
            if attempt == attempts or wait > self.retry.max_wait:
                failure.retry_at = self._moment(wait)
                self._log(prepared, failure, attempt, attempts, "giving up")
                raise failure
            self._log(prepared, failure, attempt, attempts, f"retrying in {wait:.2f}s")
            self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def request_json(self, method: str, path: str, **options: Any) -> Any:
        """:meth:`request`, then the body as JSON with exact ``Decimal`` amounts; None for an empty body.

        A body that is not JSON raises :class:`~retino_core.platforms.payload.PayloadError`.
        """
        response = self.request(method, path, **options)
        if not response.content.strip():
            return None
        return parse_json(response.content)

    def get(self, path: str, **options: Any) -> requests.Response:
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Any) -> requests.Response:
        return self.request("POST", path, **options)

    def put(self, path: str, **options: Any) -> requests.Response:
        return self.request("PUT", path, **options)

    def patch(self, path: str, **options: Any) -> requests.Response:
        return self.request("PATCH", path, **options)

    def delete(self, path: str, **options: Any) -> requests.Response:
        return self.request("DELETE", path, **options)

    # --- internals

    def _pace(self, limits: tuple[RateLimit, ...], method: str, url: str) -> None:
        for limit in limits:
            key = f"{self.installation_key}:{limit.name}" if limit.name else self.installation_key
            wait = self.rate_limiter.reserve(key, limit, max_wait=self.retry.max_wait)
            if wait > self.retry.max_wait:
                error = RateLimited(
                    f"our own pace for {key} allows the next request in {wait:.2f}s",
                    platform=self.platform,
                    method=method,
                    url=mask_url(url),
                    retry_at=self._moment(wait),
                )
                logger.warning("%s %s %s: %s", self.platform, method, error.url, error.message)
                raise error
            if wait > 0:
                self._sleep(wait)

    def _attempt(
        self, prepared: requests.PreparedRequest, timeout: Timeouts, attempt: int
    ) -> requests.Response | _Failure:
        """Send once: the response on success, else the error and the seconds to wait before trying again.

        An error that no retry can cure comes back with an infinite wait, so the caller raises it.
        """
        method = prepared.method or ""
        url = mask_url(prepared.url or "")
        environment = self._session.merge_environment_settings(prepared.url, {}, None, None, None)
        try:
            response = self._session.send(prepared, timeout=(timeout.connect, timeout.read), **environment)
        except requests.Timeout as error:
            failure: PlatformError = Unavailable(
                f"no answer within the timeout ({type(error).__name__})", platform=self.platform, method=method, url=url
            )
            return _Failure(failure, self._backoff_after(attempt))
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
            failure = Unavailable(
                f"connection failed ({type(error).__name__})", platform=self.platform, method=method, url=url
            )
            return _Failure(failure, self._backoff_after(attempt))
        except requests.RequestException as error:
            failure = Unavailable(
                f"request failed ({type(error).__name__})", platform=self.platform, method=method, url=url
            )
            return _Failure(failure, math.inf)
        if response.status_code < 400:
            return response
        secrets = _secret_values(prepared)
        message, codes = platform_message(response)
        failure = _error_class(response.status_code)(
            _scrub(message, secrets),
            platform=self.platform,
            method=method,
            url=url,
            status=response.status_code,
            codes=codes,
        )
        if response.status_code not in self.retry.retry_statuses:
            return _Failure(failure, math.inf)
        retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock())
        return _Failure(failure, retry_after if retry_after is not None else self._backoff_after(attempt))

    def _backoff_after(self, attempt: int) -> float:
        return self.retry.backoff(attempt, self._jitter())

    def _moment(self, seconds_from_now: float) -> datetime | None:
        if not math.isfinite(seconds_from_now):
            return None
        return datetime.fromtimestamp(self._clock() + seconds_from_now, UTC)

    def _log(
        self, prepared: requests.PreparedRequest, failure: PlatformError, attempt: int, attempts: int, outcome: str
    ) -> None:
        secrets = _secret_values(prepared)
        line = (
            f"{self.platform} [{self.installation_key}] {failure.method} {failure.url} -> "
            f"{failure.status if failure.status is not None else 'no response'} {type(failure).__name__}: "
            f"{failure.message} (attempt {attempt}/{attempts}, {outcome}); "
            f"request headers {mask_headers(dict(prepared.headers))}"
        )
        logger.warning("%s", _scrub(line, secrets))


@dataclass(frozen=True)
class _Failure:
    error: PlatformError
    #: Seconds to wait before the next attempt; infinite when no retry can help.
    wait: float


class PlatformHttp:
    """Builds :class:`PlatformHttpClient` objects that share one rate limiter, clock and policy.

    One per process (the registry hands it to adapter factories as ``http``); tests build one with a
    fake clock and sleep.
    """

    def __init__(
        self,
        *,
        rate_limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.rate_limiter = rate_limiter if rate_limiter is not None else InProcessRateLimiter()
        self.retry = retry or RetryPolicy()
        self.timeouts = timeouts or Timeouts()
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter

    @classmethod
    def from_settings(cls, settings: Settings) -> PlatformHttp:
        """Defaults for a process: Redis-backed pacing when Redis is configured (see :func:`build_rate_limiter`)."""
        return cls(rate_limiter=build_rate_limiter(settings))

    def client(
        self,
        base_url: str,
        *,
        platform: str,
        installation_key: str,
        headers: Mapping[str, str] | None = None,
        auth: Any = None,
        rate_limit: RateLimit | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
    ) -> PlatformHttpClient:
        """A client for ``base_url`` paced under ``installation_key`` (e.g. ``"shoptet:222651"``).

        ``headers`` are sent on every request (Allegro's ``Accept`` media type); ``auth`` is any
        ``requests`` auth (a ``(key, secret)`` tuple for WooCommerce Basic, or an ``AuthBase`` that
        sets a token header and is asked again on every attempt).
        """
        return PlatformHttpClient(
            base_url,
            platform=platform,
            installation_key=installation_key,
            headers=headers,
            auth=auth,
            rate_limit=rate_limit,
            rate_limiter=self.rate_limiter,
            timeouts=timeouts or self.timeouts,
            retry=retry or self.retry,
            session=session,
            clock=self._clock,
            sleep=self._sleep,
            jitter=self._jitter,
        )


def platform_message(response: requests.Response) -> tuple[str, tuple[str, ...]]:
    """The platform's explanation of a failed response and its error codes.

    Reads Shoptet's ``{"errors": [{"errorCode", "message"}]}``, Allegro's
    ``{"errors": [{"code", "message", "userMessage"}]}``, WordPress's ``{"code", "message"}`` and
    OAuth's ``{"error", "error_description"}``; otherwise the start of the body, or the reason phrase.
    """
    try:
        body = parse_json(response.content) if response.content.strip() else None
    except PayloadError:
        body = None
    messages: list[str] = []
    codes: list[str] = []
    if isinstance(body, Mapping):
        errors = body.get("errors")
        for item in errors if isinstance(errors, list) else ():
            if isinstance(item, Mapping):
                _collect(messages, item.get("userMessage") or item.get("message"))
                _collect(codes, item.get("errorCode") or item.get("code"))
        if not messages:
            _collect(messages, body.get("message") or body.get("error_description") or body.get("error"))
            _collect(codes, body.get("code") or body.get("error"))
    if not messages:
        text = response.text.strip() if body is None else ""
        messages.append(
            " ".join(text.split())[:_BODY_EXCERPT_LENGTH] or response.reason or f"HTTP {response.status_code}"
        )
    return "; ".join(messages)[:500], tuple(codes)


def _collect(into: list[str], value: Any) -> None:
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        into.append(str(value).strip())


def _error_class(status: int) -> type[PlatformError]:
    if status == 401:
        return AuthExpired
    if status == 403:
        return Forbidden
    if status in (404, 410):
        return NotFound
    if status == 429:
        return RateLimited
    if status >= 500 or status == 423:
        return Unavailable
    return Invalid


def _encode_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")
