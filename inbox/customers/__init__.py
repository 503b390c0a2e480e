"""Customers: identities across channels, their whole history, merges and orders; the directory
with its pickers, one customer's page, and the language Murmur writes to them in. Imports inbox.store,
inbox.insights.analytics and the leaves.
"""
