"""The scripted local HTTP server of the core client's tests, and a local Allegro OAuth server."""

import pytest

from tests.adapters.allegro.oauth_peer import run_peer
from tests.platforms.conftest import server  # noqa: F401


@pytest.fixture
def oauth_peer():
    yield from run_peer()
