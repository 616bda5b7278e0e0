"""The retino command against a SQLite file: migrate, load the demo twice, create a user."""

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text

from marketplace_app.cli import main
from retino_core.accounts.models import Membership, User


@pytest.fixture
def environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RETINO_INSTANCE_FOLDER", str(tmp_path / "instance"))
    for name in ("RETINO_DATABASE_URL", "RETINO_REDIS_URL", "RETINO_SMTP_URL", "RETINO_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "instance" / "retino.sqlite3"


def test_migrate_load_demo_and_create_user(environment):
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"]).exit_code == 0
    first = runner.invoke(main, ["load-demo"])
    second = runner.invoke(main, ["load-demo"])
    assert first.exit_code == second.exit_code == 0
    assert first.output.splitlines()[-2:] == [
        "Demo data loaded.",
        "Log in as demo@example.com with the password retino-demo-2026",
    ]
    assert second.output.splitlines()[-2] == "Demo data already present."
    created = runner.invoke(
        main,
        [
            "create-user",
            "--email",
            "Nova@Example.com",
            "--name",
            "Nová Kolegyně",
            "--account",
            "demo",
            "--role",
            "agent",
        ],
        input="dostatečně dlouhé\ndostatečně dlouhé\n",
    )
    assert created.exit_code == 0, created.output
    assert created.output.splitlines()[-1] == "User Nova@Example.com is now agent of demo."
    engine = create_engine(f"sqlite:///{environment}")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == _head()
        role = connection.execute(
            select(Membership.role).join(User, User.id == Membership.user_id).where(User.email == "nova@example.com")
        ).scalar_one()
        users = connection.execute(select(func.count()).select_from(User)).scalar_one()
    from sqlalchemy.orm import Session

    from retino_core.cases.queries import CaseFilter, list_cases
    from retino_core.orders.queries import search_orders

    with Session(engine) as session:
        found_orders = search_orders(session, account_id=1, text="novak")
        found_cases = list_cases(session, account_id=1, case_filter=CaseFilter(search="dvorak"))
    engine.dispose()
    assert found_orders
    assert all("novak" in order.search_text for order in found_orders)
    assert all("dvorak" in case.search_text for case in found_cases)
    assert role.value == "agent"
    assert users == 7


def _head() -> str:
    from alembic.script import ScriptDirectory

    from marketplace_app.cli import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--account", "nope", "--role", "agent"], "Error: no account with the short name 'nope'"),
        (["--account", "demo", "--role", "boss"], "'boss' is not one of 'owner', 'manager'"),
    ],
)
def test_create_user_refusals_are_clear(environment, arguments, message):
    runner = CliRunner()
    runner.invoke(main, ["migrate"])
    runner.invoke(main, ["load-demo"])
    result = runner.invoke(
        main, ["create-user", "--email", "x@example.com", "--name", "X", *arguments], input="0123456789\n0123456789\n"
    )
    assert result.exit_code != 0
    assert message in result.output


def test_worker_without_redis_explains_itself(environment):
    result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 1
    assert "RETINO_REDIS_URL is not set" in result.output


def test_bad_settings_stop_the_command_with_the_reason(environment, monkeypatch):
    monkeypatch.setenv("RETINO_ENVIRONMENT", "production")
    result = CliRunner().invoke(main, ["migrate"])
    assert result.exit_code == 1
    assert "RETINO_SECRET_KEY must be set to a long random value in production" in result.output
