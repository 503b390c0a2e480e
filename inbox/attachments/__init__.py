"""Attachments: the blob store (folder or S3, by content hash), limits and safe serving, media fetching.
Imports inbox.store, inbox.admin, inbox.channels and the connectors leaf; the pipeline calls `service.stage`/`record`.
"""
