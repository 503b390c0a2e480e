"""Per-team sentiment calibrations learnt from agents' corrections: storage, the job, rollback.

The fitting is the leaf's (`sentiment.adapt`); this room keeps the versions, decides which one
a team's new messages are scored through, and records the model on every score.
"""

from inbox.sentiment_models.service import (
    BASE,
    adapt_all,
    adapt_team,
    calibrate_batch,
    calibrations,
    rollback,
)

__all__ = ["BASE", "adapt_all", "adapt_team", "calibrate_batch", "calibrations", "rollback"]
