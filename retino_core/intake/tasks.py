"""The periodic cleanup of drafts nobody confirmed (and of consumed ones), with their stored photos."""

from __future__ import annotations

import logging

from retino_core.jobs.registry import JobContext, job

logger = logging.getLogger(__name__)


@job(queue="default", timeout=600, retries=(3, (60, 300, 900)))
def purge_expired_drafts(ctx: JobContext) -> None:
    """Delete drafts past their expiry and their photos' files; idempotent, a batch per run."""
    from retino_core.intake.actions import purge_expired_drafts as purge

    count = purge(ctx.session, storage=ctx.storage)
    if count:
        logger.info("job %s: %s expired drafts deleted", ctx.outbox_id, count)
