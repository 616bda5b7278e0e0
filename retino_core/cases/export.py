"""Cases as CSV: the columns, the cell formatting and escaping, and a constant-memory row stream.

Everything here is plain Python and SQLAlchemy Core, so the admin's streamed download and a
later background export job share it. The stream reads Core rows with ``yield_per`` (a
server-side cursor on PostgreSQL) and loads items, tags and deadlines one batch of cases at a
time: memory stays flat however many cases match (reliability C9, performance B5).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, and_, func, select
from sqlalchemy.orm import Session

from retino_core.accounts.models import SalesChannel, User
from retino_core.case_types.models import CaseStatus, CaseType
from retino_core.case_types.queries import reason_names
from retino_core.cases.models import Case, CaseItem, CaseTag, Tag
from retino_core.cases.queries import CaseFilter, case_list_statement
from retino_core.clock import as_utc
from retino_core.deadlines.models import CaseDeadline
from retino_core.i18n import N_, localized
from retino_core.orders.models import Order
from retino_core.search import without_index

#: The export's columns, in order: a key and the English header, translated at the edge.
EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", N_("Case")),
    ("case_type", N_("Type")),
    ("status", N_("Status")),
    ("created_at", N_("Created at (UTC)")),
    ("closed_at", N_("Closed at (UTC)")),
    ("customer_name", N_("Customer")),
    ("customer_email", N_("E-mail")),
    ("customer_phone", N_("Phone")),
    ("order_code", N_("Order")),
    ("channel", N_("Channel")),
    ("owner", N_("Owner")),
    ("country", N_("Country")),
    ("currency", N_("Currency")),
    ("items", N_("Items")),
    ("tags", N_("Tags")),
    ("deadline", N_("Nearest open deadline (UTC)")),
)

#: Field separators a user may pick: a comma (RFC 4180) or a semicolon (Excel with a Czech locale).
SEPARATORS: dict[str, str] = {"comma": ",", "semicolon": ";"}

UTF8_BOM = "\ufeff"

#: A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Cases read from the database per round trip; also the batch for their items, tags and deadlines.
BATCH_SIZE = 2000

#: CSV rows written into one chunk of the download.
ROWS_PER_CHUNK = 200


def neutralise_formula(value: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula; the value stays readable."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def format_datetime(value: datetime | None) -> str:
    return as_utc(value).isoformat(sep=" ", timespec="seconds")[:19] if value is not None else ""


def format_quantity(quantity: Decimal) -> str:
    """``2.000`` → ``2``, ``1.500`` → ``1.5``; never an exponent."""
    return f"{quantity.normalize():f}"


#: One item of the "Items" cell: its name, quantity and, optionally, its reason's name.
ExportItem = tuple[str, Decimal] | tuple[str, Decimal, str]


def format_items(items: Iterable[ExportItem]) -> str:
    """``Name × 2 (Reason); Other × 1``: the reason in brackets when the item has one."""
    return "; ".join(_format_item(*item) for item in items)


def _format_item(name: str, quantity: Decimal, reason: str = "") -> str:
    text = f"{name} × {format_quantity(quantity)}"
    return f"{text} ({reason})" if reason else text


def build_row(
    case: Mapping[str, Any],
    *,
    type_name: str,
    status_name: str,
    items: Sequence[ExportItem] = (),
    tags: Sequence[str] = (),
    deadline_at: datetime | None = None,
) -> list[str]:
    """One CSV row (not yet escaped) in the order of :data:`EXPORT_COLUMNS`.

    ``case`` holds the columns of :func:`export_statement`; the type and status names are
    already in the reader's language. A closed case shows no deadline, as in the inbox.
    """
    return [
        case["number"],
        type_name,
        status_name,
        format_datetime(case["created_at"]),
        format_datetime(case["closed_at"]),
        case["customer_name"],
        case["customer_email"],
        case["customer_phone"] or "",
        case["order_code"] or "",
        case["channel_name"] or "",
        case["owner_name"] or "",
        case["country"],
        case["currency"],
        format_items(items),
        ", ".join(tags),
        format_datetime(deadline_at) if case["closed_at"] is None else "",
    ]


def csv_chunks(
    rows: Iterable[Sequence[str]],
    *,
    header: Sequence[str],
    delimiter: str = ",",
    with_bom: bool = True,
    rows_per_chunk: int = ROWS_PER_CHUNK,
) -> Iterator[str]:
    """The CSV text in chunks: BOM, header, then rows, every cell formula-neutralised.

    Quoting is RFC 4180 (the ``csv`` module, ``\\r\\n`` line ends): a cell with the separator,
    a quote or a line break is quoted and its quotes doubled.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    if with_bom:
        buffer.write(UTF8_BOM)
    writer.writerow([neutralise_formula(cell) for cell in header])
    pending = 0
    for row in rows:
        writer.writerow([neutralise_formula(cell) for cell in row])
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if buffer.tell():
        yield buffer.getvalue()


