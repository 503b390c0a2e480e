"""Start-up work for long-running processes (`murmur serve`, `murmur worker`, the benchmark).

The scorers' tables (jieba's dictionary, pysenti's Bayes counts, the Thai n-gram weights,
VADER's lexicon) are some hundreds of thousands of objects that live as long as the process.
Loaded lazily, they arrive mid-request and then sit in the cyclic garbage collector's oldest
generation, where every full collection walks them again: ingest measured 12-15% faster with
them frozen out of the collector's reach (`gc.freeze`, the standard-library way to do this).
"""

from __future__ import annotations

import gc

import sentiment


def warm_process() -> None:
    """Load the scorers, then move everything alive now out of the collector's generations."""
    sentiment.warm()
    gc.collect()
    gc.freeze()
