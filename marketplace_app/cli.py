"""The ``retino`` command: migrate, load the demo, create users, serve, run workers and the scheduler,
and receive e-mail replies (from an MTA pipe or as an SMTP server)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

import click

from retino_core.accounts.permissions import Role
from retino_core.config import Settings, SettingsError

MIGRATIONS_FOLDER = Path(__file__).resolve().parent.parent / "migrations"
#: sysexits codes an MTA pipe understands: refused for good (bounce), and "try again later".
EX_NOUSER = 67
EX_TEMPFAIL = 75


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


def alembic_config(database_url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_FOLDER))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@click.group()
def main() -> None:
    """Retino: open returns, complaints and withdrawals for e-shops."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
@click.option("--revision", default="head", show_default=True)
def migrate(revision: str) -> None:
    """Bring the database schema up to REVISION."""
    from alembic import command

    settings = _settings()
    if settings.resolved_database_url.startswith("sqlite"):
        Path(settings.instance_folder).mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.resolved_database_url), revision)
    click.echo(f"Database at revision {revision}.")


@main.command("load-demo")
def load_demo() -> None:
    """Load the demo merchant (idempotent: does nothing if it exists) and print its login."""
    from marketplace_app.demo import DEMO_PASSWORD, load_demo_data
    from retino_core.runtime import build_runtime

    with build_runtime(_settings()) as runtime:
        created, email = load_demo_data(runtime)
    click.echo("Demo data loaded." if created else "Demo data already present.")
    click.echo(f"Log in as {email} with the password {DEMO_PASSWORD}")


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--account", "account_slug", required=True, help="Short name (slug) of the account.")
@click.option("--role", type=click.Choice([role.value for role in Role]), default="owner", show_default=True)
@click.option("--language", default="cs", show_default=True)
def create_user_command(email: str, full_name: str, password: str, account_slug: str, role: str, language: str) -> None:
    """Create a user and make them a member of an account."""
    from sqlalchemy import select

    from retino_core.accounts.actions import add_member, create_user
    from retino_core.accounts.actor import Actor
    from retino_core.accounts.models import Account
    from retino_core.errors import DomainError
    from retino_core.runtime import build_runtime

    chosen_role = Role(role)
    with build_runtime(_settings()) as runtime:
        try:
            with runtime.unit_of_work() as session:
                account = session.scalar(select(Account).where(Account.slug == account_slug))
                if account is None:
                    raise click.ClickException(f"no account with the short name {account_slug!r}")
                user = create_user(
                    session,
                    payload={"email": email, "full_name": full_name, "password": password, "language": language},
                )
                add_member(session, account=account, actor=Actor.system("cli"), user=user, role=chosen_role)
        except DomainError as error:
            details = "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in error.field_errors.items())
            raise click.ClickException(f"{error.render()} {details}".strip()) from None
    click.echo(f"User {email} is now {chosen_role.value} of {account_slug}.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the app with the development server (production: gunicorn 'marketplace_app:create_app()')."""
    from marketplace_app import create_app

    app = create_app(_settings())
    click.echo(f"Serving on http://{host}:{port}")
    app.run(host=host, port=port, debug=False, use_reloader=False)


@main.command()
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(queues: tuple[str, ...], burst: bool) -> None:
    """Run an rq worker on QUEUES (default: all). Needs RETINO_REDIS_URL."""
    from marketplace_app.platforms import register_adapters
    from retino_core.jobs.worker import QUEUES, run_worker
    from retino_core.runtime import build_runtime

    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException("RETINO_REDIS_URL is not set; without Redis, jobs run in-process after commit")
    register_adapters()
    with build_runtime(settings) as runtime:
        run_worker(runtime, queues or QUEUES, burst=burst)


@main.command()
def scheduler() -> None:
    """Enqueue the periodic jobs on time; several schedulers may run, each slot is enqueued once."""
    from retino_core.jobs.periodic import run_scheduler
    from retino_core.runtime import build_runtime

    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException("RETINO_REDIS_URL is not set; the scheduler needs Redis")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with build_runtime(settings) as runtime:
        run_scheduler(runtime, stop=stop)


@main.command("sweep-outbox")
def sweep_outbox_command() -> None:
    """Dispatch every job that was committed but never ran (after a Redis outage or a crash)."""
    from retino_core.jobs.periodic import sweep_outbox
    from retino_core.runtime import build_runtime

    with build_runtime(_settings()) as runtime, runtime.unit_of_work() as session:
        sweep_outbox(runtime.job_context(session, account_id=None))
    click.echo("Outbox swept.")


@main.command("reactivate-account")
@click.option("--account", "account_slug", required=True, help="Short name (slug) of the account.")
@click.option(
    "--trial-days",
    default=14,
    show_default=True,
    type=click.IntRange(min=1),
    help="Trial days given when the account has no confirmed plan and its trial is over.",
)
def reactivate_account_command(account_slug: str, trial_days: int) -> None:
    """Switch a deactivated account back on (operators only: merchants cannot undo a deactivation)."""
    from sqlalchemy import select

    from retino_core.accounts.actions import reactivate_account
    from retino_core.accounts.actor import Actor
    from retino_core.accounts.models import Account
    from retino_core.runtime import build_runtime

    with build_runtime(_settings()) as runtime, runtime.unit_of_work() as session:
        account = session.scalar(select(Account).where(Account.slug == account_slug))
        if account is None:
            raise click.ClickException(f"no account with the short name {account_slug!r}")
        was_active = account.is_active
        reactivate_account(session, account=account, actor=Actor.system("cli"), trial_days=trial_days)
        trial_ends_at = account.trial_ends_at
    if was_active:
        click.echo(f"Account {account_slug} was already active.")
    else:
        click.echo(f"Account {account_slug} is active again.")
    if trial_ends_at is not None:
        click.echo(f"Trial ends at {trial_ends_at.isoformat(timespec='minutes')}.")


@main.command("receive-mail")
def receive_mail_command() -> None:
    """Store one e-mail reply read from standard input in its case (for an MTA pipe).

    Exit 0 when stored or already stored, 67 (EX_NOUSER) with the reason on stderr when refused,
    75 (EX_TEMPFAIL) on an unexpected error, so the MTA retries; nothing is stored then.
    """
    from retino_core.messaging.inbound import MAX_INBOUND_MESSAGE_BYTES, InboundStatus
    from retino_core.messaging.inbound_actions import receive_inbound_email
    from retino_core.runtime import build_runtime

    context = click.get_current_context()
    raw = sys.stdin.buffer.read(MAX_INBOUND_MESSAGE_BYTES + 1)
    with build_runtime(_settings()) as runtime:
        try:
            with runtime.unit_of_work() as session:
                result = receive_inbound_email(session, raw=raw, storage=runtime.storage)
        except Exception:
            logging.getLogger(__name__).exception("storing the e-mail failed")
            click.echo("failed: temporary error, nothing stored; try again later", err=True)
            context.exit(EX_TEMPFAIL)
    if result.status is InboundStatus.refused:
        click.echo(f"refused ({result.refusal.value if result.refusal else ''}): {result.reason}", err=True)
        context.exit(EX_NOUSER)
    if result.status is InboundStatus.duplicate:
        click.echo(f"duplicate: message {result.message_id} in case {result.case_number} was already stored")
        return
    click.echo(f"stored: message {result.message_id} in case {result.case_number}")
    if result.skipped_attachments:
        click.echo(f"files not kept: {', '.join(result.skipped_attachments)}")


@main.command("mail-receiver")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2525, show_default=True, type=int)
def mail_receiver_command(host: str, port: int) -> None:
    """Receive e-mail replies over SMTP and store each in its case (run it behind the reply address's MTA)."""
    from marketplace_app.mail_receiver import build_mail_receiver
    from retino_core.runtime import build_runtime

    # aiosmtpd logs every SMTP command with its addresses; our handler logs one line per message.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with build_runtime(_settings()) as runtime:
        receiver = build_mail_receiver(runtime, host=host, port=port)
        receiver.start()
        click.echo(f"Receiving mail on {host}:{port}")
        try:
            while not stop.wait(1):
                pass
        finally:
            receiver.stop()


if __name__ == "__main__":
    sys.exit(main())
