"""Listening: saved queries run against networks' search, the mentions they find, promotion.

May import inbox.store, inbox.ingest, inbox.channels and the leaves (connectors.search).
"""
