"""The store: engines, sessions and units of work, models, dialect SQL, events, errors, security.
Imports only the leaves and the standard library; every other room builds on it.
"""
