"""Fitting of the shipped sentiment models, one module per language that outgrew `train_sentiment.py`
(English, Chinese, Thai)."""
