"""Admin infix search over many cases: our indexed search versus a plain scan, in one run.

Generates ``--cases`` rows in one account (random customer names, e-mails, order codes), then runs
the inbox query (newest 50 matches) for ``--queries`` selective needles of 4–6 characters taken
from the data, twice: through ``retino_core.search.infix_match`` (pg_trgm on PostgreSQL, FTS5
trigram on SQLite) and through a plain scan (``strpos()`` on PostgreSQL, which no index serves;
``LIKE`` on SQLite's base table). Prints p50/p95 for both and the ratio of the medians.
``RETINO_BENCH_DATABASE_URL`` picks an empty PostgreSQL database; without it a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import string
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, text

from retino_core.accounts.actions import create_account
from retino_core.case_types.models import CaseType
from retino_core.cases.models import Case, CaseOrigin
from retino_core.cases.queries import CaseFilter, case_list_statement
from retino_core.db import make_engine, make_session_factory
from retino_core.models import Base
from retino_core.search import fts_table_name

BATCH = 20_000


def _word(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(length))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=40)
    arguments = parser.parse_args()
    url = os.environ.get("RETINO_BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/search.sqlite3"
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    rng = random.Random(7)
    with factory() as session:
        account = create_account(session, payload={"name": "Bench", "slug": "bench-search", "country": "CZ"})
        case_type = session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == "return"))
        session.commit()
        account_id, type_id, status_id = account.id, case_type.id, case_type.initial_status_id

    started = time.perf_counter()
    names: list[str] = []
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":  # bulk load first, then build the mirror once
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS cases_fts_insert")
        for offset in range(0, arguments.cases, BATCH):
            rows = []
            for number in range(offset, min(offset + BATCH, arguments.cases)):
                surname = _word(rng, 9)
                names.append(surname)
                rows.append(
                    {
                        "account_id": account_id, "number": f"V{number:07d}", "case_type_id": type_id,
                        "status_id": status_id, "customer_name": f"Jan {surname}",
                        "customer_email": f"{surname}@example.com", "customer_phone": "", "language": "cs",
                        "country": "CZ", "currency": "CZK", "origin": CaseOrigin.api, "description": "",
                        "access_token": f"t{number}", "lodged_at": base, "created_at": base + timedelta(seconds=number),
                        "updated_at": base,
                        "search_text": f"v{number:07d} jan {surname} {surname}@example.com 2026{number:07d}",
                    }
                )  # fmt: skip
            connection.execute(insert(Case), rows)
        if engine.dialect.name == "sqlite":
            fts = fts_table_name("cases")
            connection.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        else:
            connection.exec_driver_sql("ANALYZE cases")
    print(f"database: {engine.dialect.name}, cases: {arguments.cases}, loaded in {time.perf_counter() - started:.0f} s")

    needles = [
        name[start : start + rng.randint(4, 6)]
        for name in rng.sample(names, arguments.queries)
        for start in [rng.randint(0, 3)]
    ]
    table = Case.__table__
    dialect = engine.dialect.name

    def inbox_query(condition):  # type: ignore[no-untyped-def]
        return (
            select(table.c.id)
            .where(table.c.account_id == account_id, condition)
            .order_by(table.c.created_at.desc(), table.c.id.desc())
            .limit(50)
        )

    def scan_condition(needle: str):  # type: ignore[no-untyped-def]
        if dialect == "postgresql":
            return func.strpos(table.c.search_text, needle) > 0
        return table.c.search_text.like(f"%{needle}%")

    timings: dict[str, list[float]] = {"indexed": [], "scan": []}
    with engine.connect() as connection:
        for needle in needles:
            ours = case_list_statement(account_id, CaseFilter(search=needle), dialect=dialect)
            for label, statement in (
                ("indexed", ours.with_only_columns(Case.id).limit(50)),
                ("scan", inbox_query(scan_condition(needle))),
            ):
                began = time.perf_counter()
                found = connection.execute(statement).all()
                timings[label].append(time.perf_counter() - began)
                assert found, needle
    engine.dispose()
    for label, values in timings.items():
        values.sort()
        p95 = values[int(len(values) * 0.95) - 1]
        print(f"{label:8s} p50 {statistics.median(values) * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms")
    ratio = statistics.median(timings["scan"]) / statistics.median(timings["indexed"])
    print(f"ratio (scan median / indexed median): {ratio:.1f}x")


if __name__ == "__main__":
    main()
