"""Prism mock servers of the platforms' APIs: the real peers the adapter tests talk to.

Each fixture runs ``prism mock <spec>`` (Stoplight Prism, a dev dependency in ``package.json``
installed by ``make test``) on a free port of 127.0.0.1 over one of the stored specs in
``shared/specs`` beside the repository, and yields the mock's base URL (no trailing slash). The
fixtures are session-scoped and lazy: a mock starts the first time a test asks for it, at most
once per run, and its process group is terminated when the run ends. Loading a spec takes a few
seconds (Shoptet's, ~2 MB, the longest), so tests should share the session mock rather than start
their own.

What the mocks do (Prism 5.14, static mode):

- A request that matches an operation and satisfies its security, parameters and request body is
  answered with the operation's first success response, built from the spec's examples.
- A request missing the declared security gets **401** (``Shoptet-Access-Token``, Allegro's
  ``Authorization: Bearer …``, WooCommerce's HTTP basic auth).
- An invalid request (missing required header or query parameter, path parameter of the wrong
  format, body not matching the schema) is refused: with the operation's own 422 or 400 response
  when the spec declares one, else with Prism's generic **422** ``application/problem+json``. Which
  status you get depends on the operation: Allegro declares 422, the Shoptet and WooCommerce specs
  mostly declare 400. The reasons are what a test should assert on or print: in the
  ``sl-violations`` response header (JSON) when the spec's own response is used, in the body's
  ``validation`` list of the generic 422. A body that is not JSON at all gets 400.
- An ``Accept`` header none of the operation's response media types satisfies gets **406**
  (Allegro's ``application/vnd.allegro.public.v1+json``; ``*/*`` is accepted), and a request body
  in a media type the operation does not take is refused like an invalid request.
- No state: a POST stores nothing and a later GET still returns the example.

Prism is deliberately started *without* ``--errors``: that flag does not make request validation
stricter (invalid requests are refused anyway, as above) but turns violations of the *response*
schema into 500s, and the vendors' own examples break their schemas (Shoptet's order detail has
numeric ``amount`` where the schema says string; Allegro's refund response too), so valid requests
would fail. Response violations only show in ``sl-violations`` on a 2xx answer; ignore them.

Base URLs: Shoptet and Allegro specs use the API host's root (``https://api.myshoptet.com``,
``https://api.allegro.pl``), so the yielded URL replaces that root. The WooCommerce spec's paths are
relative to ``/wp-json/wc/v3`` (given only in its ``servers``, which Prism ignores): the yielded URL
stands for ``https://<store>/wp-json/wc/v3``, not for the store URL. A client that builds the API
root from a store URL must let the test give it the API root directly; ``<mock>/wp-json/wc/v3/...``
is a 404.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import NoReturn

import pytest
import requests

#: retino_core/testing/prism.py → parents[2] is the repository root; the specs sit beside it.
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
SPECS_DIR = (REPOSITORY_ROOT / ".." / "shared" / "specs").resolve()
PRISM_BIN = REPOSITORY_ROOT / "node_modules" / ".bin" / "prism"

#: Spec file of each mocked platform, relative to ``SPECS_DIR``.
SPECS = {
    "shoptet": "shoptet/openapi.yaml",
    "allegro": "allegro/swagger.yaml",
    "woocommerce": "woocommerce/woocommerce-wc-v3-openapi-3.0.x.yml",
}

#: Seconds to wait for a mock to answer. Shoptet's spec loads in ~4 s on an idle machine; the
#: margin covers a busy two-core machine where several test processes load specs at once.
START_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0


def _fail(message: str) -> NoReturn:
    pytest.fail(message, pytrace=False)


def _free_port() -> int:
    """A port nobody listens on right now (the kernel's pick); Prism binds it a moment later."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    """The end of a log file (Prism prints one line per route at start, so the head is noise)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _check_prerequisites(spec: Path) -> None:
    """Fail (never skip) when the test peers are not installed: ``make test`` installs them."""
    if shutil.which("node") is None:
        _fail("Node.js is not installed, so the Prism API mocks cannot run. Run `make test` to install what it needs.")
    if not PRISM_BIN.is_file():
        _fail(f"Prism is not installed ({PRISM_BIN} is missing). Run `make test`: it installs the Node dev tools.")
    if not spec.is_file():
        _fail(f"API spec not found: {spec} (expected shared/specs beside the repository).")


def _describe_failure(what: str, spec: Path, stdout: Path, stderr: Path) -> str:
    return (
        f"Prism mock of {spec.name} {what}.\n"
        f"--- prism stderr ({stderr}) ---\n{_tail(stderr) or '(empty)'}\n"
        f"--- prism stdout, last lines ({stdout}) ---\n{_tail(stdout) or '(empty)'}"
    )


def _wait_until_answering(process: subprocess.Popen[bytes], base_url: str, timeout: float) -> str | None:
    """Poll until the mock answers HTTP (any status: 404 on ``/`` is fine); return why not, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"exited with status {process.returncode} before answering"
        try:
            requests.get(base_url + "/", timeout=2)
        except requests.ConnectionError:
            time.sleep(0.1)
        except requests.Timeout:
            pass
        else:
            return None
    return f"did not answer on {base_url} within {timeout:g} s"


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the whole process group (the node process and anything it forked)."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def running_prism(spec: Path, log_dir: Path, *, timeout: float = START_TIMEOUT) -> Iterator[str]:
    """Run ``prism mock spec`` on a free local port until the block ends; yield its base URL.

    Prism's output goes to ``log_dir`` (stdout logs every request with its validation result); on a
    failed start the test fails with the end of both logs.
    """
    _check_prerequisites(spec)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    stdout_path, stderr_path = log_dir / "prism.stdout.log", log_dir / "prism.stderr.log"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        # A session of its own: the group is what teardown signals, and Ctrl-C reaches only pytest,
        # which then tears the mock down in order.
        process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell; the spec path is ours)
            [str(PRISM_BIN), "mock", str(spec), "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPOSITORY_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        problem = _wait_until_answering(process, base_url, timeout)
        if problem is not None:
            _stop(process)
            _fail(_describe_failure(problem, spec, stdout_path, stderr_path))
        yield base_url
    finally:
        _stop(process)


@contextmanager
def _platform_mock(platform: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_prism(SPECS_DIR / SPECS[platform], tmp_path_factory.mktemp(f"prism-{platform}")) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def prism_shoptet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Mock of the Shoptet API; the URL stands for ``https://api.myshoptet.com``.

    Every operation requires a ``Content-Type`` header (GET too; any value, and ``application/json``
    for a body) and ``Shoptet-Access-Token`` (or ``Shoptet-Private-Api-Token``).
    """
    with _platform_mock("shoptet", tmp_path_factory) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def prism_allegro(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Mock of the Allegro REST API; the URL stands for ``https://api.allegro.pl``.

    Needs ``Authorization: Bearer <token>`` and ``Accept: application/vnd.allegro.public.v1+json``
    (``…beta.v1+json`` for the beta resources); request bodies in the same vendor media type.
    The OAuth token endpoint (allegro.pl/auth/oauth/token) is not part of the spec.
    """
    with _platform_mock("allegro", tmp_path_factory) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def prism_woocommerce(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Mock of the WooCommerce REST API ``wc/v3``; the URL stands for ``https://<store>/wp-json/wc/v3``.

    Paths carry no ``/wp-json/wc/v3`` prefix here (``<url>/orders/727``). Needs HTTP basic auth
    (consumer key and secret); responses are type placeholders (``"string"``, ``0``), not examples.
    """
    with _platform_mock("woocommerce", tmp_path_factory) as base_url:
        yield base_url
