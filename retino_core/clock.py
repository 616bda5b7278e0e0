"""The one source of "now". Datetimes are timezone-aware UTC everywhere in the core.

Tests freeze time with ``time_machine``; code never calls ``datetime.now()`` directly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()


def as_utc(value: datetime) -> datetime:
    """Naive datetimes (SQLite returns them) are taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
