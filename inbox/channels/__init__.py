"""Channels: accounts and webhook receipt, polling, the reply outbox, outbound webhooks, the demo.
Imports inbox.store, inbox.ingest and the connectors leaf.
"""
