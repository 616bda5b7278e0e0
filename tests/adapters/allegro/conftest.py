"""The scripted local HTTP server of the core client's tests, and a local Allegro OAuth server."""

import pytest

from tests.adapters.allegro.oauth_peer import start_peer, stop_peer
from tests.platforms.conftest import server  # noqa: F401


@pytest.fixture
def oauth_peer():
    peer, httpd, thread = start_peer()
    yield peer
    stop_peer(httpd, thread)
