"""Pytest fixtures: a real PostgreSQL database and Redis namespace per test run, and factories.

Each run creates its own database (``retino_test_<random>``) on the server named by
``RETINO_TEST_POSTGRES_URL`` (default: the local ``test`` database as ``postgres``), builds the
schema from the models, empties every table after each test, and drops the database at the
end. The migration tests check separately that Alembic produces the same schema.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from retino_core.config import SETTINGS_INFO_KEY, Settings
from retino_core.db import make_engine, make_session_factory

# The API mocks the adapter tests run against; pytest collects fixtures from this module's names.
from retino_core.testing.prism import prism_allegro, prism_shoptet, prism_woocommerce  # noqa: F401

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def admin_postgres_url() -> str:
    return os.environ.get("RETINO_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def test_redis_url() -> str:
    return os.environ.get("RETINO_TEST_REDIS_URL", DEFAULT_REDIS_URL)


def create_postgres_database(prefix: str = "retino_test") -> str:
    """Create an empty database on the test server and return its URL; fail clearly if the server is down."""
    import psycopg

    admin_url = make_url(admin_postgres_url())
    name = f"{prefix}_{secrets.token_hex(6)}"
    try:
        with psycopg.connect(admin_url.set(drivername="postgresql").render_as_string(False), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {admin_url.render_as_string(True)}: {error}. "
            "Start it, or point RETINO_TEST_POSTGRES_URL at a server.",
            pytrace=False,
        )
    return admin_url.set(database=name).render_as_string(False)


def drop_postgres_database(url: str) -> None:
    import psycopg

    admin_url = make_url(admin_postgres_url())
    name = make_url(url).database
    with psycopg.connect(admin_url.set(drivername="postgresql").render_as_string(False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_schema(engine: Engine) -> None:
    from retino_core.models import Base

    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    Base.metadata.create_all(engine)


def empty_all_tables(engine: Engine) -> None:
    from retino_core.models import Base

    # DELETE beats TRUNCATE on tables this small: TRUNCATE rewrites files for every table.
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET CONSTRAINTS ALL DEFERRED"))
        for table in tables:
            connection.execute(table.delete())


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture(scope="session")
def _engines() -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """The database the test runs on; the SQLite smoke suite overrides this fixture."""
    return postgres_url


@pytest.fixture
def engine(database_url: str, _engines: dict[str, Engine]) -> Iterator[Engine]:
    if database_url not in _engines:
        _engines[database_url] = make_engine(database_url)
        build_schema(_engines[database_url])
    engine = _engines[database_url]
    yield engine
    empty_all_tables(engine)


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    url = test_redis_url()
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError as error:
        pytest.fail(
            f"Redis is not reachable at {url}: {error}. Start it, or point RETINO_TEST_REDIS_URL at a server.",
            pytrace=False,
        )
    return url


@pytest.fixture
def queue_prefix(redis_url: str) -> Iterator[str]:
    """A Redis namespace of its own for this test; every key under it is deleted afterwards."""
    import redis

    prefix = f"retino-test-{secrets.token_hex(4)}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for pattern in (f"*{prefix}*",):
        for key in client.scan_iter(match=pattern, count=500):
            client.delete(key)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-" + "x" * 32,
        environment="testing",
        instance_folder=str(tmp_path / "instance"),
        storage_folder=str(tmp_path / "files"),
        mail_sender="returns@example.test",
        public_base_url="http://shop.example.test",
    ).validate()


@pytest.fixture
def session_factory(engine: Engine, settings: Settings) -> sessionmaker[Session]:
    """Sessions carry the test settings (for e-mail links) but no dispatcher: queued jobs stay pending."""
    factory = make_session_factory(engine)
    factory.configure(info={SETTINGS_INFO_KEY: settings})
    return factory


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    session = session_factory()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def make_account(session: Session) -> Callable[..., Any]:
    from retino_core.accounts.actions import create_account

    counter = iter(range(1, 10_000))

    def factory(**overrides: Any) -> Any:
        number = next(counter)
        payload = {"name": f"Shop {number}", "slug": f"shop-{number}-{secrets.token_hex(2)}", "country": "CZ"}
        payload.update(overrides)
        account = create_account(session, payload=payload)
        session.flush()
        return account

    return factory


@pytest.fixture
def make_member(session: Session) -> Callable[..., Any]:
    """Create a user with a role in an account and return ``(user, actor)``."""
    from retino_core.accounts.actions import actor_for
    from retino_core.accounts.models import Membership, User
    from retino_core.accounts.passwords import hash_password
    from retino_core.accounts.permissions import Role

    def factory(account: Any, role: Role = Role.owner, **overrides: Any) -> tuple[Any, Any]:
        user = User(
            email=overrides.pop("email", f"user-{secrets.token_hex(4)}@example.test"),
            full_name=overrides.pop("full_name", "Jana Nováková"),
            password_hash=overrides.pop("password_hash", _cheap_hash(hash_password)),
            language=overrides.pop("language", "cs"),
        )
        session.add(user)
        session.flush()
        membership = Membership(account_id=account.id, user_id=user.id, role=role)
        session.add(membership)
        session.flush()
        return user, actor_for(membership)

    return factory


_HASH_CACHE: dict[str, str] = {}


def _cheap_hash(hasher: Callable[[str], str]) -> str:
    """argon2 is slow on purpose; tests reuse one hash of the same password."""
    if "pw" not in _HASH_CACHE:
        _HASH_CACHE["pw"] = hasher("correct horse battery")
    return _HASH_CACHE["pw"]


TEST_PASSWORD = "correct horse battery"  # noqa: S105


@pytest.fixture
def make_channel(session: Session) -> Callable[..., Any]:
    from retino_core.accounts.models import ChannelStatus, Platform, SalesChannel

    def factory(account: Any, **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "platform": Platform.shoptet,
            "name": "E-shop",
            "external_shop_id": secrets.token_hex(4),
            "shop_url": "https://shop.example.test",
            "country": account.country,
            "currency": account.default_currency,
            "default_language": account.default_language,
            "status": ChannelStatus.connected,
        }
        values.update(overrides)
        channel = SalesChannel(account_id=account.id, **values)
        session.add(channel)
        session.flush()
        return channel

    return factory


@pytest.fixture
def make_order(session: Session) -> Callable[..., Any]:
    """An order with items given as ``[(name, quantity, unit_price), ...]`` (Decimal-able strings)."""
    from datetime import timedelta
    from decimal import Decimal

    from retino_core import clock
    from retino_core.orders.models import Order, OrderItem

    counter = iter(range(1, 1_000_000))

    def factory(channel: Any, items: list[tuple[str, str, str]] | None = None, **overrides: Any) -> Any:
        number = next(counter)
        lines = items or [("Tričko s potiskem", "2", "499.00"), ("Kšiltovka", "1", "299.00")]
        ordered_at = overrides.pop("ordered_at", clock.now() - timedelta(days=10))
        total = sum((Decimal(q) * Decimal(p) for _, q, p in lines), Decimal("0"))
        order = Order(
            account_id=channel.account_id,
            channel_id=channel.id,
            external_id=overrides.pop("external_id", f"ext-{number}"),
            code=overrides.pop("code", f"2026{number:06d}"),
            customer_name=overrides.pop("customer_name", "Petr Dvořák"),
            customer_email=overrides.pop("customer_email", "petr.dvorak@example.test"),
            currency=channel.currency,
            total_amount=total,
            ordered_at=ordered_at,
            delivered_at=overrides.pop("delivered_at", ordered_at + timedelta(days=2)),
            **overrides,
        )
        for index, (name, quantity, price) in enumerate(lines):
            order.items.append(
                OrderItem(
                    account_id=channel.account_id,
                    external_id=f"line-{index}",
                    name=name,
                    quantity=Decimal(quantity),
                    unit_price_amount=Decimal(price),
                    currency=channel.currency,
                    vat_rate=Decimal("21.00"),
                )
            )
        session.add(order)
        session.flush()
        return order

    return factory


@pytest.fixture
def make_case_row(session: Session) -> Callable[..., Any]:
    """Insert a bare case row directly, bypassing the actions (for testing modules that hang off a case)."""
    from retino_core import clock
    from retino_core.case_types.models import CaseType
    from retino_core.cases.models import Case, CaseOrigin

    counter = iter(range(1, 1_000_000))

    def factory(account: Any, type_code: str = "complaint", **overrides: Any) -> Any:
        case_type = session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == type_code))
        number = next(counter)
        values: dict[str, Any] = {
            "number": f"{case_type.number_prefix}{number:05d}",
            "case_type_id": case_type.id,
            "status_id": case_type.initial_status_id,
            "customer_name": "Petr Dvořák",
            "customer_email": "petr.dvorak@example.test",
            "language": account.default_language,
            "country": account.country,
            "currency": account.default_currency,
            "origin": CaseOrigin.agent,
            "access_token": secrets.token_urlsafe(24),
            "lodged_at": clock.now(),
        }
        values.update(overrides)
        case = Case(account_id=account.id, **values)
        session.add(case)
        session.flush()
        return case

    return factory
