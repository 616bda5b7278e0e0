"""The CSV export's building blocks: escaping, quoting, BOM, separators, and the streamed rows."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from retino_core.accounts.permissions import Role
from retino_core.cases.actions import open_case, tag_case, transition_case
from retino_core.cases.export import (
    EXPORT_COLUMNS,
    build_row,
    csv_chunks,
    export_statement,
    format_items,
    format_quantity,
    iter_export_rows,
    neutralise_formula,
    translated_header,
)
from retino_core.cases.models import CaseOrigin
from retino_core.cases.queries import CaseFilter
from retino_core.deadlines.models import CaseDeadline
from retino_core.deadlines.rules import Consequence, DeadlineKind

HEADER = [label for _, label in EXPORT_COLUMNS]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x?"&A1)', '\'=HYPERLINK("http://x?"&A1)'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("+420 777 123 456", "'+420 777 123 456"),
        ("Petr Dvořák", "Petr Dvořák"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(value, expected):
    assert neutralise_formula(value) == expected


@pytest.mark.parametrize(
    ("cell", "line"),
    [
        ('=HYPERLINK("http://x?"&A1)', '"\'=HYPERLINK(""http://x?""&A1)"'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", '"\'\r=1"'),
        ("Nováková, Jana", '"Nováková, Jana"'),
        ('Tričko "XL"', '"Tričko ""XL"""'),
        ("první řádek\ndruhý řádek", '"první řádek\ndruhý řádek"'),
        ("plain", "plain"),
    ],
)
def test_each_cell_is_escaped_and_rfc4180_quoted(cell, line):
    # given one row of one cell
    # when
    text = "".join(csv_chunks([[cell]], header=["h"], with_bom=False))
    # then
    assert text == f"h\r\n{line}\r\n"


def test_quoted_cells_read_back_to_the_neutralised_values():
    cells = ['=HYPERLINK("http://x?"&A1)', "Nováková, Jana", 'Tričko "XL"', "a\r\nb", "\r=1"]
    text = "".join(csv_chunks([cells], header=["1", "2", "3", "4", "5"], with_bom=False))
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["1", "2", "3", "4", "5"],
        ['\'=HYPERLINK("http://x?"&A1)', "Nováková, Jana", 'Tričko "XL"', "a\r\nb", "'\r=1"],
    ]


def test_the_export_starts_with_a_utf8_bom_and_uses_the_chosen_separator():
    comma = "".join(csv_chunks([["a;b", "c,d"]], header=["x", "y"]))
    semicolon = "".join(csv_chunks([["a;b", "c,d"]], header=["x", "y"], delimiter=";"))
    assert comma.encode("utf-8")[:3] == b"\xef\xbb\xbf"
    assert comma == '\ufeffx,y\r\na;b,"c,d"\r\n'
    assert semicolon == '\ufeffx;y\r\n"a;b";c,d\r\n'


def test_rows_come_in_chunks_and_together_make_the_whole_file():
    rows = [[str(number)] for number in range(5)]
    chunks = list(csv_chunks(rows, header=["n"], with_bom=False, rows_per_chunk=2))
    assert chunks == ["n\r\n0\r\n1\r\n", "2\r\n3\r\n", "4\r\n"]


def test_an_empty_export_is_the_bom_and_the_header():
    assert list(csv_chunks([], header=["a", "b"])) == ["\ufeffa,b\r\n"]


def test_quantities_and_items_read_naturally():
    assert format_quantity(Decimal("2.000")) == "2"
    assert format_quantity(Decimal("1.500")) == "1.5"
    assert format_quantity(Decimal("10.000")) == "10"
    assert format_items([("Tričko", Decimal("2.000")), ("Kšiltovka, černá", Decimal("0.250"))]) == (
        "Tričko × 2; Kšiltovka, černá × 0.25"
    )
    assert format_items([]) == ""


def test_build_row_follows_the_columns_and_hides_the_deadline_of_a_closed_case():
    case = {
        "number": "R00007",
        "created_at": datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        "closed_at": None,
        "customer_name": "Jana Nováková",
        "customer_email": "jana@example.test",
        "customer_phone": None,
        "order_code": "2026000042",
        "channel_name": "E-shop",
        "owner_name": None,
        "country": "CZ",
        "currency": "CZK",
    }
    due = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    row = build_row(
        case,
        type_name="Reklamace",
        status_name="Nový",
        items=[("Šála", Decimal("1"))],
        tags=["VIP", "urgent"],
        deadline_at=due,
    )
    assert row == [
        "R00007",
        "Reklamace",
        "Nový",
        "2026-11-02 09:30:00",
        "",
        "Jana Nováková",
        "jana@example.test",
        "",
        "2026000042",
        "E-shop",
        "",
        "CZ",
        "CZK",
        "Šála × 1",
        "VIP, urgent",
        "2026-12-02 09:30:00",
    ]
    assert len(row) == len(EXPORT_COLUMNS)
    closed = build_row(
        {**case, "closed_at": datetime(2026, 11, 3, tzinfo=UTC)}, type_name="", status_name="", deadline_at=due
    )
    assert closed[4] == "2026-11-03 00:00:00"
    assert closed[15] == ""


