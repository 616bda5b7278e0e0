"""One unit of work per request: a session opened on first use, committed once when the view
returns a success, rolled back otherwise. After-commit jobs (mail, platform calls) dispatch then.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g
from sqlalchemy.orm import Session

from retino_core.config import Settings
from retino_core.runtime import Runtime, build_runtime

_RUNTIME_KEY = "retino_runtime"


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions[_RUNTIME_KEY] = build_runtime(settings)
    app.after_request(_commit_on_success)
    app.teardown_request(_close_session)


def runtime() -> Runtime:
    return current_app.extensions[_RUNTIME_KEY]  # type: ignore[no-any-return]


def db() -> Session:
    """The request's session; created lazily so static and health requests cost no connection."""
    if "db_session" not in g:
        g.db_session = runtime().session_factory()
    return g.db_session  # type: ignore[no-any-return]


def _commit_on_success(response: Response) -> Response:
    session: Session | None = g.get("db_session")
    if session is not None and response.status_code < 400:
        session.commit()
    return response


def _close_session(error: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
