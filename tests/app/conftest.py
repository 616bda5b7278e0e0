import pytest

from marketplace_app import create_app


@pytest.fixture
def app(settings, engine):
    app = create_app(settings)
    yield app
    app.extensions["retino_runtime"].close()


@pytest.fixture
def client(app):
    return app.test_client()
