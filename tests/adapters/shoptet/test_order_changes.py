"""The Shoptet order sync: a first import of the last N days, then the change feed, page by page, from a cursor."""

from datetime import UTC, datetime

from adapters.shoptet.adapter import ShoptetAdapter
from retino_core.platforms.interface import OrderChangePage

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


def _adapter(shoptet_client):
    return ShoptetAdapter(shoptet_client, signature_key="k", import_days=90, now=lambda: NOW)


def test_the_first_sync_lists_the_orders_changed_in_the_import_window(shoptet_client, exchanges):
    page = _adapter(shoptet_client).fetch_order_changes("")

    exchanges.assert_all_valid()
    method, path = exchanges.requests[0]
    assert (method, path.split("?")[0]) == ("GET", "/api/orders")
    assert "changeTimeFrom=2026-09-07T10%3A00%3A00%2B0000" in path
    assert "page=1" in path
    assert page.order_external_ids != ()
    # The spec's example paginator says three pages: the next call reads page 2 of the same window.
    assert (page.cursor, page.has_more) == ("import|2026-09-07T10:00:00+0000|2|2026-12-06T10:00:00+0000", True)


def test_the_change_feed_reads_page_by_page_from_the_cursor(shoptet_client, exchanges):
    page = _adapter(shoptet_client).fetch_order_changes("changes|2026-12-01T00:00:00+0000|1")

    exchanges.assert_all_valid()
    method, path = exchanges.requests[0]
    assert (method, path.split("?")[0]) == ("GET", "/api/orders/changes")
    assert "from=2026-12-01T00%3A00%3A00%2B0000" in path
    assert "itemsPerPage=1000" in path
    assert isinstance(page, OrderChangePage)
    assert (page.cursor, page.has_more) == ("changes|2026-12-01T00:00:00+0000|2", True)


def test_the_last_page_of_the_feed_moves_the_cursor_to_the_newest_change(shoptet_client, exchanges):
    page = _adapter(shoptet_client).fetch_order_changes("changes|2026-12-01T00:00:00+0000|3")

    exchanges.assert_all_valid()
    assert "page=3" in exchanges.requests[0][1]
    assert page.has_more is False
    assert page.cursor.startswith("changes|")
    assert page.cursor.endswith("|1")
    assert page.cursor != "changes|2026-12-01T00:00:00+0000|1"


def test_an_unreadable_cursor_starts_the_import_again(shoptet_client, exchanges):
    page = _adapter(shoptet_client).fetch_order_changes("garbage|x")

    assert exchanges.requests[0][1].startswith("/api/orders?")
    assert page.cursor == "import|2026-09-07T10:00:00+0000|2|2026-12-06T10:00:00+0000"


def test_import_pages_continue_until_the_page_count(shoptet_client, monkeypatch):
    calls = []

    def pages(*, changed_from, page):
        calls.append((changed_from, page))
        return ([f"{page}-a", f"{page}-b"], 3)

    monkeypatch.setattr(shoptet_client, "order_codes_page", pages)
    adapter = _adapter(shoptet_client)

    first = adapter.fetch_order_changes("")
    second = adapter.fetch_order_changes(first.cursor)
    third = adapter.fetch_order_changes(second.cursor)

    assert calls == [
        ("2026-09-07T10:00:00+0000", 1),
        ("2026-09-07T10:00:00+0000", 2),
        ("2026-09-07T10:00:00+0000", 3),
    ]
    assert [(p.order_external_ids, p.has_more) for p in (first, second, third)] == [
        (("1-a", "1-b"), True),
        (("2-a", "2-b"), True),
        (("3-a", "3-b"), False),
    ]
    assert third.cursor == "changes|2026-12-06T10:00:00+0000|1"


def test_deleted_orders_are_left_out_and_the_newest_change_time_is_the_next_cursor(shoptet_client, monkeypatch):
    changes = [
        {"code": "1001", "changeTime": "2026-12-05T08:00:00+0100", "changeType": "edit"},
        {"code": "1002", "changeTime": "2026-12-05T09:30:00+0100", "changeType": "delete"},
        {"code": "1003", "changeTime": "2026-12-05T09:00:00+0100", "changeType": "add"},
    ]
    monkeypatch.setattr(shoptet_client, "order_changes_page", lambda *, changed_from, page: (changes, 1))

    page = _adapter(shoptet_client).fetch_order_changes("changes|2026-12-05T00:00:00+0100|1")

    assert page == OrderChangePage(("1001", "1003"), "changes|2026-12-05T09:30:00+0100|1", has_more=False)
