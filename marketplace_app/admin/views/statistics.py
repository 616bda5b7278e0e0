"""Statistics: case volume per week, top reasons, resolution times, deadlines kept, for a period and channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from flask import abort, render_template, request
from flask_babel import format_decimal, format_percent, get_locale, gettext, lazy_gettext

from marketplace_app.admin import blueprint
from marketplace_app.admin.query_args import date_arg, id_arg
from marketplace_app.database import db
from marketplace_app.tenancy import admin_context, requires
from retino_core import clock
from retino_core.accounts.models import SalesChannel
from retino_core.accounts.permissions import Permission
from retino_core.case_types.models import CaseType
from retino_core.cases.statistics import (
    CERTIFICATE_AWARD_PERCENT,
    CERTIFICATE_KEEP_PERCENT,
    CERTIFICATE_MINIMUM_RATINGS,
    MedianDuration,
    Period,
    WeeklyCases,
    cases_per_week,
    counts_by_status,
    overdue_deadline_count,
    resolution_times,
    resolve_on_time_share,
    top_reasons,
)
from retino_core.deadlines.engine import country_zone
from retino_core.i18n import localized
from retino_core.ratings.models import CertificateState
from retino_core.ratings.queries import certificate_history, current_certificate, rating_summary

DEFAULT_WEEKS = 12
#: Latest certificate computations listed under the current state.
CERTIFICATE_HISTORY_ROWS = 10
#: Longer periods are cut to this, counted back from their end.
MAXIMUM_PERIOD = timedelta(days=3 * 366)


@dataclass(frozen=True)
class PeriodChoice:
    period: Period
    #: First day shown in the form (local date).
    first_day: date
    #: Last day shown in the form (local date, inclusive).
    last_day: date


def _local_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def parse_period(zone: tzinfo) -> PeriodChoice:
    """The period from ``from`` and ``to`` (local dates, ``to`` inclusive); malformed values fall back.

    Without dates: the last twelve ISO weeks, the current one included. A ``from`` after ``to``
    is ignored; a period longer than three years is cut back to three years before its end.
    """
    today = clock.now().astimezone(zone).date()
    default_last = today + timedelta(days=6 - today.weekday())
    try:
        last_day = date_arg("to") or default_last
        first_day = date_arg("from") or last_day - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
        if first_day > last_day:
            last_day = default_last
            first_day = last_day - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
        if last_day - first_day >= MAXIMUM_PERIOD:
            first_day = last_day - MAXIMUM_PERIOD + timedelta(days=1)
        period = Period(_local_midnight(first_day, zone), _local_midnight(last_day + timedelta(days=1), zone))
    except (OverflowError, ValueError):
        last_day = default_last
        first_day = last_day - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
        period = Period(_local_midnight(first_day, zone), _local_midnight(last_day + timedelta(days=1), zone))
    return PeriodChoice(period=period, first_day=first_day, last_day=last_day)


def parse_channel(account_id: int) -> SalesChannel | None:
    """The channel filter: none when absent or malformed, 404 for an id that is not this account's."""
    value = request.args.get("channel", "")
    if not value.isdigit():
        return None
    channel_id = id_arg("channel")
    channel = SalesChannel.get_for_account(db(), channel_id, account_id) if channel_id is not None else None
    if channel is None:
        abort(404)
    return channel


def _days(duration: MedianDuration | None) -> str:
    if duration is None:
        return "—"
    days = duration.median.total_seconds() / 86400
    return gettext("%(days)s days", days=format_decimal(days, format="#,##0.0"))


def _chart_data(
    weekly: WeeklyCases, types: dict[int, CaseType], channels: dict[int, SalesChannel], language: str
) -> dict[str, Any]:
    by_type = [
        {"label": case_type.name(language), "color": case_type.color, "data": weekly.by_case_type[type_id]}
        for type_id, case_type in types.items()
        if type_id in weekly.by_case_type
    ]
    by_channel = [
        {"label": channel.name, "data": weekly.by_channel[channel_id]}
        for channel_id, channel in channels.items()
        if channel_id in weekly.by_channel
    ]
    if None in weekly.by_channel:
        by_channel.append({"label": gettext("No channel"), "data": weekly.by_channel[None]})
    return {
        "weeks": [week.label for week in weekly.weeks],
        "by_type": by_type,
        "by_channel": by_channel,
        "labels": {"cases": gettext("Cases"), "week": gettext("Week")},
    }


CERTIFICATE_STATE_LABELS = {
    CertificateState.earned: lazy_gettext("Earned"),
    CertificateState.suspended: lazy_gettext("Suspended"),
    CertificateState.not_earned: lazy_gettext("Not earned"),
}


def _share_percent(share: Decimal | float | None) -> str:
    return format_percent(share, format="#,##0.0 %") if share is not None else "—"


@blueprint.get("/statistics")
@requires(Permission.case_view)
def statistics() -> str:
    context = admin_context()
    account_id = context.account.id
    language = str(get_locale() or context.account.default_language)
    zone = country_zone(context.account.country)
    choice = parse_period(zone)
    channel = parse_channel(account_id)
    channel_id = channel.id if channel else None
    session = db()
    scope: dict[str, Any] = {"account_id": account_id, "period": choice.period, "channel_id": channel_id}

    types = {
        case_type.id: case_type
        for case_type in session.scalars(
            CaseType.select_for_account(account_id).order_by(CaseType.position, CaseType.id)
        )
    }
    channels = {
        each.id: each
        for each in session.scalars(SalesChannel.select_for_account(account_id).order_by(SalesChannel.name))
    }
    weekly = cases_per_week(session, zone=zone, **scope)
    times = resolution_times(session, **scope)
    on_time = resolve_on_time_share(session, **scope)
    chart_data = _chart_data(weekly, types, channels, language)
    statuses = counts_by_status(session, **scope)
    ratings = rating_summary(
        session,
        account_id=account_id,
        starts_at=choice.period.starts_at,
        ends_at=choice.period.ends_at,
        channel_id=channel_id,
    )
    return render_template(
        "admin/statistics.html",
        choice=choice,
        channel=channel,
        channels=list(channels.values()),
        types=types,
        weekly=weekly,
        chart_data=chart_data,
        channel_rows=chart_data["by_channel"],
        reasons=top_reasons(session, language=language, **scope),
        times=times,
        median_days={type_id: _days(median) for type_id, median in times.by_case_type.items()},
        overall_median=_days(times.overall),
        on_time=on_time,
        on_time_percent=format_percent(on_time.share, format="#,##0.0 %") if on_time.share is not None else "—",
        statuses=statuses,
        status_names={row.status_id: localized(row.names, language) for row in statuses},
        overdue=overdue_deadline_count(session, account_id=account_id, now=clock.now(), channel_id=channel_id),
        closed_count=times.overall.count if times.overall else 0,
        lang=language,
        ratings=ratings,
        rating_average=format_decimal(ratings.average, format="0.00") if ratings.average is not None else "—",
        certificate=current_certificate(session, account_id),
        certificate_history=certificate_history(session, account_id, limit=CERTIFICATE_HISTORY_ROWS),
        certificate_states=CERTIFICATE_STATE_LABELS,
        share_percent=_share_percent,
        certificate_rule={
            "minimum": CERTIFICATE_MINIMUM_RATINGS,
            "award": format_percent(CERTIFICATE_AWARD_PERCENT / 100),
            "keep": format_percent(CERTIFICATE_KEEP_PERCENT / 100),
        },
    )
