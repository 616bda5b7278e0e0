"""Jobs used only by the tests: one with a visible, idempotent effect and one that always fails."""

from __future__ import annotations

from sqlalchemy import select

from retino_core.cases.models import Tag
from retino_core.jobs import JobContext, job


@job(queue="default", timeout=30, retries=(0, ()))
def tag_account(ctx: JobContext, marker: int) -> None:
    """Create the tag ``job-<marker>`` in the job's account unless it exists."""
    assert ctx.account_id is not None
    name = f"job-{marker}"
    exists = ctx.session.scalar(select(Tag.id).where(Tag.account_id == ctx.account_id, Tag.name == name))
    if exists is None:
        ctx.session.add(Tag(account_id=ctx.account_id, name=name))


@job(queue="default", timeout=30, retries=(1, (0,)))
def always_fails(ctx: JobContext, marker: int) -> None:
    raise RuntimeError(f"boom {marker}")
