"""Insights for supervisors and brand managers: dashboard figures, analytics, lifecycle, spikes,
surveys, win-back and the weekly digest. Imports inbox.store and the leaves.
"""
