"""Automation: stored rules and SLA policies applied to conversations, presence and re-routing.
Imports inbox.store, inbox.conversations.service and the escalation leaf.
"""
