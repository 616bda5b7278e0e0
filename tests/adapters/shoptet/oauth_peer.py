"""A stand-in for our add-on's OAuth server at Shoptet (``/token``, ``/getAccessToken``): not in the API spec.

It answers like the stored examples and records what it was asked, so tests check our requests
(client id, the one-time code, the redirect URI, the Bearer token) and count token fetches.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.adapters.examples import example_json
from tests.local_server import serving

CLIENT_ID = "retino-test-client"
GOOD_CODE = "one-time-install-code"


@dataclass
class OAuthPeer:
    url: str = ""
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    access_token_requests: list[str] = field(default_factory=list)
    #: The answer to ``/token`` for a good code; tests change ``eshopId`` or ``contactEmail``.
    grant: dict[str, Any] = field(default_factory=lambda: example_json("shoptet", "oauth-token.response.json"))
    #: Status of ``/getAccessToken`` (401 = the add-on was uninstalled).
    access_token_status: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def oauth_token(self) -> str:
        return str(self.grant["access_token"])


def _handler(peer: OAuthPeer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path != "/action/ApiOAuthServer/token":
                return self._answer(404, {"error": "not_found"})
            try:
                body = json.loads(raw)
            except ValueError:
                return self._answer(400, {"error": "invalid_request"})
            with peer.lock:
                peer.token_requests.append(body)
            if body.get("client_id") != CLIENT_ID or body.get("code") != GOOD_CODE:
                return self._answer(400, {"error": "invalid_grant"})
            grant = {key: value for key, value in peer.grant.items() if not key.startswith("_")}
            return self._answer(200, grant)

        def do_GET(self) -> None:
            if self.path != "/action/ApiOAuthServer/getAccessToken":
                return self._answer(404, {"error": "not_found"})
            authorization = self.headers.get("Authorization", "")
            with peer.lock:
                peer.access_token_requests.append(authorization)
            if authorization != f"Bearer {peer.oauth_token}" or peer.access_token_status != 200:
                return self._answer(peer.access_token_status if peer.access_token_status != 200 else 401, {})
            answer = example_json("shoptet", "api-access-token.response.json")
            count = len(peer.access_token_requests)
            return self._answer(200, {"access_token": f"{answer['access_token']}-{count}", "expires_in": 1800})

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler


def run_peer() -> Iterator[OAuthPeer]:
    peer = OAuthPeer()
    with serving(_handler(peer)) as url:
        peer.url = f"{url}/action/ApiOAuthServer"
        yield peer
