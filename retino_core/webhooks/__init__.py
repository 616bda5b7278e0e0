"""Inbound platform webhooks: each verified delivery stored once per (channel, dedupe key), then processed by a job.

The core keeps the deliveries and their de-duplication; which job processes a platform's
deliveries (and how its body is mapped) is decided by the adapter side, which passes the job to
:func:`~retino_core.webhooks.actions.accept_delivery`.
"""
