"""Case types and their processes (steps, statuses, transitions), as per-account data."""
