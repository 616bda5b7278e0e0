"""Declarative base, column types, the tenant mixin and the session factory.

One transaction per request or job: actions only ``flush()``, the edge commits. Side effects
registered with :func:`after_commit` run only once the transaction has really committed, and
are dropped on rollback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Self

from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    Select,
    create_engine,
    event,
    select,
)
from sqlalchemy import (
    Enum as SAEnum,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from retino_core.clock import as_utc, now

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Primary keys are BIGINT on PostgreSQL and the rowid alias INTEGER on SQLite.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")
#: The largest id either column type holds; a larger one in a URL is simply not found.
MAXIMUM_ID = 2**63 - 1


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware UTC datetimes; hands back aware UTC datetimes on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class AccountScoped:
    """Mixin for every tenant-owned table: an ``account_id`` and lookups that demand it.

    Handlers never use ``session.get(Model, id)``; they use :meth:`get_for_account`, so another
    account's id behaves exactly like a missing one.
    """

    @declared_attr
    def account_id(cls) -> Mapped[int]:
        return mapped_column(BigIntPK, ForeignKey("accounts.id", ondelete="CASCADE"), index=True)

    @classmethod
    def select_for_account(cls, account_id: int) -> Select[tuple[Self]]:
        return select(cls).where(cls.account_id == account_id)  # type: ignore[attr-defined]

    @classmethod
    def get_for_account(cls, session: Session, object_id: int, account_id: int) -> Self | None:
        if not isinstance(object_id, int) or isinstance(object_id, bool) or not 0 < object_id <= MAXIMUM_ID:
            return None
        return session.scalar(
            cls.select_for_account(account_id).where(cls.id == object_id)  # type: ignore[attr-defined]
        )


class Timestamped:
    @declared_attr
    def created_at(cls) -> Mapped[datetime]:
        return mapped_column(UTCDateTime(), default=now)

    @declared_attr
    def updated_at(cls) -> Mapped[datetime]:
        return mapped_column(UTCDateTime(), default=now, onupdate=now)


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    """An engine with the settings both supported databases need.

    SQLite gets foreign keys on, a busy timeout and WAL so the embedded default behaves like a
    database; PostgreSQL gets pre-ping so a restarted server does not fail the first request.
    """
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own BEGIN handling breaks SAVEPOINT and locking; we issue BEGIN ourselves.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(database_url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    event.listen(factory, "after_commit", _run_after_commit_callbacks)
    event.listen(factory, "after_soft_rollback", _drop_after_commit_callbacks)
    return factory


_CALLBACKS_KEY = "retino_after_commit"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's outermost transaction commits; forget it on rollback.

    A callback registered inside a savepoint is forgotten if that savepoint rolls back, and
    releasing a savepoint runs nothing: only the real COMMIT makes the change visible to others.
    """
    session.info.setdefault(_CALLBACKS_KEY, []).append((session.get_nested_transaction(), callback))


def _run_after_commit_callbacks(session: Session) -> None:
    # SQLAlchemy also fires after_commit when a savepoint is released; that is not a commit.
    if session.in_nested_transaction():
        return
    callbacks = session.info.pop(_CALLBACKS_KEY, [])
    for _, callback in callbacks:
        callback()


def _drop_after_commit_callbacks(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_CALLBACKS_KEY, None)
        return
    if not previous_transaction.nested:
        return

    def registered_inside(transaction: Any) -> bool:
        while transaction is not None:
            if transaction is previous_transaction:
                return True
            transaction = transaction.parent
        return False

    kept = [entry for entry in session.info.get(_CALLBACKS_KEY, []) if not registered_inside(entry[0])]
    session.info[_CALLBACKS_KEY] = kept


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def enum_type(enum_class: type[Any], length: int = 32) -> SAEnum:
    """Store an Enum by its value as a short string (no native enum: adding a member needs no migration)."""
    return SAEnum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def dialect_insert(session: Session) -> Any:
    """The ``insert`` construct with ON CONFLICT support for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def exists_on(schema_object: Any, dialect_name: str) -> bool:
    """False for a schema object created only on another database (``Index(...).ddl_if(dialect=...)``).

    Alembic's comparison does not read ``ddl_if``; this keeps it from asking SQLite for PostgreSQL's
    trigram indexes.
    """
    condition = getattr(schema_object, "_ddl_if", None)
    if condition is None or condition.dialect is None:
        return True
    wanted = condition.dialect
    return dialect_name == wanted if isinstance(wanted, str) else dialect_name in wanted


def alembic_include_object(dialect_name: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for this database: skip objects of the other database and the
    FTS5 search mirrors, which the models do not declare (they are kept by ``retino_core.search``)."""
    from retino_core.search import is_fts_object

    def include(item: Any, name: str | None, kind: str, reflected: bool, _compare_to: Any) -> bool:
        if kind == "table" and reflected and name and is_fts_object(name):
            return False
        return exists_on(item, dialect_name)

    return include
