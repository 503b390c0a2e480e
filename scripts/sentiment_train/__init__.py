"""Per-language fitting for `scripts/train_sentiment.py`, one module per language's model."""
