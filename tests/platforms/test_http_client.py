import base64
import email.utils
import json
import logging
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from retino_core.config import Settings
from retino_core.platforms.http import (
    AuthExpired,
    Forbidden,
    InProcessRateLimiter,
    Invalid,
    NotFound,
    PlatformHttp,
    RateLimit,
    RateLimited,
    RedisRateLimiter,
    RetryPolicy,
    Timeouts,
    Unavailable,
    build_rate_limiter,
    mask_url,
    parse_retry_after,
)
from tests.platforms.conftest import HANG

JSON = {"Content-Type": "application/json"}
OK = (200, JSON, b'{"data": {"ok": true}}')


def _http(fake_time, *, max_attempts=4, max_wait=30.0, jitter=0.5, limiter=None):
    return PlatformHttp(
        rate_limiter=limiter or InProcessRateLimiter(clock=fake_time.clock),
        retry=RetryPolicy(max_attempts=max_attempts, max_wait=max_wait),
        timeouts=Timeouts(connect=2.0, read=2.0),
        clock=fake_time.clock,
        sleep=fake_time.sleep,
        jitter=lambda: jitter,
    )


def _client(server, fake_time, **options):
    return _http(fake_time, **options).client(
        server.url + "/api", platform="shoptet", installation_key="shoptet:222651"
    )


def test_429_with_retry_after_waits_that_long_then_succeeds(server, fake_time):
    # given
    server.answer((429, {"Retry-After": "1"}, b""), OK)
    # when
    with _client(server, fake_time) as client:
        response = client.get("/orders/2024000001")
    # then
    assert response.status_code == 200
    assert fake_time.sleeps == [1.0]
    assert [(request.method, request.path) for request in server.received] == [
        ("GET", "/api/orders/2024000001"),
        ("GET", "/api/orders/2024000001"),
    ]


def test_503_twice_is_retried_with_exponential_backoff_and_jitter(server, fake_time):
    server.answer((503, {}, b""), (503, {}, b""), OK)
    with _client(server, fake_time, jitter=0.5) as client:
        assert client.request_json("GET", "/orders") == {"data": {"ok": True}}
    # retry n waits d/2 + jitter·d/2 with d = 0.5·2^(n−1): 0.375 then 0.75
    assert fake_time.sleeps == [0.375, 0.75]
    assert len(server.received) == 3


def test_backoff_is_capped_and_jitter_spans_half_to_full():
    policy = RetryPolicy(backoff_base=0.5, backoff_max=8.0)
    assert policy.backoff(1, 0.0) == 0.25
    assert policy.backoff(1, 1.0) == 0.5
    assert policy.backoff(4, 1.0) == 4.0
    assert policy.backoff(10, 1.0) == 8.0
    assert policy.backoff(10, 0.0) == 4.0


def test_503_forever_gives_unavailable_after_the_allowed_attempts(server, fake_time):
    server.answer((503, {"Content-Type": "text/html"}, b"<h1>Service Unavailable</h1>"))
    with _client(server, fake_time, max_attempts=3, jitter=1.0) as client, pytest.raises(Unavailable) as raised:
        client.get("/orders")
    assert len(server.received) == 3
    assert fake_time.sleeps == [0.5, 1.0]
    assert raised.value.status == 503
    assert raised.value.message == "<h1>Service Unavailable</h1>"
    # the next backoff (2.0 s) is suggested as the time to come back
    assert raised.value.retry_at == datetime.fromtimestamp(fake_time.now + 2.0, UTC)


def test_retry_after_beyond_the_cap_raises_rate_limited_with_the_time_without_waiting(server, fake_time):
    server.answer((429, {"Retry-After": "120"}, b'{"errors": [{"code": "TOO_MANY", "message": "Slow down"}]}'))
    with _client(server, fake_time, max_wait=30.0) as client, pytest.raises(RateLimited) as raised:
        client.get("/order/events")
    assert fake_time.sleeps == []
    assert len(server.received) == 1
    assert raised.value.retry_at == datetime.fromtimestamp(fake_time.now + 120, UTC)
    assert raised.value.status == 429
    assert raised.value.message == "Slow down"
    assert raised.value.codes == ("TOO_MANY",)


def test_retry_after_as_an_http_date_is_honoured(server, fake_time):
    later = email.utils.formatdate(fake_time.now + 90, usegmt=True)
    server.answer((429, {"Retry-After": later}, b""))
    with _client(server, fake_time, max_wait=30.0) as client, pytest.raises(RateLimited) as raised:
        client.get("/orders")
    assert raised.value.retry_at == datetime.fromtimestamp(fake_time.now + 90, UTC)


