"""Allegro customer returns become ``return`` cases once each; their refund is rejected through a job."""

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from adapters.allegro.install import AllegroHosts
from marketplace_app import create_app
from marketplace_app.platforms import register_adapters
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.errors import AccountError
from retino_core.accounts.models import ChannelStatus, Platform, Role
from retino_core.case_types.models import CaseType
from retino_core.cases.actions import open_case
from retino_core.cases.models import Case, CaseHistory, CaseNote, CaseOrigin
from retino_core.errors import ErrorKind
from retino_core.intake.platform_returns import (
    REJECTION_FAILED,
    REJECTION_REQUESTED,
    REJECTION_SUCCEEDED,
    PlatformReturnError,
    PlatformReturnErrorCode,
    _gave_up,
    import_customer_return,
    reject_platform_return,
    reject_platform_return_job,
    rejections,
)
from retino_core.jobs import OutboxJob
from retino_core.platforms.interface import (
    CustomerReturnItemSnapshot,
    CustomerReturnSnapshot,
    PlatformActionResult,
    ReturnParcelSnapshot,
)

RETURN_ID = "a3405c27-b01c-4357-9bea-e13925708b46"
CREATED_AT = datetime(2026, 2, 20, 9, 36, 57, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _adapters():
    register_adapters()


@pytest.fixture
def allegro(session, make_account, make_member, make_channel, make_order, settings):
    """An account with an Allegro channel (token stored), an imported order and an owner."""
    account = make_account(country="PL")
    _, owner = make_member(account, Role.owner)
    channel = make_channel(
        account,
        platform=Platform.allegro,
        external_shop_id="46968690",
        country="PL",
        currency="PLN",
        default_language="pl",
        credentials_encrypted=CredentialCipher(settings.secret_key).encrypt({"access_token": "stored-token"}),
    )
    order = make_order(channel, external_id="form-1", items=[("Kubek", "2", "49.00"), ("Czapka", "1", "79.00")])
    session.commit()
    return account, channel, order, owner


def _snapshot(**overrides):
    values = {
        "external_id": RETURN_ID,
        "order_external_id": "form-1",
        "created_at": CREATED_AT,
        "status": "CREATED",
        "items": (
            CustomerReturnItemSnapshot("line-0", "Kubek", Decimal("1"), reason="MISTAKE", comment="Wrong colour"),
        ),
        "reference_number": "1234/Z04A",
        "buyer_email": "buyer+abc@allegromail.pl",
        "buyer_name": "buyer_login",
        "parcels": (ReturnParcelSnapshot("ALLEGRO", "AD00R28X72", CREATED_AT),),
    }
    values.update(overrides)
    return CustomerReturnSnapshot(**values)


def _notes(session, case):
    return list(session.scalars(select(CaseNote.body).where(CaseNote.case_id == case.id).order_by(CaseNote.id)))


def _cases(session):
    return session.scalar(select(func.count()).select_from(Case))


# import


def test_a_return_opens_one_return_case_linked_to_the_order(session, allegro):
    account, channel, order, _ = allegro

    case, created = import_customer_return(session, account=account, channel=channel, snapshot=_snapshot())
    session.commit()

    assert created is True
    assert (case.case_type.code, case.origin, case.external_ref) == ("return", CaseOrigin.platform, RETURN_ID)
    assert (case.order_id, case.channel_id, case.customer_email) == (order.id, channel.id, order.customer_email)
    assert case.lodged_at == CREATED_AT
    (item,) = case.items
    assert (item.order_item_id, item.quantity, item.reason, item.defect_description) == (
        order.items[0].id,
        Decimal("1"),
        "ordered_by_mistake",
        "Wrong colour",
    )
    assert _notes(session, case) == ["Allegro 1234/Z04A (CREATED)\nAD00R28X72 (ALLEGRO, 2026-02-20)"]
    assert [(entry.kind, entry.actor_label) for entry in case.history] == [
        ("case_opened", "Allegro"),
        ("note_added", "Allegro"),
    ]
    assert session.scalar(select(func.count()).select_from(OutboxJob)) == 0


def test_reading_the_return_again_gives_the_same_case_and_notes_only_new_waybills(session, allegro):
    account, channel, _, _ = allegro
    first, _ = import_customer_return(session, account=account, channel=channel, snapshot=_snapshot())
    session.commit()
    later = _snapshot(
        status="IN_TRANSIT",
        parcels=(ReturnParcelSnapshot("ALLEGRO", "AD00R28X72", CREATED_AT), ReturnParcelSnapshot("INPOST", "66300")),
    )

    again, created = import_customer_return(session, account=account, channel=channel, snapshot=later)
    once_more, _ = import_customer_return(session, account=account, channel=channel, snapshot=later)
    session.commit()

    assert (again.id, once_more.id, created) == (first.id, first.id, False)
    assert _cases(session) == 1
    assert _notes(session, first)[1:] == ["66300 (INPOST)"]


def test_a_reason_without_a_fitting_code_keeps_its_text(session, allegro):
    account, channel, _, _ = allegro
    items = (
        CustomerReturnItemSnapshot("line-0", "Kubek", Decimal("1"), reason="HIDDEN_FLAW", comment="Leaks"),
        CustomerReturnItemSnapshot("line-1", "Czapka", Decimal("1"), reason="NONE", comment=""),
    )

    case, _ = import_customer_return(session, account=account, channel=channel, snapshot=_snapshot(items=items))

    assert [(item.reason, item.defect_description) for item in case.items] == [("", "HIDDEN_FLAW: Leaks"), ("", "")]


def test_a_mapped_reason_the_merchant_retired_is_kept_as_text(session, allegro):
    account, channel, _, _ = allegro
    case_type = session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == "return"))
    for reason in case_type.reasons:
        if reason.code == "ordered_by_mistake":
            reason.is_retired = True
    session.flush()

    case, _ = import_customer_return(session, account=account, channel=channel, snapshot=_snapshot())

    assert (case.items[0].reason, case.items[0].defect_description) == ("", "MISTAKE: Wrong colour")


