"""Documents of a case as downloads: the case protocol PDF.

Viewing is enough to download, so read-only roles and deactivated accounts (read-only) keep it.
"""

from __future__ import annotations

from flask import Response, abort, request

from marketplace_app.admin import blueprint
from marketplace_app.database import db
from marketplace_app.errors import translated_message
from marketplace_app.tenancy import admin_context, requires
from retino_core.accounts.permissions import Permission
from retino_core.documents import DocumentError, DocumentErrorCode, case_protocol_pdf


@blueprint.get("/cases/<int:case_id>/protocol.pdf")
@requires(Permission.case_view)
def case_protocol(case_id: int) -> Response:
    """The protocol in ``?lang=`` (default: the case's language); an unknown language is a 400."""
    context = admin_context()
    requested = request.args.get("lang", "").strip()
    try:
        document = case_protocol_pdf(
            db(), account=context.account, actor=context.actor, case_id=case_id, language=requested or None
        )
    except DocumentError as error:
        if error.code is DocumentErrorCode.unsupported_language:
            abort(400, description=translated_message(error))
        raise
    response = Response(document.content, mimetype=document.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
