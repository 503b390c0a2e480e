"""Administration: agents (accounts, invites, deactivation), teams, API tokens, canned replies, the audit log.
Imports inbox.store, the escalation leaf's routing names, and inbox.automation.presence (deactivating re-routes).
"""
