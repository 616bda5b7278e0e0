"""Case creation through the actions versus a bare SQLAlchemy bulk insert of the same rows, in one run.

The actions do what the product must do per case: validate, number atomically, check claimable
quantities, write history, start deadlines. The baseline inserts the same case, item and history
rows with ``insert()`` and precomputed numbers. The printed ratio is the figure: how many times
slower a real case is than a raw row. Run with ``RETINO_BENCH_DATABASE_URL`` pointing at an empty
PostgreSQL database, or with nothing to use a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
from decimal import Decimal

from sqlalchemy import insert

from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.cases.actions import open_case
from retino_core.cases.models import Case, CaseHistory, CaseItem, CaseOrigin
from retino_core.config import SETTINGS_INFO_KEY, Settings
from retino_core.db import make_engine, make_session_factory
from retino_core.models import Base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=500)
    arguments = parser.parse_args()
    url = os.environ.get("RETINO_BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    factory.configure(info={SETTINGS_INFO_KEY: Settings()})

    from retino_core.accounts.actions import create_account

    with factory() as session:
        account = create_account(
            session, payload={"name": "Bench", "slug": f"bench-{secrets.token_hex(3)}", "country": "CZ"}
        )
        session.commit()
        account_id = account.id
        case_type = next(t for t in _types(session, account_id) if t.code == "return")
        type_id, status_id = case_type.id, case_type.initial_status_id

    actor = Actor.system("benchmark")
    started = time.perf_counter()
    with factory() as session:
        account = session.get_one(type(account), account_id)
        for number in range(arguments.cases):
            open_case(
                session,
                account=account,
                actor=actor,
                payload={
                    "case_type": "return",
                    "customer_email": f"shopper{number}@example.com",
                    "customer_name": "Jan Novák",
                    "items": [{"name": "Tričko", "quantity": "1", "unit_price": "499.00"}],
                    "notify_customer": False,
                },
                origin=CaseOrigin.api,
            )
        session.commit()
    through_actions = time.perf_counter() - started

    started = time.perf_counter()
    with factory() as session:
        now = clock.now()
        case_ids = session.scalars(
            insert(Case).returning(Case.id),
            [
                {
                    "account_id": account_id,
                    "number": f"B{number:06d}",
                    "case_type_id": type_id,
                    "status_id": status_id,
                    "customer_name": "Jan Novák",
                    "customer_email": f"shopper{number}@example.com",
                    "customer_phone": "",
                    "language": "cs",
                    "country": "CZ",
                    "currency": "CZK",
                    "origin": CaseOrigin.api,
                    "description": "",
                    "access_token": secrets.token_urlsafe(24),
                    "lodged_at": now,
                    "search_text": f"b{number:06d} jan novak",
                    "created_at": now,
                    "updated_at": now,
                }
                for number in range(arguments.cases)
            ],
        ).all()
        session.execute(
            insert(CaseItem),
            [
                {
                    "account_id": account_id,
                    "case_id": case_id,
                    "name": "Tričko",
                    "product_code": "",
                    "quantity": Decimal("1"),
                    "unit_price_amount": Decimal("499.00"),
                    "currency": "CZK",
                    "created_at": now,
                    "updated_at": now,
                }
                for case_id in case_ids
            ],
        )
        session.execute(
            insert(CaseHistory),
            [
                {
                    "account_id": account_id,
                    "case_id": case_id,
                    "kind": "case_opened",
                    "actor_kind": "system",
                    "actor_label": "benchmark",
                    "data": {},
                    "created_at": now,
                }
                for case_id in case_ids
            ],
        )
        session.commit()
    bulk = time.perf_counter() - started
    engine.dispose()

    print(f"database: {engine.dialect.name}, cases: {arguments.cases}")
    print(f"through actions: {arguments.cases / through_actions:10.1f} cases/s")
    print(f"bulk insert:     {arguments.cases / bulk:10.1f} cases/s")
    print(f"ratio (actions / bulk time): {through_actions / bulk:.1f}x")


def _types(session, account_id):  # type: ignore[no-untyped-def]
    from retino_core.case_types.models import CaseType

    return session.scalars(CaseType.select_for_account(account_id)).all()


if __name__ == "__main__":
    main()
