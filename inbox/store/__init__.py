"""The store: engines, sessions and units of work, models, dialect SQL, events, errors, security,
and the settings every batch keeps between transactions (settings_cache).
Imports only the leaves and the standard library; every other room builds on it.
"""
