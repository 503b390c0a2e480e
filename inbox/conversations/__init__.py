"""Conversations as agents work them: reading, changing, assigning, replying, notes, ranking.
Imports inbox.store and the leaves.
"""
