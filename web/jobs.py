"""The periodic work, once: both the embedded scheduler and Celery beat call these."""

from __future__ import annotations

import logging

from inbox import outbox, polling
from inbox.context import Inbox

log = logging.getLogger("murmur.jobs")


def poll_due(inbox: Inbox) -> int:
    """Poll every channel that is due; a channel another scheduler holds is skipped, not waited for."""
    count = 0
    for channel_id in polling.due_channels(inbox):
        try:
            polling.poll(inbox, channel_id)
            count += 1
        except Exception:  # one broken channel must not stop the others; its health says why
            log.exception("polling channel %s failed", channel_id)
    return count


def deliver_outbox(inbox: Inbox) -> int:
    return outbox.deliver_due(inbox)
