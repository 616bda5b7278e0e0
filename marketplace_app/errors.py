"""Domain errors become 4xx answers in the reader's language; nothing the user did becomes a 500."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from retino_core.errors import DomainError, ErrorKind

STATUS_FOR_KIND = {
    ErrorKind.invalid: 422,
    ErrorKind.not_found: 404,
    ErrorKind.forbidden: 403,
    ErrorKind.conflict: 409,
}


def translated_message(error: DomainError) -> str:
    return gettext(error.message, **error.params) if error.params else gettext(error.message)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def handle_domain_error(error: DomainError) -> tuple[object, int]:
    status = STATUS_FOR_KIND[error.kind]
    body = {"code": error.code.value, "message": translated_message(error)}
    if error.field_errors:
        body["fields"] = error.field_errors
    if _wants_json():
        return jsonify(error=body), status
    return render_template("error.html", status=status, message=body["message"]), status


def handle_http_error(error: HTTPException) -> tuple[object, int]:
    status = error.code or 500
    if _wants_json():
        return jsonify(error={"code": status, "message": error.description}), status
    return render_template("error.html", status=status, message=error.description), status


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