def test_retry_after_as_an_http_date_within_the_cap_is_slept(server, fake_time):
    soon = email.utils.formatdate(fake_time.now + 3, usegmt=True)
    server.answer((503, {"Retry-After": soon}, b""), OK)
    with _client(server, fake_time) as client:
        assert client.get("/orders").status_code == 200
    assert fake_time.sleeps == [3.0]


def test_retry_after_values_are_read_as_seconds_or_dates():
    now = 1_750_000_000.0
    assert parse_retry_after("1", now) == 1.0
    assert parse_retry_after(" 2.5 ", now) == 2.5
    assert parse_retry_after(email.utils.formatdate(now + 61, usegmt=True), now) == 61.0
    assert parse_retry_after(email.utils.formatdate(now - 61, usegmt=True), now) == 0.0
    assert parse_retry_after("-1", now) is None
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("", now) is None
    assert parse_retry_after(None, now) is None


def test_post_is_sent_once_unless_marked_idempotent(server, fake_time):
    # given: a platform that fails once, then works
    server.answer((503, {}, b""), (201, JSON, b'{"id": 7}'))
    with _client(server, fake_time) as client:
        # when: a plain POST fails
        with pytest.raises(Unavailable):
            client.post("/orders/2024000001/history", json={"data": {"text": "Case R00001 opened"}})
        # then: it was not repeated
        assert len(server.received) == 1
        # when: the same POST carries an idempotency key and says so
        server.answer((503, {}, b""), (201, JSON, b'{"id": 7}'))
        response = client.post("/payments/refunds", json={"commandId": "c-1"}, idempotent=True)
    # then
    assert response.status_code == 201
    assert len(server.received) == 3
    assert fake_time.sleeps == [0.375]


def test_post_answered_429_is_not_retried_and_says_when(server, fake_time):
    server.answer((429, {"Retry-After": "2"}, b""), OK)
    with _client(server, fake_time) as client, pytest.raises(RateLimited) as raised:
        client.post("/messaging/messages", json={"text": "hello"})
    assert len(server.received) == 1
    assert fake_time.sleeps == []
    assert raised.value.retry_at == datetime.fromtimestamp(fake_time.now + 2, UTC)


def test_json_bodies_keep_decimals_exact_and_name_their_type(server, fake_time):
    server.answer((201, JSON, b'{"data": {"amount": 12.30}}'))
    with _client(server, fake_time) as client:
        body = client.request_json("POST", "/refunds", json={"amount": Decimal("6.45"), "reason": "Vráceno"})
        client.post(
            "/payments/refunds",
            json={"commandId": "c-1"},
            headers={"Content-Type": "application/vnd.allegro.public.v1+json"},
        )
    assert body == {"data": {"amount": Decimal("12.30")}}
    assert server.received[0].body == '{"amount":"6.45","reason":"Vráceno"}'.encode()
    assert server.received[0].headers["Content-Type"] == "application/json"
    assert server.received[1].headers["Content-Type"] == "application/vnd.allegro.public.v1+json"


def test_a_read_timeout_gives_unavailable(server, fake_time):
    server.answer(HANG)
    http = PlatformHttp(
        rate_limiter=InProcessRateLimiter(clock=fake_time.clock),
        retry=RetryPolicy(max_attempts=2),
        clock=fake_time.clock,
        sleep=fake_time.sleep,
        jitter=lambda: 0.0,
    )
    with (
        http.client(
            server.url,
            platform="woocommerce",
            installation_key="woocommerce:1",
            timeouts=Timeouts(connect=1.0, read=0.2),
        ) as client,
        pytest.raises(Unavailable) as raised,
    ):
        client.get("/wp-json/wc/v3/orders")
    assert raised.value.status is None
    assert raised.value.message == "no answer within the timeout (ReadTimeout)"
    assert len(server.received) == 2
    assert fake_time.sleeps == [0.25]


def test_a_refused_connection_gives_unavailable(fake_time):
    http = _http(fake_time, max_attempts=2, jitter=0.0)
    client = http.client("http://127.0.0.1:9", platform="allegro", installation_key="allegro:1")
    with client, pytest.raises(Unavailable) as raised:
        client.get("/order/events")
    assert raised.value.message == "connection failed (ConnectionError)"
    assert fake_time.sleeps == [0.25]


