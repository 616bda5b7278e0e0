"""A small Allegro OAuth server on a free local port: the token and device endpoints, checking what we send.

Allegro's auth host (``/auth/oauth/*``) is not in the API spec, so Prism cannot play it. This peer
implements what we use and refuses what Allegro would refuse:

- every call needs HTTP Basic ``client_id:client_secret`` (else 401 ``invalid_client``);
- ``POST /auth/oauth/token`` with ``grant_type``:
  - ``authorization_code``: the ``code`` the test issued, the registered ``redirect_uri`` and a
    ``code_verifier`` whose S256 hash is the challenge the test registered with the code;
  - ``refresh_token``: a refresh token the peer issued and nobody spent (each refresh replaces it);
  - ``urn:ietf:params:oauth:grant-type:device_code``: the device code it issued, answering the
    scripted ``device_answers`` in turn (``authorization_pending``, ``slow_down``, ``access_denied``,
    ``expired_token`` or ``granted``);
- ``POST /auth/oauth/device`` with form ``client_id``: a device code, user code and verification URIs.

Refusals are RFC 6749 JSON errors with status 400. Tokens are ``access-N``/``refresh-N``, living
``lifetime`` seconds (12 hours by default, like Allegro's).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from tests.local_server import serving

CLIENT_ID = "retino-test-client"
CLIENT_SECRET = "retino-test-secret"
DEVICE_CODE = "device-code-1"
USER_CODE = "ABC-DEF"


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


@dataclass
class Seen:
    path: str
    authorization: str
    form: dict[str, str]


@dataclass
class OAuthPeer:
    url: str = ""
    redirect_uri: str = "http://shop.example.test/connect/allegro/callback"
    lifetime: int = 43_199
    #: code → the S256 challenge it was issued with.
    codes: dict[str, str] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    device_answers: list[str] = field(default_factory=lambda: ["granted"])
    seen: list[Seen] = field(default_factory=list)
    counter: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue_code(self, code: str, challenge: str) -> None:
        self.codes[code] = challenge

    def grants(self, grant_type: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.form.get("grant_type") == grant_type]

    def _tokens(self) -> dict[str, object]:
        self.counter += 1
        refresh = f"refresh-{self.counter}"
        self.refresh_tokens.add(refresh)
        return {
            "access_token": f"access-{self.counter}",
            "token_type": "bearer",
            "refresh_token": refresh,
            "expires_in": self.lifetime,
            "scope": "allegro:api:orders:read allegro:api:orders:write allegro:api:messaging",
            "jti": f"jti-{self.counter}",
        }

    def answer(self, path: str, authorization: str, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        with self.lock:
            self.seen.append(Seen(path, authorization, form))
            expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if authorization != expected:
                return 401, {"error": "invalid_client", "error_description": "Bad client credentials"}
            if path == "/auth/oauth/device":
                if form.get("client_id") != CLIENT_ID:
                    return 400, {"error": "invalid_request", "error_description": "client_id is required"}
                return 200, {
                    "device_code": DEVICE_CODE,
                    "user_code": USER_CODE,
                    "verification_uri": "https://allegro.pl.allegrosandbox.pl/skojarz-aplikacje",
                    "verification_uri_complete": f"https://allegro.pl.allegrosandbox.pl/skojarz-aplikacje?code={USER_CODE}",
                    "expires_in": 3600,
                    "interval": 5,
                }
            if path != "/auth/oauth/token":
                return 404, {"error": "not_found"}
            grant = form.get("grant_type")
            if grant == "authorization_code":
                challenge = self.codes.pop(form.get("code", ""), None)
                if (
                    challenge is None
                    or form.get("redirect_uri") != self.redirect_uri
                    or s256(form.get("code_verifier", "")) != challenge
                ):
                    return 400, {"error": "invalid_grant", "error_description": "Invalid authorization code"}
                return 200, self._tokens()
            if grant == "refresh_token":
                token = form.get("refresh_token", "")
                if token not in self.refresh_tokens:
                    return 400, {"error": "invalid_grant", "error_description": "Invalid refresh token"}
                self.refresh_tokens.discard(token)
                return 200, self._tokens()
            if grant == "urn:ietf:params:oauth:grant-type:device_code":
                if form.get("device_code") != DEVICE_CODE:
                    return 400, {"error": "invalid_grant", "error_description": "Invalid device code"}
                outcome = self.device_answers.pop(0) if len(self.device_answers) > 1 else self.device_answers[0]
                if outcome == "granted":
                    return 200, self._tokens()
                return 400, {"error": outcome}
            return 400, {"error": "unsupported_grant_type"}


def _handler(peer: OAuthPeer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else ""
            form = {name: values[-1] for name, values in parse_qs(body, keep_blank_values=True).items()}
            status, answer = peer.answer(self.path.split("?")[0], self.headers.get("Authorization", ""), form)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler


def run_peer() -> Iterator[OAuthPeer]:
    """The peer on a free local port for the duration of a fixture."""
    peer = OAuthPeer()
    with serving(_handler(peer)) as url:
        peer.url = url
        yield peer
