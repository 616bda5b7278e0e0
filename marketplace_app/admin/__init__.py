"""The merchant admin: sign-in, the inbox, case detail, manual creation. Server-rendered, htmx for parts."""

from __future__ import annotations

from flask import Blueprint, Flask, g, redirect, render_template, request, url_for
from flask_login import current_user

blueprint = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

#: Views reachable without signing in.
PUBLIC_ENDPOINTS = frozenset(
    {"admin.login", "admin.password_forgot", "admin.password_reset", "admin.invitation_accept"}
)


@blueprint.before_request
def resolve_member() -> object | None:
    from marketplace_app.tenancy import load_admin_context

    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("admin.login", next=request.full_path if request.method == "GET" else None))
    g.admin = load_admin_context()
    if g.admin is None and request.endpoint != "admin.logout":
        return render_template("admin/no_account.html"), 403
    return None


def init_app(app: Flask) -> None:
    from marketplace_app.admin import auth, views  # noqa: F401 - registers the routes on the blueprint

    app.register_blueprint(blueprint)
