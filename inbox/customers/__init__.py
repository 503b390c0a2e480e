"""Customers: identities across channels, their whole history, merges and orders.
Imports inbox.store and the leaves.
"""
