import pytest

from tests.messaging.conftest import smtp_runtime, smtp_server  # noqa: F401


@pytest.fixture
def shop(make_account, make_channel, make_order):
    """A Czech account (with its default Withdrawal type), a channel and one order of two lines."""
    account = make_account(name="Obchod s trička", country="CZ")
    channel = make_channel(account)
    order = make_order(channel, code="2026000123")
    return account, channel, order
