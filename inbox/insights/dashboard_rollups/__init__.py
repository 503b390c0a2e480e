"""Rollups for the dashboard's per-author and service-level figures (issue 22, migration 0012_rollups):
how the fold adds pending changes to them in SQL, and how a period is read back from them."""
