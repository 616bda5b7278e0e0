"""The nightly certificate job: one snapshot per active account with ratings, per UTC day."""

from __future__ import annotations

import logging

from retino_core.jobs.registry import JobContext, job

logger = logging.getLogger(__name__)


@job(queue="default", timeout=1800, retries=(3, (60, 300, 900)))
def compute_certificates(ctx: JobContext) -> None:
    """Compute today's certificate of every account that has something to judge.

    Idempotent per day: a second run the same day rewrites each account's row of that day with
    the same verdict (see ``actions.compute_certificate``).
    """
    from retino_core.accounts.models import Account
    from retino_core.ratings.actions import accounts_to_certify, compute_certificate

    for account_id in accounts_to_certify(ctx.session):
        account = ctx.session.get(Account, account_id)
        if account is None:
            continue
        snapshot = compute_certificate(ctx.session, account=account)
        logger.info(
            "job %s: account %s certificate %s (%s of %s satisfied)",
            ctx.outbox_id,
            account_id,
            snapshot.state.value,
            snapshot.satisfied_count,
            snapshot.ratings_count,
        )
