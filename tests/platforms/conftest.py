"""A real HTTP server on a free local port that answers a scripted sequence, and a fake clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

#: A scripted answer that never comes: the handler waits until the test ends (for timeouts).
HANG = (0, {}, b"")


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ScriptedServer:
    """Answers each request with the next scripted ``(status, headers, body)``; the last one repeats forever."""

    url: str
    script: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, *responses: tuple[int, dict[str, str], bytes]) -> None:
        self.script = list(responses)

    def next_response(self, request: Received) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.received.append(request)
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]


def _handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            received = Received(self.command, self.path, dict(self.headers.items()), body)
            response = server.next_response(received)
            if response is HANG:
                server.release.wait(10)
                self.close_connection = True
                return
            status, headers, payload = response
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return None


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer(url="")
    httpd = _QuietServer(("127.0.0.1", 0), _handler(scripted))
    scripted.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield scripted
    scripted.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


class FakeTime:
    """Epoch seconds that move only when the code under test sleeps."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()
