"""Insights for supervisors and brand managers: dashboard figures, analytics, lifecycle, spikes,
surveys and win-back. Imports inbox.store and the leaves.
"""
