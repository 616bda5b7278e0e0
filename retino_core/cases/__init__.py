"""Cases (returns, complaints, withdrawals, ...), their items, notes, tags, attachments and history."""