def test_a_return_of_an_order_never_imported_is_addressed_to_the_buyer(session, allegro):
    account, channel, _, _ = allegro
    items = (CustomerReturnItemSnapshot("", "Kubek", Decimal("2"), reason="TOO_SMALL"),)

    case, created = import_customer_return(
        session, account=account, channel=channel, snapshot=_snapshot(order_external_id="form-9", items=items)
    )

    assert created is True
    assert (case.order_id, case.customer_email, case.customer_name) == (
        None,
        "buyer+abc@allegromail.pl",
        "buyer_login",
    )
    assert [(item.order_item_id, item.name, item.quantity, item.reason) for item in case.items] == [
        (None, "Kubek", Decimal("2"), "wrong_size")
    ]


def test_an_item_another_case_already_claims_is_filed_by_name(session, allegro):
    account, channel, order, owner = allegro
    open_case(
        session,
        account=account,
        actor=owner,
        payload={
            "case_type": "complaint",
            "order_id": order.id,
            "items": [{"order_item_id": order.items[0].id, "quantity": "2", "reason": "defect"}],
            "notify_customer": False,
        },
        origin=CaseOrigin.agent,
    )

    case, _ = import_customer_return(session, account=account, channel=channel, snapshot=_snapshot())

    assert [(item.order_item_id, item.name, item.unit_price_amount) for item in case.items] == [
        (None, "Kubek", Decimal("49.00"))
    ]


def test_another_accounts_channel_is_not_found(session, allegro, make_account):
    _, channel, _, _ = allegro

    with pytest.raises(PlatformReturnError) as refused:
        import_customer_return(session, account=make_account(), channel=channel, snapshot=_snapshot())
    assert refused.value.kind is ErrorKind.not_found