def export_statement(
    account_id: int, case_filter: CaseFilter, *, dialect: str, case_ids: Sequence[int] | None = None
) -> Select[Any]:
    """The account's cases matching the inbox filter (every page, no cursor) as plain columns.

    ``case_ids`` narrows it to a selection; ids of other accounts simply match nothing. Raises
    the inbox's ``CaseError`` for a search shorter than three characters.
    """
    statement = case_list_statement(account_id, replace(case_filter, before=None), dialect=dialect)
    if case_ids is not None:
        statement = statement.where(Case.id.in_(case_ids))
    return (
        statement.with_only_columns(
            Case.id,
            Case.number,
            Case.case_type_id,
            Case.status_id,
            Case.created_at,
            Case.closed_at,
            Case.customer_name,
            Case.customer_email,
            Case.customer_phone,
            Order.code.label("order_code"),
            SalesChannel.name.label("channel_name"),
            User.full_name.label("owner_name"),
            Case.country,
            Case.currency,
        )
        .select_from(Case)
        .outerjoin(Order, and_(Order.id == Case.order_id, Order.account_id == account_id))
        .outerjoin(SalesChannel, and_(SalesChannel.id == Case.channel_id, SalesChannel.account_id == account_id))
        .outerjoin(User, User.id == Case.owner_id)
    )


def _account_column(connection: Connection, column: Any) -> Any:
    """The account filter of a batch query; on SQLite (often without planner statistics) it must not
    steer the plan to the account index, which would walk every row of the account per batch."""
    return without_index(column) if connection.dialect.name == "sqlite" else column


def _names(connection: Connection, model: Any, account_id: int, language: str) -> dict[int, str]:
    """Names of the account's case types or statuses in ``language``, by id: read once, not per row."""
    rows = connection.execute(select(model.id, model.names).where(model.account_id == account_id))
    return {object_id: localized(names, language) for object_id, names in rows}


def _items_by_case(
    connection: Connection, account_id: int, case_ids: list[int]
) -> dict[int, list[tuple[str, Decimal, str]]]:
    """Each case's items as ``(name, quantity, reason code)``."""
    rows = connection.execute(
        select(CaseItem.case_id, CaseItem.name, CaseItem.quantity, CaseItem.reason)
        .where(_account_column(connection, CaseItem.account_id) == account_id, CaseItem.case_id.in_(case_ids))
        .order_by(CaseItem.case_id, CaseItem.id)
    )
    found: dict[int, list[tuple[str, Decimal, str]]] = defaultdict(list)
    for case_id, name, quantity, reason in rows:
        found[case_id].append((name, quantity, reason))
    return found


def _tags_by_case(connection: Connection, account_id: int, case_ids: list[int]) -> dict[int, list[str]]:
    rows = connection.execute(
        select(CaseTag.case_id, Tag.name)
        .join(Tag, Tag.id == CaseTag.tag_id)
        .where(_account_column(connection, CaseTag.account_id) == account_id, CaseTag.case_id.in_(case_ids))
        .order_by(CaseTag.case_id, Tag.name)
    )
    found: dict[int, list[str]] = defaultdict(list)
    for case_id, name in rows:
        found[case_id].append(name)
    return found


def _deadlines_by_case(connection: Connection, account_id: int, case_ids: list[int]) -> dict[int, datetime]:
    rows = connection.execute(
        select(CaseDeadline.case_id, func.min(CaseDeadline.due_at))
        .where(
            _account_column(connection, CaseDeadline.account_id) == account_id,
            CaseDeadline.case_id.in_(case_ids),
            CaseDeadline.met_at.is_(None),
        )
        .group_by(CaseDeadline.case_id)
    )
    return {case_id: due_at for case_id, due_at in rows}


def iter_export_rows(
    session: Session,
    statement: Select[Any],
    *,
    account_id: int,
    language: str,
    batch_size: int = BATCH_SIZE,
) -> Iterator[list[str]]:
    """Rows of :func:`export_statement`, streamed: never more than ``batch_size`` cases in memory.

    The rows are read through the session's connection as Core rows (no ORM objects, no
    identity map), with ``yield_per``: a server-side cursor on PostgreSQL, ``fetchmany`` on SQLite.

    Items, tags and the nearest open deadline come from one query each per batch (no N+1),
    always filtered by ``account_id`` as well as by the batch's case ids. Item reasons are named
    in ``language``, from one read of the account's reasons.
    """
    connection = session.connection()
    type_names = _names(connection, CaseType, account_id, language)
    status_names = _names(connection, CaseStatus, account_id, language)
    reasons = reason_names(connection, account_id=account_id, language=language)
    result = connection.execute(statement.execution_options(yield_per=batch_size))
    try:
        for batch in result.partitions():
            case_ids = [row.id for row in batch]
            items = _items_by_case(connection, account_id, case_ids)
            tags = _tags_by_case(connection, account_id, case_ids)
            deadlines = _deadlines_by_case(connection, account_id, case_ids)
            for row in batch:
                yield build_row(
                    row._mapping,
                    type_name=type_names.get(row.case_type_id, ""),
                    status_name=status_names.get(row.status_id, ""),
                    items=[
                        (name, quantity, reasons.name(code, row.case_type_id) if code else "")
                        for name, quantity, code in items.get(row.id, ())
                    ],
                    tags=tags.get(row.id, ()),
                    deadline_at=deadlines.get(row.id),
                )
    finally:
        result.close()


def translated_header(translate: Callable[[str], str]) -> list[str]:
    """The header row in the reader's language (``translate`` is the edge's ``gettext``)."""
    return [translate(label) for _, label in EXPORT_COLUMNS]
