"""The storefront app as in production (CSRF on, rate limits on) and a client; no cookies are relied on.

A test module that is not about rate limits sets ``RATE_LIMITS = False`` so its many requests
from one test address are not refused.
"""

import pytest

from marketplace_app import create_app


@pytest.fixture
def app(request, settings, engine):
    app = create_app(settings)
    app.config.update(RATELIMIT_ENABLED=getattr(request.module, "RATE_LIMITS", True))
    yield app
    app.extensions["retino_runtime"].close()


@pytest.fixture
def client(app):
    return app.test_client()
