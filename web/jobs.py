"""The periodic work, declared once: the embedded scheduler and Celery beat both run `PERIODIC`.

Each job takes the `Inbox` and must be safe to run concurrently in several processes
(claim with a lease or a unique key, as polling, the outbox and SLA events do).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from inbox import sentiment_models
from inbox.attachments import retention
from inbox.attachments import service as attachments
from inbox.automation import presence, sla_service
from inbox.channels import demo_trim, draining, outbox, polling, webhooks_out, widget_followup
from inbox.conversations import service as conversations
from inbox.insights import lifecycle_service, rollups, spikes_service, surveys_service
from inbox.insights.digest import service as digests
from inbox.listening import alerts as listening_alerts
from inbox.listening import polling as listening_polling
from inbox.search import merge as search_merge
from inbox.store.context import Inbox

log = logging.getLogger("murmur.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Inbox], object]
    seconds: float


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


def drain_inbound(inbox: Inbox) -> int:
    """Ingest recorded webhook messages whose lane has no live holder (a worker died, a task was
    lost). Celery beat fans this out as one task per lane; the embedded scheduler drains here."""
    count = 0
    for channel_id, lane in draining.due_lanes(inbox):
        count += draining.drain_lane(inbox, channel_id, lane).stored
    return count


def deliver_outbox(inbox: Inbox) -> int:
    return outbox.deliver_due(inbox)


PERIODIC: list[Job] = [
    Job("poll_due", poll_due, 2.0),
    Job("drain_inbound", drain_inbound, 5.0),
    Job("deliver_outbox", deliver_outbox, 2.0),
    Job("fetch_attachments", attachments.fetch_due, 5.0),
    Job("sweep_blobs", retention.run, 3600.0),
    Job("sla_tick", sla_service.sla_tick, 15.0),
    Job("deliver_webhooks", webhooks_out.deliver_due, 5.0),
    Job("presence_sweep", presence.sweep, 10.0),
    Job("check_spikes", spikes_service.check_spikes, 30.0),
    # listening streams: their searches (each source keeps its own 5-minute schedule) and alert rules
    Job("poll_listening", listening_polling.poll_due, 10.0),
    Job("check_stream_alerts", listening_alerts.check_streams, 30.0),
    Job("fold_rollups", rollups.fold, 5.0),
    # SQLite: the FTS5 merge work a big import left owed, in short steps (inbox.search.merge)
    Job("merge_fts", search_merge.merge_indexes, 60.0),
    # per-team sentiment calibrations from agents' corrections (inbox.sentiment_models)
    Job("adapt_sentiment", sentiment_models.adapt_all, 3600.0),
    Job("refresh_customers", lifecycle_service.refresh_customers, 300.0),
    Job("send_surveys", surveys_service.send_surveys, 60.0),
    Job("wake_snoozed", conversations.wake_snoozed, 30.0),
    # replies to website visitors who left, by e-mail (when SMTP is configured)
    Job("widget_followups", widget_followup.follow_up, 30.0),
    # hourly look for managers without last week's digest; the ledger sends each week once
    Job("send_digests", digests.send_weekly_digests, 3600.0),
    # the looping demo feed keeps only its newest passes (inbox.channels.demo_trim)
    Job("trim_demo", demo_trim.trim, 300.0),
]
