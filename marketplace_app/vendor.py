"""Serves the front-end libraries the build installs from the npm registry (never copied into the repo)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory
from flask.typing import ResponseReturnValue

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"

#: Public name → file inside node_modules. Only these are served.
VENDOR_FILES = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
}

blueprint = Blueprint("vendor", __name__, url_prefix="/static/vendor")


@blueprint.get("/<name>")
def asset(name: str) -> ResponseReturnValue:
    relative = VENDOR_FILES.get(name)
    if relative is None:
        abort(404)
    path = NODE_MODULES / relative
    if not path.is_file():
        abort(404, description="Front-end packages are not installed; run make run or npm ci.")
    return send_from_directory(path.parent, path.name, max_age=86400)