def test_401_gives_auth_expired_with_the_platform_code_and_is_not_retried(server, fake_time):
    server.answer(
        (401, JSON, b'{"data": null, "errors": [{"errorCode": "expired-token", "message": "Token expired."}]}')
    )
    with _client(server, fake_time) as client, pytest.raises(AuthExpired) as raised:
        client.get("/orders")
    assert len(server.received) == 1
    assert raised.value.status == 401
    assert raised.value.codes == ("expired-token",)
    assert raised.value.message == "Token expired."
    assert raised.value.retry_at is None
    assert str(raised.value) == f"shoptet GET {server.url}/api/orders: 401: Token expired."


@pytest.mark.parametrize(
    ("status", "body", "error", "message", "codes"),
    [
        (
            403,
            b'{"errors": [{"errorCode": "invalid-token-no-rights", "message": "No rights."}]}',
            Forbidden,
            "No rights.",
            ("invalid-token-no-rights",),
        ),
        (
            404,
            b'{"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.", "data": {"status": 404}}',
            NotFound,
            "Invalid ID.",
            ("woocommerce_rest_shop_order_invalid_id",),
        ),
        (410, b"", NotFound, "Gone", ()),
        (
            400,
            b'{"error": "invalid_grant", "error_description": "Invalid authorization code"}',
            Invalid,
            "Invalid authorization code",
            ("invalid_grant",),
        ),
        (
            409,
            b'{"errors": [{"errorCode": "webhook-conflict", "message": "order:cancel conflicts"}]}',
            Invalid,
            "order:cancel conflicts",
            ("webhook-conflict",),
        ),
        (
            422,
            b'{"errors": [{"code": "VALIDATION_ERROR", "message": "amount", "userMessage": "Amount too high"}]}',
            Invalid,
            "Amount too high",
            ("VALIDATION_ERROR",),
        ),
        (500, b"oops", Unavailable, "oops", ()),
        (423, b"", Unavailable, "Locked", ()),
    ],
)
def test_statuses_map_to_errors_with_the_platform_message(server, fake_time, status, body, error, message, codes):
    server.answer((status, JSON if body.startswith(b"{") else {}, body))
    with _client(server, fake_time) as client, pytest.raises(error) as raised:
        client.put("/orders/1")
    assert type(raised.value) is error
    assert raised.value.status == status
    assert raised.value.message == message
    assert raised.value.codes == codes
    assert len(server.received) == 1


def test_secrets_are_masked_in_log_lines(server, fake_time, caplog):
    # given: a token header, Basic auth and secret query parameters; the platform echoes the token back
    token = "shoptet-api-token-0123456789"
    echoed = f"token {token} of cs_consumer_secret_value is overloaded"
    server.answer((503, JSON, json.dumps({"message": echoed}).encode()))
    http = _http(fake_time, max_attempts=2)
    client = http.client(
        server.url,
        platform="woocommerce",
        installation_key="woocommerce:7",
        headers={"Shoptet-Access-Token": token},
        auth=("ck_visible_consumer_key", "cs_consumer_secret_value"),
    )
    # when
    with caplog.at_level(logging.WARNING, logger="retino.platforms.http"), client, pytest.raises(Unavailable) as raised:
        client.get("/orders", params={"consumer_secret": "cs_query_secret_value", "code": "one-time-code", "page": 2})
    # then: one line per failed attempt, none with a secret in it
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2
    basic = base64.b64encode(b"ck_visible_consumer_key:cs_consumer_secret_value").decode()
    for line in [*lines, str(raised.value)]:
        for secret in (token, basic, "cs_consumer_secret_value", "cs_query_secret_value", "one-time-code"):
            assert secret not in line
    assert "'Shoptet-Access-Token': '***'" in lines[0]
    assert "'Authorization': '***'" in lines[0]
    assert "consumer_secret=***&code=***&page=2" in lines[0]
    assert "token *** of *** is overloaded" in lines[0]
    assert "(attempt 1/2, retrying in 0.38s)" in lines[0]
    assert "(attempt 2/2, giving up)" in lines[1]
    # but the platform did get them
    assert server.received[0].headers["Shoptet-Access-Token"] == token
    assert server.received[0].headers["Authorization"] == f"Basic {basic}"


def test_mask_url_keeps_harmless_parameters():
    assert mask_url("https://shop.test/wp-json/wc/v3/orders?page=2&consumer_key=ck_1") == (
        "https://shop.test/wp-json/wc/v3/orders?page=2&consumer_key=***"
    )
    assert mask_url("https://shop.test/orders") == "https://shop.test/orders"


def test_absolute_paths_are_refused_so_credentials_stay_on_the_host(server, fake_time):
    with _client(server, fake_time) as client, pytest.raises(ValueError, match="relative"):
        client.get("https://evil.example/steal")
    assert server.received == []


