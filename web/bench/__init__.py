"""`murmur bench`: figures for the hot paths, each next to a limit measured in the same run.

A figure alone says little about a machine we have not seen, so every line pairs it with a
reference taken here and now: the pipeline against raw vaderSentiment on the same texts, the
webhook-to-browser latency against a bare Socket.IO round trip, polling against the pipeline.
Benchmarks are not tests; `tests/service/test_bench_smoke.py` only checks that each function
returns positive numbers.
"""

from web.bench.common import Figure, english_texts, texts
from web.bench.latency import bare_round_trip, serve_bare, webhook_latency
from web.bench.report import machine, main, run_all, table
from web.bench.throughput import (
    language_rates,
    mastodon_poll_rate,
    pipeline_rate,
    profile_pipeline,
    rule_rate,
    sentiment_rate,
)

__all__ = [
    "Figure",
    "bare_round_trip",
    "english_texts",
    "language_rates",
    "machine",
    "main",
    "mastodon_poll_rate",
    "pipeline_rate",
    "profile_pipeline",
    "rule_rate",
    "run_all",
    "sentiment_rate",
    "serve_bare",
    "table",
    "texts",
    "webhook_latency",
]
