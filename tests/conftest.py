"""Fixtures shared by several test packages."""

import pytest

from tests.adapters.shoptet.oauth_peer import CLIENT_ID, run_peer


@pytest.fixture
def shoptet_oauth_peer():
    """Our add-on's OAuth server at Shoptet (a local peer: it is not in the API spec)."""
    yield from run_peer()


@pytest.fixture
def shoptet_settings(settings, shoptet_oauth_peer, prism_shoptet):
    """Settings with the Shoptet add-on configured: the OAuth peer, and the API at the spec's Prism mock."""
    return settings.with_overrides(
        shoptet_oauth_url=shoptet_oauth_peer.url, shoptet_client_id=CLIENT_ID, shoptet_api_url=prism_shoptet
    )
