"""CSV export of many cases: our streaming export versus loading every case as an ORM object, in one run.

Generates ``--cases`` cases in one account with bulk inserts (each with two items, an open
deadline, every tenth with a tag; a second account holds a few cases the export must skip), then
exports them to ``/dev/null`` twice, each in a fresh Python process so that one run's memory
cannot flatter the other:

* ``streaming``: ``retino_core.cases.export`` (Core columns, ``yield_per``, batched items, tags
  and deadlines, chunked CSV), as the admin download does;
* ``naive``: ``session.scalars(select(Case)...).all()`` with the relationships eager-loaded
  (``selectinload``, so no N+1), then the same rows and CSV writer.

Each child reports its peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``), its RSS before
the export (imports and a connection) and rows per second. The parent prints both and the ratio
of the peaks. ``RETINO_BENCH_DATABASE_URL`` picks an empty PostgreSQL database; without it a
temporary SQLite file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

BATCH = 20_000


def _peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _seed_account(session: Session, slug: str) -> tuple[int, int, int, int, int]:
    from retino_core.accounts.actions import create_account
    from retino_core.accounts.models import ChannelStatus, Platform, SalesChannel
    from retino_core.case_types.models import CaseType
    from retino_core.cases.models import Tag

    account = create_account(session, payload={"name": slug, "slug": slug, "country": "CZ"})
    case_type = session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == "complaint"))
    channel = SalesChannel(
        account_id=account.id,
        platform=Platform.shoptet,
        name="E-shop",
        external_shop_id=slug,
        shop_url="https://shop.example.test",
        country="CZ",
        currency="CZK",
        default_language="cs",
        status=ChannelStatus.connected,
    )
    tag = Tag(account_id=account.id, name="VIP")
    session.add_all([channel, tag])
    session.commit()
    assert case_type is not None
    assert case_type.initial_status_id is not None
    return account.id, case_type.id, case_type.initial_status_id, channel.id, tag.id


def _generate(url: str, cases: int) -> None:
    """Create the schema and the cases; print the benchmarked account's id as JSON."""
    import random
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from sqlalchemy import insert

    from retino_core.cases.models import Case, CaseItem, CaseOrigin, CaseTag
    from retino_core.db import make_engine, make_session_factory
    from retino_core.deadlines.models import CaseDeadline
    from retino_core.deadlines.rules import Consequence, DeadlineKind
    from retino_core.models import Base

    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        account_id, type_id, status_id, channel_id, tag_id = _seed_account(session, "bench-export")
        other = _seed_account(session, "bench-export-other")
    rng = random.Random(11)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    surnames = ["Novák", "Svoboda", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák"]
    items = (("Tričko s potiskem, XL", Decimal("2")), ("Kšiltovka", Decimal("1")))
    started = time.perf_counter()
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":  # the search mirror is not needed to export
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS cases_fts_insert")
        plan = [(account_id, type_id, status_id, channel_id, tag_id, cases), (*other, 50)]
        for owner_account, owner_type, owner_status, owner_channel, owner_tag, count in plan:
            for offset in range(0, count, BATCH):
                rows = [
                    {
                        "account_id": owner_account, "number": f"R{number:07d}", "case_type_id": owner_type,
                        "status_id": owner_status, "channel_id": owner_channel,
                        "customer_name": f"Jan {rng.choice(surnames)}", "customer_email": f"jan{number}@example.com",
                        "customer_phone": f"+420 777 {number % 1000:03d} {number % 997:03d}", "language": "cs",
                        "country": "CZ", "currency": "CZK", "origin": CaseOrigin.api, "description": "",
                        "access_token": f"t{owner_account}-{number}", "lodged_at": base,
                        "created_at": base + timedelta(seconds=number), "updated_at": base, "search_text": "",
                    }
                    for number in range(offset, min(offset + BATCH, count))
                ]  # fmt: skip
                inserted = connection.execute(insert(Case).returning(Case.id, sort_by_parameter_order=True), rows)
                case_ids = list(inserted.scalars())
                connection.execute(
                    insert(CaseItem),
                    [
                        {
                            "account_id": owner_account, "case_id": case_id, "name": name, "product_code": "",
                            "quantity": quantity, "currency": "CZK", "reason": "defect", "defect_description": "",
                            "inspection_note": "", "decision_note": "",
                        }
                        for case_id in case_ids
                        for name, quantity in items
                    ],
                )  # fmt: skip
                connection.execute(
                    insert(CaseDeadline),
                    [
                        {
                            "account_id": owner_account, "case_id": case_id, "kind": DeadlineKind.resolve,
                            "due_at": base + timedelta(days=30), "computed_due_at": base + timedelta(days=30),
                            "rule_code": "cz_complaint_30", "rule_version": 1,
                            "consequence": Consequence.consumer_may_withdraw, "is_extendable": False,
                            "source": "bench", "extended_by": "",
                        }
                        for case_id in case_ids
                    ],
                )  # fmt: skip
                connection.execute(
                    insert(CaseTag),
                    [
                        {"account_id": owner_account, "case_id": case_id, "tag_id": owner_tag}
                        for case_id in case_ids[::10]
                    ],
                )
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    print(
        json.dumps({"account_id": account_id, "dialect": engine.dialect.name, "seconds": time.perf_counter() - started})
    )


def _streaming_rows(session: Session, account_id: int) -> Iterator[list[str]]:
    from retino_core.cases.export import export_statement, iter_export_rows
    from retino_core.cases.queries import CaseFilter

    statement = export_statement(account_id, CaseFilter(), dialect=session.get_bind().dialect.name)
    return iter_export_rows(session, statement, account_id=account_id, language="cs")


def _naive_rows(session: Session, account_id: int) -> Iterator[list[str]]:
    from datetime import datetime

    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from retino_core.case_types.queries import reason_names
    from retino_core.cases.export import build_row
    from retino_core.cases.models import Case
    from retino_core.deadlines.models import CaseDeadline

    cases = session.scalars(
        select(Case)
        .where(Case.account_id == account_id)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .options(
            selectinload(Case.items),
            selectinload(Case.tags),
            selectinload(Case.status),
            selectinload(Case.case_type),
            selectinload(Case.owner),
            selectinload(Case.channel),
            selectinload(Case.order),
        )
    ).all()
    reasons = reason_names(session, account_id=account_id, language="cs")
    nearest: dict[int, datetime] = {}
    for deadline in session.scalars(
        select(CaseDeadline).where(CaseDeadline.account_id == account_id, CaseDeadline.met_at.is_(None))
    ).all():
        if deadline.case_id not in nearest or deadline.due_at < nearest[deadline.case_id]:
            nearest[deadline.case_id] = deadline.due_at
    for case in cases:
        yield build_row(
            {
                "number": case.number,
                "created_at": case.created_at,
                "closed_at": case.closed_at,
                "customer_name": case.customer_name,
                "customer_email": case.customer_email,
                "customer_phone": case.customer_phone,
                "order_code": case.order.code if case.order else None,
                "channel_name": case.channel.name if case.channel else None,
                "owner_name": case.owner.full_name if case.owner else None,
                "country": case.country,
                "currency": case.currency,
            },
            type_name=case.case_type.name("cs"),
            status_name=case.status.name("cs"),
            items=[
                (item.name, item.quantity, reasons.name(item.reason, case.case_type_id) if item.reason else "")
                for item in case.items
            ],
            tags=[tag.name for tag in case.tags],
            deadline_at=nearest.get(case.id),
        )


def _export(mode: str, url: str, account_id: int) -> None:
    """Export once in this fresh process and print one JSON line of figures."""
    from retino_core.cases.export import EXPORT_COLUMNS, csv_chunks
    from retino_core.db import make_engine, make_session_factory

    engine = make_engine(url)
    factory = make_session_factory(engine)
    header = [label for _, label in EXPORT_COLUMNS]
    rows = written = 0

    def counted(source: Iterator[list[str]]) -> Iterator[list[str]]:
        nonlocal rows
        for row in source:
            rows += 1
            yield row

    with factory() as session, open(os.devnull, "wb") as sink:
        session.connection()
        rss_before = _peak_rss_mb()
        rows_of = _streaming_rows if mode == "streaming" else _naive_rows
        started = time.perf_counter()
        for chunk in csv_chunks(counted(rows_of(session, account_id)), header=header):
            data = chunk.encode("utf-8")
            sink.write(data)
            written += len(data)
        seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": rows,
                "bytes": written,
                "seconds": seconds,
                "rss_before_mb": rss_before,
                "peak_rss_mb": _peak_rss_mb(),
            }
        )
    )


