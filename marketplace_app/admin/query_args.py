"""Reading filter values from the query string: malformed or out-of-range values read as absent.

A filter typed by hand must never reach the database as something it cannot hold (an id beyond
BIGINT) nor overflow a date calculation (year 9999 plus a day), so both are bounded here.
"""

from __future__ import annotations

from datetime import date

from flask import request

from retino_core.db import MAXIMUM_ID

#: Dates outside these years are not filters anyone means, and the far ones overflow on the way to UTC.
FIRST_YEAR, LAST_YEAR = 2000, 2999


def id_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    if not value.isdigit() or int(value) > MAXIMUM_ID:
        return None
    return int(value)


def date_arg(name: str) -> date | None:
    try:
        day = date.fromisoformat(request.args.get(name, "")[:10])
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None
