"""The job outbox: one row per job, written in the transaction that caused it."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from retino_core.clock import now
from retino_core.db import Base, BigIntPK, enum_type


class OutboxStatus(Enum):
    #: Committed, not yet handed to a queue (or the hand-over failed; the sweeper retries it).
    pending = "pending"
    #: Handed to a queue at ``enqueued_at``; the sweeper re-dispatches it if it stays unfinished.
    enqueued = "enqueued"
    #: Ran to completion.
    done = "done"
    #: Failed on every attempt of its retry budget.
    failed = "failed"


class OutboxJob(Base):
    __tablename__ = "outbox_jobs"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    #: The tenant the job works for; None for installation-wide jobs.
    account_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    #: Dotted name of the function declared with ``@job``.
    job_name: Mapped[str] = mapped_column(String(200))
    #: The positional ids passed to the job.
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    queue: Mapped[str] = mapped_column(String(32))
    status: Mapped[OutboxStatus] = mapped_column(enum_type(OutboxStatus), default=OutboxStatus.pending, index=True)
    #: Runs started so far, failed or not.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now)
    enqueued_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
