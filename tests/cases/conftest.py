import pytest

from retino_core.accounts.permissions import Role


@pytest.fixture
def shop(make_account, make_member, make_channel, make_order):
    """An account with an owner, a Shoptet channel and one order of two lines (2× T-shirt, 1× cap)."""
    account = make_account(name="Obchod s trička", country="CZ")
    owner, owner_actor = make_member(account, Role.owner, full_name="Jana Nováková")
    channel = make_channel(account)
    order = make_order(channel)
    return account, owner, owner_actor, channel, order
