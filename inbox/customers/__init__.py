"""Customers: identities across channels, their whole history, merges and orders; the directory
with its pickers, and one customer's page. Imports inbox.store, inbox.insights.analytics and the leaves.
"""
