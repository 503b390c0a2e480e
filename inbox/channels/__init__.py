"""Channels: accounts and webhook receipt, polling, the reply outbox, outbound webhooks, the demo.
Imports inbox.store, inbox.pipeline and the connectors leaf.
"""
