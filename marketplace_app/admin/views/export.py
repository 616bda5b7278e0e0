"""The inbox as a CSV download: every case the current filter matches (or a selection of them), streamed."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, abort, request, stream_with_context
from flask_babel import get_locale, gettext

from marketplace_app.admin import blueprint
from marketplace_app.admin.views.inbox import parse_filter
from marketplace_app.database import db
from marketplace_app.tenancy import admin_context, requires
from retino_core import clock
from retino_core.accounts.permissions import Permission
from retino_core.cases.export import SEPARATORS, csv_chunks, export_statement, iter_export_rows, translated_header

#: The most ids a selection may name in one export.
MAX_SELECTED_IDS = 5000


def selected_ids(raw: str) -> list[int] | None:
    """``"1,2,3"`` → ``[1, 2, 3]``; no value → None (export the whole filter); malformed → 400."""
    if not raw.strip():
        return None
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not all(part.isdigit() for part in parts) or len(parts) > MAX_SELECTED_IDS:
        abort(400)
    return sorted({int(part) for part in parts})


@blueprint.get("/cases/export.csv")
@requires(Permission.case_export)
def export_cases() -> Response:
    """Stream the CSV; the statement is built (and a too-short search refused) before the first byte.

    The rows are read inside the generator, after the request's commit, so the server-side
    cursor lives in its own read-only transaction that the teardown rolls back.
    """
    account_id = admin_context().account.id
    separator = request.args.get("sep", "comma")
    if separator not in SEPARATORS:
        abort(400)
    statement = export_statement(
        account_id,
        parse_filter(),
        dialect=db().get_bind().dialect.name,
        case_ids=selected_ids(request.args.get("ids", "")),
    )
    language = str(get_locale())
    header = translated_header(gettext)

    def generate() -> Iterator[bytes]:
        rows = iter_export_rows(db(), statement, account_id=account_id, language=language)
        for chunk in csv_chunks(rows, header=header, delimiter=SEPARATORS[separator]):
            yield chunk.encode("utf-8")

    filename = f"cases-{clock.today().isoformat()}.csv"
    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
