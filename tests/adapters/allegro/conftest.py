"""The scripted local HTTP server of the core client's tests, for what Prism cannot do (fail on purpose)."""

from tests.platforms.conftest import server  # noqa: F401
