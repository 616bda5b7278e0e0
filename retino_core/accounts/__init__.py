"""Merchant accounts (tenants), users, roles and sales channels."""

# The periodic-job table (retino_core.jobs.periodic) lists this package's tasks, and the tasks use
# the @job decorator from retino_core.jobs: loading the jobs package first, whichever module is
# imported first, keeps the two from meeting each other half-initialised.
import retino_core.jobs  # noqa: F401
