"""The embedded mode's scheduler: APScheduler threads running the same jobs as Celery beat."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from inbox.store.context import Inbox
from inbox.store.db import is_lock_timeout
from web.jobs import PERIODIC, Job

log = logging.getLogger("murmur.scheduler")


def _guarded(job: Job, inbox: Inbox) -> None:
    try:
        job.run(inbox)
    except Exception as exc:  # keep the scheduler alive; the next tick tries again
        if is_lock_timeout(exc):  # a long write ahead of it: nothing was done, nothing is lost
            log.warning("job %s found the database busy past the timeout; the next tick retries", job.name)
        else:
            log.exception("job %s failed", job.name)


def start(inbox: Inbox) -> BackgroundScheduler:
    sched = BackgroundScheduler(daemon=True, job_defaults={"coalesce": True, "max_instances": 1})
    for job in PERIODIC:
        sched.add_job(_guarded, "interval", seconds=job.seconds, args=[job, inbox], id=job.name)
    sched.start()
    return sched
