"""A small stateful WooCommerce store on a local port, for what the stateless Prism mock cannot show.

It keeps the refunds posted to it, lists them back like ``GET /orders/{id}/refunds`` and serves
the stored example order. ``lose_next_refund_answer()`` makes it store the next refund and then
drop the connection without answering: the platform made the refund, our worker never heard.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from tests.adapters.examples import example_bytes
from tests.local_server import serving


@dataclass
class WooCommerceStore:
    url: str = ""
    refunds: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    lost_answers: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def lose_next_refund_answer(self, times: int = 1) -> None:
        self.lost_answers = times

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, Any] | None:
        """The answer to one request; None to drop the connection unanswered."""
        with self.lock:
            self.requests.append((method, urlsplit(path).path))
            parts = urlsplit(path).path.strip("/").split("/")
            if method == "GET" and parts[:1] == ["orders"] and len(parts) == 2:
                return 200, json.loads(example_bytes("woocommerce", "order-webhook-payload.order.created.json"))
            if parts[:1] != ["orders"] or len(parts) != 3 or parts[2] != "refunds":
                return 404, {"code": "rest_no_route", "message": "No route"}
            if method == "GET":
                return 200, list(reversed(self.refunds))
            sent = json.loads(body)
            refund = {
                "id": 900 + len(self.refunds),
                "amount": sent["amount"],
                "reason": sent.get("reason", ""),
                "meta_data": [{"id": 1, **item} for item in sent.get("meta_data", [])],
                "line_items": sent.get("line_items", []),
            }
            self.refunds.append(refund)
            if self.lost_answers:
                self.lost_answers -= 1
                return None
            return 201, refund


def _handler(store: WooCommerceStore) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            answer = store.handle(self.command, self.path, body)
            if answer is None:
                self.close_connection = True
                return
            status, content = answer
            payload = json.dumps(content).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler


def running_store() -> Iterator[WooCommerceStore]:
    store = WooCommerceStore()
    with serving(_handler(store)) as url:
        store.url = url
        yield store
