"""The inbox: every case of the account, filtered, searched and paged by a keyset cursor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import g, render_template, request
from sqlalchemy import select

from marketplace_app.admin import blueprint
from marketplace_app.admin.query_args import date_arg, id_arg
from marketplace_app.database import db
from marketplace_app.errors import translated_message
from marketplace_app.tenancy import admin_context, requires
from retino_core import clock
from retino_core.accounts.models import Membership, SalesChannel
from retino_core.accounts.permissions import Permission
from retino_core.case_types.models import CaseStatus, CaseType, ProcessStep
from retino_core.cases.errors import CaseError
from retino_core.cases.models import Tag
from retino_core.cases.queries import (
    CaseFilter,
    DeadlineState,
    count_cases_by_step,
    list_cases,
    nearest_open_deadlines,
)
from retino_core.messaging.queries import unread_message_counts
from retino_core.saved_filters.queries import filters_of

PAGE_SIZE = 50
#: The inbox tabs: process step codes shared by the default types, in process order.
STEP_TABS = ("new", "waiting_for_goods", "goods_received", "decision", "resolved")


def _midnight_utc(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def _cursor() -> tuple[datetime, int] | None:
    created, _, case_id = request.args.get("before", "").partition("|")
    try:
        return (clock.as_utc(datetime.fromisoformat(created)), int(case_id)) if created and case_id else None
    except ValueError:
        return None


def parse_filter() -> CaseFilter:
    """The filter from the query string; unknown or malformed values are ignored, never a 500."""
    deadline = request.args.get("deadline", "")
    created_to = _midnight_utc(date_arg("created_to"))
    return CaseFilter(
        case_type_ids=[id_arg("type")] if id_arg("type") else (),
        status_ids=[id_arg("status")] if id_arg("status") else (),
        step_codes=[request.args["step"]] if request.args.get("step") in STEP_TABS else (),
        owner_id=id_arg("owner"),
        channel_id=id_arg("channel"),
        tag=request.args.get("tag") or None,
        country=(request.args.get("country") or "")[:2] or None,
        created_from=_midnight_utc(date_arg("created_from")),
        created_to=created_to + timedelta(days=1) if created_to else None,
        deadline_state=DeadlineState(deadline) if deadline in DeadlineState._value2member_map_ else None,
        is_open={"1": True, "0": False}.get(request.args.get("open", "")),
        has_unread_message=request.args.get("unread") == "1",
        search=request.args.get("q", "").strip(),
        before=_cursor(),
    )


def _choices(account_id: int) -> dict[str, Any]:
    session = db()
    return {
        "types": session.scalars(CaseType.select_for_account(account_id).order_by(CaseType.position)).all(),
        "statuses": session.scalars(
            CaseStatus.select_for_account(account_id)
            .join(ProcessStep, ProcessStep.id == CaseStatus.step_id)
            .order_by(CaseStatus.case_type_id, CaseStatus.position)
        ).all(),
        "channels": session.scalars(SalesChannel.select_for_account(account_id).order_by(SalesChannel.name)).all(),
        "members": session.scalars(
            Membership.select_for_account(account_id).where(Membership.is_active).order_by(Membership.id)
        ).all(),
        "tags": session.scalars(Tag.select_for_account(account_id).order_by(Tag.name)).all(),
    }


@blueprint.get("/")
@requires(Permission.case_view)
def inbox() -> str:
    context = admin_context()
    account_id = context.account.id
    case_filter = parse_filter()
    error = ""
    try:
        cases = list_cases(db(), account_id=account_id, case_filter=case_filter, limit=PAGE_SIZE + 1)
        counts = count_cases_by_step(db(), account_id=account_id, case_filter=case_filter)
    except CaseError as refused:
        error = translated_message(refused)
        cases, counts = [], {}
    has_more = len(cases) > PAGE_SIZE
    cases = cases[:PAGE_SIZE]
    next_cursor = f"{cases[-1].created_at.isoformat()}|{cases[-1].id}" if has_more and cases else ""
    deadlines = nearest_open_deadlines(db(), account_id=account_id, case_ids=[case.id for case in cases])
    unread_counts = unread_message_counts(db(), account_id, [case.id for case in cases])
    template = (
        "admin/_case_rows.html" if request.headers.get("HX-Request") and case_filter.before else "admin/inbox.html"
    )
    return render_template(
        template,
        cases=cases,
        counts=counts,
        step_tabs=STEP_TABS,
        deadlines=deadlines,
        unread_counts=unread_counts,
        next_cursor=next_cursor,
        error=error,
        args=request.args,
        filter_args={key: value for key, value in request.args.items() if key not in {"step", "before"}},
        page_args={key: value for key, value in request.args.items() if key != "before"},
        now=clock.now(),
        total=sum(counts.values()),
        step_names=_step_names(account_id),
        saved_filters=filters_of(db(), account_id=account_id, user_id=context.user.id),
        saved_filter_error=g.get("saved_filter_error", ""),
        **_choices(account_id),
    )


def _step_names(account_id: int) -> dict[str, dict[str, str]]:
    rows = db().execute(select(ProcessStep.code, ProcessStep.names).where(ProcessStep.account_id == account_id))
    return {code: names for code, names in rows}