def test_the_rate_limiter_spaces_requests_per_installation(server, fake_time):
    # given: two installations sharing one limiter, 2 requests/s each, no burst
    server.answer(OK)
    http = _http(fake_time)
    limit = RateLimit(per_second=2)
    first = http.client(server.url, platform="shoptet", installation_key="shoptet:1", rate_limit=limit)
    second = http.client(server.url, platform="shoptet", installation_key="shoptet:2", rate_limit=limit)
    with first, second:
        # when
        first.get("/a")
        first.get("/b")
        sleeps_before_second = list(fake_time.sleeps)
        second.get("/c")
        sleeps_after_second = list(fake_time.sleeps)
        first.get("/d")
    # then: the first installation waits half a second per request; the second one is not slowed by it
    assert sleeps_before_second == [0.5]
    assert sleeps_after_second == [0.5]
    assert fake_time.sleeps == [0.5, 0.5]
    assert [request.path for request in server.received] == ["/a", "/b", "/c", "/d"]


def test_an_extra_bucket_paces_one_kind_of_request(server, fake_time):
    server.answer(OK)
    http = _http(fake_time)
    messaging = RateLimit(per_second=1, name="messaging")
    with http.client(
        server.url, platform="allegro", installation_key="allegro:9", rate_limit=RateLimit(10, burst=10)
    ) as client:
        client.post("/messaging/messages", json={}, extra_limit=messaging)
        client.get("/order/events")
        client.post("/messaging/messages", json={}, extra_limit=messaging)
    assert fake_time.sleeps == [1.0]


def test_a_pace_beyond_the_cap_raises_rate_limited_without_sending(server, fake_time):
    server.answer(OK)
    limiter = InProcessRateLimiter(clock=fake_time.clock)
    http = _http(fake_time, limiter=limiter, max_wait=5.0)
    slow = RateLimit(per_second=0.1)
    with http.client(server.url, platform="shoptet", installation_key="shoptet:1", rate_limit=slow) as client:
        client.get("/a")
        with pytest.raises(RateLimited) as raised:
            client.get("/b")
    assert raised.value.retry_at == datetime.fromtimestamp(fake_time.now + 10, UTC)
    assert raised.value.status is None
    assert [request.path for request in server.received] == ["/a"]
    # nothing was reserved by the refused call: the slot is still 10 s away, not 20
    assert limiter.reserve("shoptet:1", slow, max_wait=60) == 10.0


def test_in_process_buckets_allow_a_burst_then_space():
    now = [100.0]
    limiter = InProcessRateLimiter(clock=lambda: now[0])
    limit = RateLimit(per_second=4, burst=3)
    assert [limiter.reserve("k", limit, max_wait=5) for _ in range(5)] == [0.0, 0.0, 0.0, 0.25, 0.5]
    now[0] += 1.0
    assert limiter.reserve("k", limit, max_wait=5) == 0.0


def test_redis_buckets_are_shared_and_independent_per_installation(redis_url, queue_prefix, fake_time):
    import redis

    limit = RateLimit(per_second=2, burst=2)
    worker_a = RedisRateLimiter.from_url(redis_url, prefix=queue_prefix, clock=fake_time.clock)
    worker_b = RedisRateLimiter.from_url(redis_url, prefix=queue_prefix, clock=fake_time.clock)
    # two workers draw from the same bucket of one installation
    assert worker_a.reserve("shoptet:1", limit, max_wait=5) == 0.0
    assert worker_b.reserve("shoptet:1", limit, max_wait=5) == 0.0
    assert worker_a.reserve("shoptet:1", limit, max_wait=5) == 0.5
    assert worker_b.reserve("shoptet:1", limit, max_wait=5) == 1.0
    # a wait beyond the cap reserves nothing
    assert worker_a.reserve("shoptet:1", limit, max_wait=1) == 1.5
    assert worker_a.reserve("shoptet:1", limit, max_wait=5) == 1.5
    # another installation is not slowed
    assert worker_b.reserve("shoptet:2", limit, max_wait=5) == 0.0
    # the key expires once the bucket would be full again
    ttl = redis.Redis.from_url(redis_url).pttl(f"{queue_prefix}:shoptet:1")
    assert 0 < ttl <= 2500


def test_the_limiter_is_redis_backed_only_when_redis_is_configured(redis_url):
    assert isinstance(build_rate_limiter(Settings()), InProcessRateLimiter)
    assert isinstance(build_rate_limiter(Settings(redis_url=redis_url)), RedisRateLimiter)