def test_without_an_active_return_type_the_return_is_refused(session, allegro):
    account, channel, _, _ = allegro
    session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == "return")).is_active = False
    session.flush()

    with pytest.raises(PlatformReturnError) as refused:
        import_customer_return(session, account=account, channel=channel, snapshot=_snapshot())
    assert refused.value.code is PlatformReturnErrorCode.return_type_missing
    assert _cases(session) == 0


def test_concurrent_imports_of_one_return_open_one_case(session_factory, allegro):
    account, channel, _, _ = allegro
    outcomes, errors = [], []
    start = threading.Barrier(3)

    def run():
        with session_factory() as own:
            own_account = own.merge(account, load=True)
            own_channel = own.merge(channel, load=True)
            start.wait(5)
            try:
                case, created = import_customer_return(
                    own, account=own_account, channel=own_channel, snapshot=_snapshot()
                )
                own.commit()
                outcomes.append((case.id, created))
            except Exception as error:
                errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert errors == []
    assert sorted(created for _, created in outcomes) == [False, False, True]
    assert len({case_id for case_id, _ in outcomes}) == 1


# rejection


@pytest.fixture
def imported(session, allegro):
    account, channel, _, owner = allegro
    case, _ = import_customer_return(session, account=account, channel=channel, snapshot=_snapshot())
    session.commit()
    return account, channel, case, owner


def _reject(session, imported, **overrides):
    account, _, case, owner = imported
    actor = overrides.pop("actor", owner)
    values = {"reason_code": "refund_rejected", "message": "  The mug came back broken.  ", **overrides}
    return reject_platform_return(session, account=account, actor=actor, case=case, **values)


def _queued(session):
    return list(session.scalars(select(OutboxJob).order_by(OutboxJob.id)))


def test_a_rejection_is_recorded_and_queued_once(session, imported):
    account, _, case, _ = imported

    entry = _reject(session, imported)
    again = _reject(session, imported, reason_code="ITEM_FIXED", message="Other text")
    session.commit()

    assert again.id == entry.id
    assert (entry.kind, entry.data) == (
        REJECTION_REQUESTED,
        {"return_id": RETURN_ID, "code": "REFUND_REJECTED", "message": "The mug came back broken."},
    )
    (job,) = _queued(session)
    assert (job.job_name, job.args, job.account_id) == (
        "retino_core.intake.platform_returns.reject_platform_return_job",
        [case.id, entry.id],
        account.id,
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason_code": "DAMAGED"}, "reason_code"),
        ({"message": "   "}, "message"),
        ({"message": "x" * 251}, "message"),
    ],
)
def test_a_rejection_outside_the_rules_is_refused_and_nothing_is_stored(session, imported, overrides, field):
    with pytest.raises(PlatformReturnError) as refused:
        _reject(session, imported, **overrides)

    assert refused.value.kind is ErrorKind.invalid
    assert list(refused.value.field_errors) == [field]
    assert _queued(session) == []


def test_rejecting_needs_the_right_to_decide_items(session, imported, make_member):
    account = imported[0]
    _, agent = make_member(account, Role.agent)

    with pytest.raises(AccountError):
        _reject(session, imported, actor=agent)
    assert _queued(session) == []


def test_a_case_not_from_a_platform_return_cannot_be_rejected_there(session, allegro):
    account, _, order, owner = allegro
    case = open_case(
        session,
        account=account,
        actor=owner,
        payload={
            "case_type": "return",
            "order_id": order.id,
            "items": [{"order_item_id": order.items[1].id, "quantity": "1"}],
            "notify_customer": False,
        },
        origin=CaseOrigin.agent,
    )

    with pytest.raises(PlatformReturnError) as refused:
        reject_platform_return(session, account=account, actor=owner, case=case, reason_code="ITEM_FIXED", message="x")
    assert refused.value.code is PlatformReturnErrorCode.not_a_platform_return


