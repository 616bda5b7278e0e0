"""Webhook intake under gunicorn on PostgreSQL versus a bare endpoint that only reads the body, in one run.

Our intake does per delivery what a platform waits for: find the channel, decrypt its secret,
verify the HMAC over the raw bytes, store the delivery once (INSERT … ON CONFLICT), write the outbox
row and hand the job to the queue after commit. The baseline is a WSGI app that reads the body and
answers 200, served by the same gunicorn with the same workers and driven by the same clients. The
printed ratio (baseline deliveries/s ÷ ours) is the figure: what verification, dedupe and enqueueing
cost on top of merely receiving a request. Every delivery must come back 201, be stored once and
queued once, or the run fails.

Needs ``RETINO_BENCH_DATABASE_URL`` (an empty PostgreSQL database; its tables are recreated) and
``RETINO_BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``; the queue keys of the run are deleted).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import redis
import requests
from sqlalchemy import func, select, text

from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import ChannelStatus, Platform, SalesChannel
from retino_core.config import SETTINGS_INFO_KEY, Settings
from retino_core.db import make_engine, make_session_factory
from retino_core.jobs.models import OutboxJob
from retino_core.models import Base
from retino_core.webhooks.models import WebhookDelivery

REPOSITORY = Path(__file__).resolve().parents[1]
SECRET_KEY = "benchmark-secret-key-" + "x" * 32
WEBHOOK_SECRET = "benchmark-webhook-secret"
BODY_FILE = (
    REPOSITORY.parent
    / "shared"
    / "specs"
    / "woocommerce"
    / "examples"
    / "order-webhook-payload.order.created.raw-body.json"
)


def bare_app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """The baseline: read the whole body, answer 200 with a small JSON body, nothing else."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(length)
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(app: str, env: dict[str, str], workers: int) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(REPOSITORY),
            "--log-level",
            "warning",
            app,
        ],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/", timeout=1)
            return process, url
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn did not start {app}")


def _drive(
    url: str, body: bytes, headers: Callable[[int], dict[str, str]], count: int, clients: int
) -> tuple[float, list[int]]:
    """``count`` POSTs from ``clients`` threads with keep-alive; (seconds, statuses)."""
    statuses: list[int] = []
    lock = threading.Lock()
    numbers = iter(range(count))
    start = threading.Barrier(clients + 1)

    def client() -> None:
        http = requests.Session()
        start.wait()
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            response = http.post(url, data=body, headers=headers(number), timeout=60)
            with lock:
                statuses.append(response.status_code)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    arguments = parser.parse_args()
    database_url = os.environ.get("RETINO_BENCH_DATABASE_URL", "")
    if not database_url.startswith("postgresql"):
        raise SystemExit("set RETINO_BENCH_DATABASE_URL to an empty PostgreSQL database")
    redis_url = os.environ.get("RETINO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    prefix = f"retino-bench-{secrets.token_hex(3)}"
    body = BODY_FILE.read_bytes()
    signature = base64.b64encode(hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).digest()).decode()

    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    factory.configure(info={SETTINGS_INFO_KEY: Settings()})
    from retino_core.accounts.actions import create_account

    with factory() as session:
        account = create_account(session, payload={"name": "Bench", "slug": f"bench-{prefix}", "country": "CZ"})
        channel = SalesChannel(
            account_id=account.id,
            platform=Platform.woocommerce,
            name="Bench store",
            external_shop_id="https://store.example",
            shop_url="https://store.example",
            country="CZ",
            currency="CZK",
            default_language="cs",
            status=ChannelStatus.connected,
            credentials_encrypted=CredentialCipher(SECRET_KEY).encrypt(
                {"consumer_key": "ck_1", "consumer_secret": "cs_1", "webhook_secret": WEBHOOK_SECRET}
            ),
        )
        session.add(channel)
        session.commit()
        public_id = channel.public_id

    env = {
        **os.environ,
        "RETINO_DATABASE_URL": database_url,
        "RETINO_REDIS_URL": redis_url,
        "RETINO_QUEUE_PREFIX": prefix,
        "RETINO_SECRET_KEY": SECRET_KEY,
        "RETINO_ENVIRONMENT": "development",
        "RETINO_INSTANCE_FOLDER": tempfile.mkdtemp(),
        "PYTHONPATH": str(REPOSITORY),
    }

    def signed(number: int) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "X-WC-Webhook-Signature": signature,
            "X-WC-Webhook-Delivery-ID": f"bench-{number}",
            "X-WC-Webhook-Topic": "order.created",
        }

    results = {}
    for name, app, path in (
        ("bare endpoint", "benchmarks.webhook_intake:bare_app", "/"),
        ("our intake", "marketplace_app:create_app()", f"/webhooks/woocommerce/{public_id}"),
    ):
        process, url = _serve(app, env, arguments.workers)
        try:
            _drive(
                url + path,
                body,
                lambda number: {**signed(number), "X-WC-Webhook-Delivery-ID": f"warm-{number}"},
                200,
                arguments.clients,
            )
            seconds, statuses = _drive(url + path, body, signed, arguments.deliveries, arguments.clients)
        finally:
            process.terminate()
            process.wait(30)
        expected = 200 if name == "bare endpoint" else 201
        if statuses.count(expected) != arguments.deliveries:
            raise SystemExit(f"{name}: expected {arguments.deliveries}× {expected}, got {sorted(set(statuses))}")
        results[name] = arguments.deliveries / seconds
        print(f"{name:14} {arguments.deliveries} deliveries in {seconds:6.2f} s = {results[name]:8.0f}/s")

    with factory() as session:
        stored = session.scalar(
            select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.dedupe_key.like("bench-%"))
        )
        queued = session.scalar(select(func.count()).select_from(OutboxJob))
    connection = redis.Redis.from_url(redis_url)
    for key in connection.scan_iter(match=f"*{prefix}*", count=1000):
        connection.delete(key)
    if stored != arguments.deliveries:
        raise SystemExit(f"expected {arguments.deliveries} stored deliveries, found {stored}")
    print(f"stored once each: {stored} deliveries, {queued} outbox rows (200 of them the warm-up)")
    print(
        f"{arguments.workers} gunicorn workers, {arguments.clients} clients: our intake runs at "
        f"{results['our intake'] / results['bare endpoint']:.2f}× the bare endpoint's rate "
        f"(the bare endpoint is {results['bare endpoint'] / results['our intake']:.1f}× faster)"
    )


if __name__ == "__main__":
    main()
