"""The ingest pipeline's old address, kept only as a re-export: the pipeline lives in
`inbox.ingest`. Modules other engineers own this session (inbox/channels/inbound.py,
inbox/channels/accounts.py, web/api/channels.py) still import it from here; new code imports
`inbox.ingest`."""

from __future__ import annotations

from inbox.ingest import AccountFacts, IngestResult, ingest, ingest_in, score_batch

__all__ = ["AccountFacts", "IngestResult", "ingest", "ingest_in", "score_batch"]
