"""Administration: agents, teams, API tokens and presence records.
Imports inbox.store.
"""
