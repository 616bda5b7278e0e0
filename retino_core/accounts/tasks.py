"""Account lifecycle jobs run by the scheduler: trial expiry and the purge of deactivated accounts.

Both are installation-wide (no tenant), idempotent and safe to run twice: each reloads the
accounts that are due and skips the ones a previous run already handled.
"""

from __future__ import annotations

import logging

from retino_core.jobs.registry import JobContext, job

logger = logging.getLogger(__name__)


@job(queue="default", timeout=300, retries=(3, (60, 300, 900)))
def deactivate_expired_trials(ctx: JobContext) -> None:
    """Deactivate active accounts whose trial ended without a confirmed plan."""
    from retino_core.accounts.actions import deactivate_expired_trials as deactivate

    for account_id in deactivate(ctx.session):
        logger.info("job %s: account %s deactivated, trial ended without a plan", ctx.outbox_id, account_id)


@job(queue="default", timeout=1800, retries=(3, (60, 300, 900)))
def purge_deactivated_accounts(ctx: JobContext) -> None:
    """Delete accounts deactivated more than 31 days ago, with their rows and stored files (50 per run)."""
    from retino_core.accounts.actions import accounts_due_for_purge, purge_account

    for account_id in accounts_due_for_purge(ctx.session):
        if purge_account(ctx.session, account_id=account_id, storage=ctx.storage):
            logger.info("job %s: account %s purged", ctx.outbox_id, account_id)
