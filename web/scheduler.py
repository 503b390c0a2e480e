"""The embedded mode's scheduler: APScheduler threads calling the same jobs Celery beat runs."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler

from inbox.context import Inbox
from web import jobs


def start(inbox: Inbox, poll_seconds: float = 2.0, outbox_seconds: float = 2.0) -> BackgroundScheduler:
    sched = BackgroundScheduler(daemon=True, job_defaults={"coalesce": True, "max_instances": 1})
    sched.add_job(jobs.poll_due, "interval", seconds=poll_seconds, args=[inbox], id="poll_due")
    sched.add_job(jobs.deliver_outbox, "interval", seconds=outbox_seconds, args=[inbox], id="deliver_outbox")
    sched.start()
    return sched
