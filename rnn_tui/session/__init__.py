"""Explorer state without a UI: what has been read, what the model predicted (no textual)."""
