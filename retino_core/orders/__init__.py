"""Orders mirrored from each sales channel, and order search."""
