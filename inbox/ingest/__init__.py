"""The one path of a message: ingest -> score -> rank -> escalate -> route -> store -> emit.

`ingest` is called by the webhook view, the embedded poller, the Celery worker and the tests
alike; `ingest_in` is its work inside a caller's unit of work (the scaled drain). The package
splits what was one 700-line module by idea: `pipeline` decides a batch, `conversations` holds
the working copies and writes them, `reads` the batch's few statements, `scores` the
sentiment step, `announce` the events published after commit.
"""

from __future__ import annotations

from inbox.ingest.pipeline import AccountFacts, IngestResult, ingest, ingest_in
from inbox.ingest.scores import score_batch

__all__ = ["AccountFacts", "IngestResult", "ingest", "ingest_in", "score_batch"]
