"""Celery for the scaled mode: tasks are thin, idempotent wrappers over the inbox services.

Workers build their own `Inbox` whose publisher emits through Flask-SocketIO's Redis message
queue, so an event from a worker reaches browsers connected to any web process.
"""

from __future__ import annotations

from functools import lru_cache

import redis
from celery import Celery
from celery.signals import worker_ready
from flask_socketio import SocketIO

from inbox.channels import inbound, outbox, polling, webhooks_out
from inbox.store.context import Inbox
from web import jobs
from web.config import Config
from web.realtime import SocketIOPublisher


def make_celery(config: Config) -> Celery:
    app = Celery("murmur", broker=config.redis_url, backend=None)
    app.conf.update(
        task_acks_late=True,  # a worker that dies mid-task leaves it for another
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            job.name: {"task": FANNED_OUT.get(job.name, f"murmur.job.{job.name}"), "schedule": job.seconds}
            for job in jobs.PERIODIC
        },
    )

    for job in jobs.PERIODIC:
        if job.name not in FANNED_OUT:  # these fan out one task per channel or lane instead (below)
            app.task(name=f"murmur.job.{job.name}")(_runner(job))

    @app.task(name="murmur.drain_lane")
    def drain_lane(channel_id: int, lane: int) -> dict:
        """Ingest one lane's recorded webhook messages (see inbox.channels.inbound)."""
        flags = lane_flags(config.redis_url or "")
        report = inbound.drain_lane(
            worker_inbox(), channel_id, lane, on_release=lambda: flags.delete(flag_key(channel_id, lane))
        )
        return {"stored": report.stored, "duplicates": report.duplicates, "claimed": report.claimed}

    @app.task(name="murmur.drain_due")
    def drain_due() -> int:
        """The sweep: a task per lane with waiting messages and no live holder."""
        due = inbound.due_lanes(worker_inbox())
        for channel_id, lane in due:
            drain_lane.delay(channel_id, lane)
        return len(due)

    @app.task(name="murmur.poll_due")
    def poll_due() -> int:
        for channel_id in polling.due_channels(worker_inbox()):
            poll_channel.delay(channel_id)
        return 0

    @app.task(name="murmur.poll_channel")
    def poll_channel(channel_id: int, force: bool = False) -> dict:
        report = polling.poll(worker_inbox(), channel_id, force=force)
        return {"stored": report.stored, "status": report.status}

    @app.task(name="murmur.retry_reply")
    def retry_reply(message_id: int) -> None:
        outbox.retry(worker_inbox(), message_id)

    return app


# Periodic jobs that fan out, and the task beat sends for each.
FANNED_OUT = {"poll_due": "murmur.poll_due", "drain_inbound": "murmur.drain_due"}
# How long a lane's "drain task queued" flag may outlive a holder that died without clearing it.
FLAG_SECONDS = 30


def flag_key(channel_id: int, lane: int) -> str:
    return f"murmur:lane:{channel_id}:{lane}"


@lru_cache(maxsize=4)
def lane_flags(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


class LaneDispatch:
    """The web side of scaled ingest: after `inbound.record` commits, one drain task per lane that
    got work, unless one is already queued (a Redis flag, cleared by the task's holder when it
    releases the lane and before its last look, so no recorded message is left without a task).
    A flag or task lost with a dead process costs at most the sweep's period (`drain_inbound`)."""

    def __init__(self, celery: Celery, redis_url: str) -> None:
        self.celery, self.flags = celery, lane_flags(redis_url)

    def __call__(self, channel_id: int, lanes: tuple[int, ...]) -> None:
        for lane in lanes:
            if self.flags.set(flag_key(channel_id, lane), b"1", nx=True, ex=FLAG_SECONDS):
                self.celery.send_task("murmur.drain_lane", args=[channel_id, lane])


@worker_ready.connect
def _sweep_on_start(sender=None, **_kwargs) -> None:  # type: ignore[no-untyped-def]
    """A starting worker drains what waited while none ran: now, and once a dead holder's lease
    has run out."""
    app = sender.app
    app.send_task("murmur.drain_due")
    app.send_task("murmur.drain_due", countdown=inbound.LEASE.total_seconds() + 1)


def _runner(job: jobs.Job):  # type: ignore[no-untyped-def]
    def run() -> None:
        job.run(worker_inbox())

    run.__name__ = job.name
    return run


@lru_cache(maxsize=1)
def worker_inbox() -> Inbox:
    config = Config.from_env()
    emitter = SocketIO(message_queue=config.redis_url)
    return Inbox.from_url(
        config.database_url,
        config.secret_key,
        publisher=SocketIOPublisher(emitter),
        event_hooks=[webhooks_out.queue_events],
        settings=config.inbox_settings(),
        blobs=config.blob_store(),
    )


def celery_from_env() -> Celery:
    config = Config.from_env()
    if not config.redis_url:
        raise SystemExit("MURMUR_REDIS_URL is not set: Celery workers run only in scaled mode")
    return make_celery(config)
