"""Trial, deactivation, purge after 31 days, operator reactivation, monthly usage."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import select

from marketplace_app.cli import main
from retino_core import clock
from retino_core.accounts.actions import (
    PURGE_AFTER,
    TRIAL_PERIOD,
    deactivate_account,
    reactivate_account,
)
from retino_core.accounts.actor import Actor
from retino_core.accounts.errors import AccountError
from retino_core.accounts.models import Account, AccountStatus, Membership, User
from retino_core.accounts.permissions import Role
from retino_core.accounts.queries import monthly_case_usage
from retino_core.accounts.tasks import deactivate_expired_trials, purge_deactivated_accounts
from retino_core.cases.models import Case, CaseAttachment
from retino_core.jobs import PERIODIC_JOBS, JobContext
from retino_core.messaging.mailer import FolderMailer
from retino_core.storage import FileNotInStorage, LocalFolderStorage

START = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def storage(tmp_path):
    return LocalFolderStorage(tmp_path / "files")


def run(job, session, settings, storage, tmp_path):
    job(JobContext(session, settings, FolderMailer(tmp_path / "mail"), storage, account_id=None))
    session.commit()


def test_a_new_account_gets_thirty_days_of_trial(make_account):
    with time_machine.travel(START, tick=False):
        account = make_account()
    assert account.trial_ends_at == START + TRIAL_PERIOD
    assert account.plan_confirmed_at is None


def test_both_lifecycle_jobs_are_periodic():
    names = {periodic.name for periodic in PERIODIC_JOBS}
    assert "retino_core.accounts.tasks.deactivate_expired_trials" in names
    assert "retino_core.accounts.tasks.purge_deactivated_accounts" in names


def test_trial_expiry_deactivates_only_accounts_without_a_plan(session, settings, storage, tmp_path, make_account):
    with time_machine.travel(START, tick=False):
        lapsed, paying, later = make_account(), make_account(), make_account()
    paying.plan_confirmed_at = START + timedelta(days=3)
    later.trial_ends_at = START + TRIAL_PERIOD + timedelta(days=5)
    session.commit()
    with time_machine.travel(START + TRIAL_PERIOD - timedelta(minutes=1), tick=False):
        run(deactivate_expired_trials, session, settings, storage, tmp_path)
    assert lapsed.status is AccountStatus.active
    moment = START + TRIAL_PERIOD + timedelta(hours=1)
    for _ in range(2):  # idempotent: the second run changes nothing
        with time_machine.travel(moment, tick=False):
            run(deactivate_expired_trials, session, settings, storage, tmp_path)
        session.expire_all()
        assert lapsed.status is AccountStatus.deactivated
        assert lapsed.deactivated_at == moment
        assert paying.status is AccountStatus.active
        assert later.status is AccountStatus.active


def test_purge_waits_31_days_then_deletes_rows_and_files(
    session, settings, storage, tmp_path, make_account, make_member, make_case_row
):
    with time_machine.travel(START, tick=False):
        doomed, kept = make_account(), make_account()
    lone_user, actor = make_member(doomed, Role.owner)
    shared_user, _ = make_member(doomed, Role.agent)
    session.add(Membership(account_id=kept.id, user_id=shared_user.id, role=Role.agent))
    case = make_case_row(doomed)
    kept_case = make_case_row(kept)
    files = {}
    for owner, owned_case in ((doomed, case), (kept, kept_case)):
        key = storage.save(b"%PDF-1.7 photo", suffix=".pdf")
        files[owner.id] = key
        session.add(
            CaseAttachment(
                account_id=owner.id,
                case_id=owned_case.id,
                storage_key=key,
                filename="photo.pdf",
                content_type="application/pdf",
                size_bytes=14,
                uploaded_by="test",
                created_at=START,
            )
        )
    with time_machine.travel(START + timedelta(days=2), tick=False):
        deactivate_account(session, account=doomed, actor=actor)
    session.commit()
    doomed_id, lone_user_id, kept_case_id = doomed.id, lone_user.id, kept_case.id

    with time_machine.travel(START + timedelta(days=2) + PURGE_AFTER - timedelta(hours=1), tick=False):
        run(purge_deactivated_accounts, session, settings, storage, tmp_path)
    assert session.get(Account, doomed_id) is not None
    assert storage.read(files[doomed_id])

    for _ in range(2):  # idempotent: the second run finds nothing to do
        with time_machine.travel(START + timedelta(days=2) + PURGE_AFTER + timedelta(hours=1), tick=False):
            run(purge_deactivated_accounts, session, settings, storage, tmp_path)
        session.expire_all()
        assert session.get(Account, doomed_id) is None
        assert session.scalar(select(Case.id).where(Case.account_id == doomed_id)) is None
        with pytest.raises(FileNotInStorage):
            storage.read(files[doomed_id])
        assert session.get(User, lone_user_id) is None
        assert session.get(User, shared_user.id) is not None
        assert session.get(Account, kept.id) is not None
        assert storage.read(files[kept.id])
        assert session.get(Case, kept_case_id) is not None


def test_only_the_operator_reactivates_and_the_trial_is_extended(session, make_account, make_member):
    with time_machine.travel(START, tick=False):
        account = make_account()
    _, owner = make_member(account, Role.owner)
    moment = START + TRIAL_PERIOD + timedelta(days=1)
    with time_machine.travel(moment, tick=False):
        deactivate_account(session, account=account, actor=owner)
        with pytest.raises(AccountError):
            reactivate_account(session, account=account, actor=owner)
        reactivate_account(session, account=account, actor=Actor.system("cli"), trial_days=7)
    assert account.status is AccountStatus.active
    assert account.deactivated_at is None
    assert account.trial_ends_at == moment + timedelta(days=7)


def test_reactivate_account_command(monkeypatch, tmp_path, engine, database_url, session, make_account):
    account = make_account()
    account.status = AccountStatus.deactivated
    account.deactivated_at = clock.now()
    account.trial_ends_at = clock.now() - timedelta(days=1)
    session.commit()
    monkeypatch.setenv("RETINO_DATABASE_URL", database_url)
    monkeypatch.setenv("RETINO_INSTANCE_FOLDER", str(tmp_path / "instance"))
    for name in ("RETINO_REDIS_URL", "RETINO_SMTP_URL", "RETINO_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(main, ["reactivate-account", "--account", account.slug, "--trial-days", "10"])
    assert result.exit_code == 0, result.output
    assert f"Account {account.slug} is active again." in result.output
    session.expire_all()
    assert account.status is AccountStatus.active
    assert account.trial_ends_at > clock.now() + timedelta(days=9)
    missing = CliRunner().invoke(main, ["reactivate-account", "--account", "nope"])
    assert missing.exit_code != 0
    assert "no account with the short name 'nope'" in missing.output


def test_usage_counts_cases_per_calendar_month_in_prague(session, make_account, make_case_row):
    account = make_account()
    other = make_account()
    for moment in (
        datetime(2026, 1, 5, 12, tzinfo=UTC),
        datetime(2026, 1, 31, 23, 30, tzinfo=UTC),  # already 1 February in Prague
        datetime(2026, 2, 10, 8, tzinfo=UTC),
        datetime(2026, 3, 1, 8, tzinfo=UTC),
    ):
        make_case_row(account, created_at=moment)
    make_case_row(other, created_at=datetime(2026, 1, 6, tzinfo=UTC))
    usage = monthly_case_usage(session, account=account)
    assert [(row.month, row.cases_created) for row in usage] == [("2026-03", 1), ("2026-02", 2), ("2026-01", 1)]