def _in_child(*arguments: str) -> dict[str, float]:
    """Run this script with ``arguments`` in a fresh interpreter and return the JSON it prints.

    This parent imports only the standard library: Linux hands a child its parent's peak RSS
    across fork and exec, so a heavy parent would inflate every child's ``ru_maxrss``.
    """
    completed = subprocess.run(
        [sys.executable, os.path.abspath(__file__), *arguments], check=False, capture_output=True, text=True
    )
    if completed.returncode != 0:
        sys.exit(f"{' '.join(arguments[:2])} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=500_000)
    parser.add_argument("--child", choices=["generate", "streaming", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--account-id", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child == "generate":
        _generate(arguments.url, arguments.cases)
        return
    if arguments.child:
        _export(arguments.child, arguments.url, arguments.account_id)
        return
    with tempfile.TemporaryDirectory(prefix="retino-bench-export-") as scratch:
        url = os.environ.get("RETINO_BENCH_DATABASE_URL") or f"sqlite:///{scratch}/export.sqlite3"
        _compare(url, arguments.cases)


def _compare(url: str, cases: int) -> None:
    generated = _in_child("--child", "generate", "--url", url, "--cases", str(cases))
    print(f"database: {generated['dialect']}, cases: {cases}, generated in {generated['seconds']:.0f} s")
    figures = {
        mode: _in_child("--child", mode, "--url", url, "--account-id", str(generated["account_id"]))
        for mode in ("streaming", "naive")
    }
    for mode, figure in figures.items():
        assert figure["rows"] == cases, figure
        print(
            f"{mode:9s} rows {figure['rows']:>8.0f}   {figure['rows'] / figure['seconds']:>9,.0f} rows/s   "
            f"{figure['seconds']:6.1f} s   peak RSS {figure['peak_rss_mb']:7.1f} MB "
            f"(before export {figure['rss_before_mb']:.1f} MB)   CSV {figure['bytes'] / 1e6:.1f} MB"
        )
    ratio = figures["naive"]["peak_rss_mb"] / figures["streaming"]["peak_rss_mb"]
    print(f"memory ratio (naive peak / streaming peak): {ratio:.1f}x")


if __name__ == "__main__":
    main()
