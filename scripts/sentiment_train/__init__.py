"""Per-language fitting for `scripts/train_sentiment.py` (one module per language that needs more
than the shared `_fit`)."""