def test_a_disabled_channel_cannot_reject(session, imported):
    imported[1].status = ChannelStatus.disabled
    session.flush()

    with pytest.raises(PlatformReturnError) as refused:
        _reject(session, imported)
    assert refused.value.code is PlatformReturnErrorCode.rejection_not_supported


def test_another_accounts_case_is_not_found(session, imported, make_account, make_member):
    other = make_account()
    _, stranger = make_member(other, Role.owner)

    with pytest.raises(PlatformReturnError) as refused:
        reject_platform_return(
            session, account=other, actor=stranger, case=imported[2], reason_code="ITEM_FIXED", message="x"
        )
    assert refused.value.kind is ErrorKind.not_found


# the job


@pytest.fixture
def runtime(settings, engine, prism_allegro, monkeypatch):
    monkeypatch.setattr(
        "adapters.allegro.adapter.hosts_for", lambda environment: AllegroHosts("http://127.0.0.1:9", prism_allegro)
    )
    app = create_app(settings)
    yield app.extensions["retino_runtime"]
    app.extensions["retino_runtime"].close()


def _run(runtime, *ids, account_id):
    with runtime.unit_of_work() as job_session:
        reject_platform_return_job(runtime.job_context(job_session, account_id=account_id), *ids)


def _outcomes(session, case):
    session.rollback()
    return [
        (entry.kind, entry.data)
        for entry in session.scalars(
            select(CaseHistory)
            .where(CaseHistory.case_id == case.id, CaseHistory.kind.in_((REJECTION_SUCCEEDED, REJECTION_FAILED)))
            .order_by(CaseHistory.id)
        )
    ]


def test_the_job_rejects_on_allegro_once(session, imported, runtime):
    account, _, case, _ = imported
    entry = _reject(session, imported)
    session.commit()

    _run(runtime, case.id, entry.id, account_id=account.id)
    _run(runtime, case.id, entry.id, account_id=account.id)

    assert _outcomes(session, case) == [(REJECTION_SUCCEEDED, {"request_id": entry.id, "message": ""})]
    assert [request["state"] for request in rejections(session, case=case)] == ["rejected"]
    assert _reject(session, imported).id == entry.id


def test_allegros_refusal_is_recorded_and_a_new_request_may_follow(session, imported, runtime, monkeypatch):
    account, _, case, _ = imported
    entry = _reject(session, imported)
    session.commit()
    monkeypatch.setattr(
        "adapters.allegro.adapter.AllegroAdapter.reject_customer_return",
        lambda self, rejection: PlatformActionResult(is_success=False, message="Return cannot be rejected now"),
    )

    _run(runtime, case.id, entry.id, account_id=account.id)
    retry = _reject(session, imported, reason_code="ITEM_FIXED", message="Repaired.")
    session.commit()

    assert _outcomes(session, case) == [
        (REJECTION_FAILED, {"request_id": entry.id, "message": "Return cannot be rejected now"})
    ]
    assert retry.id != entry.id
    assert [request["state"] for request in rejections(session, case=case)] == ["failed", "pending"]


def test_giving_up_after_retries_records_the_failure(session, imported):
    account, _, case, _ = imported
    entry = _reject(session, imported)
    session.commit()

    _gave_up(session, account_id=account.id, ids=(case.id, entry.id), error="Unavailable: busy", gave_up=False)
    _gave_up(session, account_id=account.id, ids=(case.id, entry.id), error="Unavailable: busy", gave_up=True)
    _gave_up(session, account_id=account.id, ids=(case.id, entry.id), error="Unavailable: busy", gave_up=True)
    session.commit()

    assert _outcomes(session, case) == [
        (REJECTION_FAILED, {"request_id": entry.id, "message": "the platform did not answer: Unavailable: busy"})
    ]


def test_the_job_leaves_another_accounts_case_alone(session, imported, runtime, make_account):
    case = imported[2]
    entry = _reject(session, imported)
    other = make_account()
    session.commit()

    _run(runtime, case.id, entry.id, account_id=other.id)

    assert _outcomes(session, case) == []
