"""Per-language fitting for `scripts/train_sentiment.py`, one module per language whose model needs
more than the shared `_fit` (Chinese, Thai)."""
