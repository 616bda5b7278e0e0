"""Alembic's history builds exactly the schema the models declare, and unwinds it, on both databases."""

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from marketplace_app.cli import alembic_config
from retino_core.db import alembic_include_object, make_engine
from retino_core.models import Base
from retino_core.search import is_fts_object
from retino_core.testing.plugin import create_postgres_database, drop_postgres_database


@pytest.fixture(params=["postgresql", "sqlite"])
def empty_database_url(request, tmp_path: Path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    url = create_postgres_database("retino_migrations")
    yield url
    drop_postgres_database(url)


def _differences(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            dialect = connection.dialect.name
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "render_as_batch": dialect == "sqlite",
                    "include_object": alembic_include_object(dialect),
                },
            )
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.slow
def test_upgrade_matches_the_models_and_downgrade_removes_everything(empty_database_url):
    config = alembic_config(empty_database_url)
    # when
    command.upgrade(config, "head")
    # then
    assert _differences(empty_database_url) == []
    assert {name for name in _tables(empty_database_url) if not is_fts_object(name)} == {
        table.name for table in Base.metadata.sorted_tables
    } | {"alembic_version"}
    # when
    command.downgrade(config, "base")
    # then
    assert _tables(empty_database_url) == {"alembic_version"}
    # and up again, so the downgrade left nothing behind that blocks a re-run
    command.upgrade(config, "head")
    assert _differences(empty_database_url) == []