def test_the_header_is_translated_by_the_given_function():
    assert translated_header(str.upper)[:3] == ["CASE", "TYPE", "STATUS"]
    assert translated_header(lambda text: text) == HEADER


def _open(session, account, actor, *, customer, items):
    case = open_case(
        session,
        account=account,
        actor=actor,
        payload={
            "case_type": "return",
            "customer_name": customer,
            "customer_email": f"{customer.split()[0].lower()}@example.test",
            "items": [{"name": name, "quantity": quantity} for name, quantity in items],
            "notify_customer": False,
        },
        origin=CaseOrigin.agent,
    )
    session.flush()
    return case


def _export(session, account_id, case_filter=None, *, case_ids=None, batch_size=2000):
    statement = export_statement(
        account_id, case_filter or CaseFilter(), dialect=session.get_bind().dialect.name, case_ids=case_ids
    )
    return list(iter_export_rows(session, statement, account_id=account_id, language="en", batch_size=batch_size))


def test_rows_stream_in_batches_with_each_cases_own_items_tags_and_deadline(
    session, shop, make_account, make_member, make_channel, make_order
):
    # given five cases of one shop, read two at a time, and a case of another shop
    account, _owner, actor, _channel, _order = shop
    cases = [
        _open(session, account, actor, customer=f"Zákazník{number} Novák", items=[(f"Zboží {number}", "1")] * number)
        for number in range(1, 6)
    ]
    tag_case(session, account=account, actor=actor, case=cases[1], name="VIP")
    tag_case(session, account=account, actor=actor, case=cases[1], name="=cmd")
    transition_case(session, account=account, actor=actor, case=cases[4], to_status="cancelled")
    other = make_account(name="Jiný obchod")
    _other_user, other_actor = make_member(other, Role.owner)
    _open(session, other, other_actor, customer="Cizí Zákazník", items=[("Cizí zboží", "1")])
    # when
    rows = _export(session, account.id, batch_size=2)
    # then: newest first, every row of the shop, nothing of the other one
    assert [row[0] for row in rows] == [case.number for case in reversed(cases)]
    by_number = {row[0]: row for row in rows}
    for number, case in enumerate(cases, start=1):
        assert by_number[case.number][13] == "; ".join([f"Zboží {number} × 1"] * number)
    assert by_number[cases[1].number][14] == "=cmd, VIP"
    assert by_number[cases[0].number][1:3] == ["Return", "New"]
    assert by_number[cases[4].number][2] == "Cancelled"
    assert by_number[cases[4].number][15] == ""
    assert all("Cizí" not in cell for row in rows for cell in row)


def test_the_deadline_column_is_the_nearest_one_not_yet_met(session, shop):
    # given a case with one deadline met and two open ones
    account, _owner, actor, _channel, _order = shop
    case = _open(session, account, actor, customer="Jana Nováková", items=[("Šála", "1")])
    for deadline in session.scalars(CaseDeadline.select_for_account(account.id).where(CaseDeadline.case_id == case.id)):
        session.delete(deadline)
    session.flush()
    base = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
    for kind, days, is_met in (
        (DeadlineKind.first_response, 1, True),
        (DeadlineKind.resolve, 3, False),
        (DeadlineKind.withdrawal_window, 5, False),
    ):
        session.add(
            CaseDeadline(
                account_id=account.id,
                case_id=case.id,
                kind=kind,
                due_at=base + timedelta(days=days),
                computed_due_at=base + timedelta(days=days),
                rule_code="test",
                rule_version=1,
                consequence=Consequence.consumer_may_withdraw,
                is_extendable=False,
                met_at=base if is_met else None,
                source="test",
            )
        )
    session.flush()
    # when
    rows = _export(session, account.id)
    # then
    assert rows[0][15] == "2027-01-13 08:00:00"


def test_a_selection_exports_only_its_own_accounts_ids(session, shop, make_account, make_member):
    account, _owner, actor, _channel, _order = shop
    first = _open(session, account, actor, customer="Jana Nováková", items=[("Šála", "1")])
    _open(session, account, actor, customer="Petr Svoboda", items=[("Čepice", "1")])
    other = make_account(name="Jiný obchod")
    _user, other_actor = make_member(other, Role.owner)
    foreign = _open(session, other, other_actor, customer="Cizí Zákazník", items=[("Cizí zboží", "1")])
    rows = _export(session, account.id, case_ids=[first.id, foreign.id])
    assert [row[0] for row in rows] == [first.number]
    assert rows[0][5] == "Jana Nováková"


def test_the_export_path_never_loads_everything_at_once():
    # C9.2: rows are streamed with yield_per; an .all() on this path would load every case.
    root = Path(__file__).resolve().parents[2]
    for path in ("retino_core/cases/export.py", "marketplace_app/admin/views/export.py"):
        source = (root / path).read_text(encoding="utf-8")
        assert ".all()" not in source, path
    assert "yield_per=batch_size" in (root / "retino_core/cases/export.py").read_text(encoding="utf-8")
