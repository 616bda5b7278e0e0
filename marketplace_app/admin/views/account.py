"""The account screen (owners): trial end, cases created per month (what the bill is based on) as a
table and CSV, and deactivating the account after typing its short name.

Reading needs the role to hold ``account_manage``, also while the account is deactivated (the
merchant may still take its usage away); deactivating is refused on a deactivated account.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from marketplace_app.admin import blueprint
from marketplace_app.database import db
from marketplace_app.tenancy import admin_context, requires
from retino_core import clock
from retino_core.accounts.actions import PURGE_AFTER, deactivate_account
from retino_core.accounts.permissions import Permission
from retino_core.accounts.queries import BILLING_TIME_ZONE, monthly_case_usage
from retino_core.cases.export import csv_chunks


def _may_see_account() -> None:
    if not admin_context().actor.can(Permission.account_manage):
        abort(403)


def render_account(*, status: int = 200, error: str = "") -> Any:
    context = admin_context()
    return render_template(
        "admin/account.html",
        account=context.account,
        usage=monthly_case_usage(db(), account=context.account),
        billing_time_zone=BILLING_TIME_ZONE,
        purge_days=PURGE_AFTER.days,
        now=clock.now(),
        error=error,
    ), status


@blueprint.get("/account")
def account_overview() -> Any:
    _may_see_account()
    return render_account()


@blueprint.get("/account/usage.csv")
def account_usage_csv() -> Any:
    _may_see_account()
    account = admin_context().account
    rows = ([row.month, str(row.cases_created)] for row in monthly_case_usage(db(), account=account))
    return Response(
        "".join(csv_chunks(rows, header=["month", "cases_created"], with_bom=False)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="usage-{account.slug}.csv"'},
    )


@blueprint.post("/account/deactivate")
@requires(Permission.account_manage)
def account_deactivate() -> Any:
    context = admin_context()
    if request.form.get("confirm_slug", "").strip() != context.account.slug:
        return render_account(
            status=422,
            error=gettext("Type the short name of the account (%(slug)s) to confirm.", slug=context.account.slug),
        )
    deactivate_account(db(), account=context.account, actor=context.actor)
    flash(gettext("The account is deactivated."))
    return redirect(url_for("admin.account_overview"))
