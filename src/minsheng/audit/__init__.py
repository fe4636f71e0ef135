"""The audit trail: append-only, hash-chained record of every change to every record."""
