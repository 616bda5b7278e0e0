import threading

from sqlalchemy import select

from retino_core.accounts.actor import Actor
from retino_core.cases.actions import open_case
from retino_core.cases.models import Case, CaseOrigin
from retino_core.cases.numbering import next_case_number
from retino_core.db import make_engine, make_session_factory


def test_twenty_concurrent_creations_get_twenty_distinct_numbers(session, database_url, make_account):
    # given: an account committed so that other connections see it
    account = make_account()
    account_id = account.id
    session.commit()
    engine = make_engine(database_url, pool_size=20, max_overflow=0)
    session_factory = make_session_factory(engine)
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []

    def create() -> None:
        with session_factory() as worker_session:
            try:
                own_account = worker_session.get(type(account), account_id)
                barrier.wait(timeout=10)
                open_case(
                    worker_session,
                    account=own_account,
                    actor=Actor.customer("a@example.test"),
                    payload={
                        "case_type": "return",
                        "customer_email": "a@example.test",
                        "items": [{"name": "Boty", "quantity": "1"}],
                        "notify_customer": False,
                    },
                    origin=CaseOrigin.storefront,
                )
                worker_session.commit()
            except Exception as error:
                errors.append(error)

    # when
    threads = [threading.Thread(target=create) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    engine.dispose()
    # then
    assert errors == []
    numbers = session.scalars(select(Case.number).where(Case.account_id == account_id).order_by(Case.number)).all()
    assert numbers == [f"V{n:05d}" for n in range(1, 21)]


def test_a_rolled_back_number_is_handed_out_again(session, make_account):
    account = make_account()
    session.commit()
    session.begin_nested()
    assert next_case_number(session, account_id=account.id, prefix="R") == "R00001"
    session.rollback()
    assert next_case_number(session, account_id=account.id, prefix="R") == "R00001"
    assert next_case_number(session, account_id=account.id, prefix="R") == "R00002"
