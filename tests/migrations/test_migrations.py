"""Alembic's history builds exactly the schema the models declare, and unwinds it, on both databases."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect, text

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


@pytest.mark.slow
def test_0006_gives_existing_channels_a_public_id_and_existing_types_their_reasons(empty_database_url):
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0005")
    engine = make_engine(empty_database_url)
    moment = datetime(2026, 11, 1, tzinfo=UTC)
    stamps = {"created_at": moment, "updated_at": moment}
    tables = MetaData()
    tables.reflect(engine, only=["accounts", "case_types", "sales_channels"])
    try:
        with engine.begin() as connection:
            connection.execute(
                tables.tables["accounts"].insert(),
                [
                    {"id": number, "name": f"Shop {number}", "slug": f"shop-{number}", "country": "CZ"}
                    | {"default_language": "cs", "default_currency": "CZK", "status": "active"}
                    | {"reasonable_period_days": 14, **stamps}
                    for number in (1, 2)
                ],
            )
            connection.execute(
                tables.tables["case_types"].insert(),
                [
                    {"id": type_id, "account_id": account_id, "code": code, "kind": code, "names": {"en": code}}
                    | {"color": "#000000", "number_prefix": code[0].upper(), "position": 0, "is_active": True}
                    | {"is_public": True, **stamps}
                    for type_id, account_id, code in ((1, 1, "return"), (2, 1, "withdrawal"), (3, 2, "complaint"))
                ],
            )
            connection.execute(
                tables.tables["sales_channels"].insert(),
                [
                    {"id": number, "account_id": number, "platform": "shoptet", "name": "Shop"}
                    | {"external_shop_id": str(number), "shop_url": "", "country": "CZ", "currency": "CZK"}
                    | {"default_language": "cs", "status": "waiting", "status_message": "", **stamps}
                    for number in (1, 2)
                ],
            )
        # when
        command.upgrade(config, "0006")
        # then
        with engine.connect() as connection:
            public_ids = connection.execute(text("SELECT public_id FROM sales_channels ORDER BY id")).scalars().all()
            reasons = connection.execute(
                text("SELECT case_type_id, code, position FROM case_reasons ORDER BY case_type_id, position")
            ).all()
    finally:
        engine.dispose()
    assert len(set(public_ids)) == 2
    assert all(len(public_id) == 24 for public_id in public_ids)
    assert [(type_id, code) for type_id, code, _ in reasons if type_id == 1] == [
        (1, "wrong_size"),
        (1, "not_as_described"),
        (1, "changed_mind"),
        (1, "ordered_by_mistake"),
        (1, "damaged_in_transport"),
        (1, "wrong_item"),
    ]
    assert [code for type_id, code, _ in reasons if type_id == 3] == [
        "defect",
        "damaged_in_transport",
        "missing_part",
        "not_as_ordered",
    ]
    assert [row for row in reasons if row[0] == 2] == []


@pytest.mark.slow
def test_on_postgresql_the_migrated_withdrawal_statements_refuse_updates_and_forged_hashes():
    url = create_postgres_database("retino_migrations")
    engine = make_engine(url)
    try:
        command.upgrade(alembic_config(url), "head")
        with engine.connect() as connection:
            triggers = connection.execute(
                text(
                    "SELECT tgname FROM pg_trigger "
                    "WHERE tgrelid = 'withdrawal_statements'::regclass AND NOT tgisinternal"
                )
            ).scalars()
            checks = connection.execute(
                text(
                    "SELECT conname FROM pg_constraint WHERE conrelid = 'withdrawal_statements'::regclass "
                    "AND contype = 'c' ORDER BY conname"
                )
            ).scalars()
            assert list(triggers) == ["withdrawal_statements_no_update"]
            assert list(checks) == [
                "ck_withdrawal_statements_sha256_length",
                "ck_withdrawal_statements_sha256_matches_text",
            ]
    finally:
        engine.dispose()
        drop_postgres_database(url)
