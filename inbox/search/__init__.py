"""Search: full-text search over messages and customers, and keeping its indexes exact.
Imports inbox.store.
"""
