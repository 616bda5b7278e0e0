"""The page that proves the installation is alive, and the health check for load balancers."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from redis.exceptions import RedisError
from sqlalchemy import func, select, text

from marketplace_app.database import db, runtime
from retino_core import clock
from retino_core.accounts.models import Account, SalesChannel
from retino_core.cases.models import Case
from retino_core.deadlines.queries import overdue_deadlines
from retino_core.jobs.dispatch import RqDispatcher

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
def index() -> str:
    """Counts per account for the embedded demo; a production installation shows no tenant's data here."""
    if runtime().settings.is_production:
        return render_template("home.html", summaries=[], is_production=True)
    session = db()
    accounts = session.scalars(select(Account).order_by(Account.id)).all()
    summaries = []
    for account in accounts:
        channels = session.scalars(SalesChannel.select_for_account(account.id).order_by(SalesChannel.id)).all()
        open_cases = session.scalar(
            select(func.count()).select_from(Case).where(Case.account_id == account.id, Case.closed_at.is_(None))
        )
        total_cases = session.scalar(select(func.count()).select_from(Case).where(Case.account_id == account.id))
        overdue = len(overdue_deadlines(session, account_id=account.id, now=clock.now()))
        summaries.append(
            {"account": account, "channels": channels, "open": open_cases, "total": total_cases, "overdue": overdue}
        )
    return render_template("home.html", summaries=summaries, is_production=False)


@blueprint.get("/healthz")
def healthz() -> tuple[object, int]:
    checks = {"database": "ok"}
    status = 200
    try:
        db().execute(text("SELECT 1"))
    except Exception as error:
        checks["database"] = f"error: {type(error).__name__}"
        status = 503
    dispatcher = runtime().dispatcher
    if isinstance(dispatcher, RqDispatcher):
        try:
            dispatcher.connection.ping()
            checks["redis"] = "ok"
        except RedisError as error:
            checks["redis"] = f"error: {type(error).__name__}"
            status = 503
    return jsonify(checks), status
