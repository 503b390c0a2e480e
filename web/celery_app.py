"""Celery for the scaled mode: tasks are thin, idempotent wrappers over the inbox services.

Workers build their own `Inbox` whose publisher emits through Flask-SocketIO's Redis message
queue, so an event from a worker reaches browsers connected to any web process.
"""

from __future__ import annotations

from functools import lru_cache

from celery import Celery
from flask_socketio import SocketIO

from inbox.channels import outbox, polling, webhooks_out
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
            job.name: {
                "task": f"murmur.job.{job.name}" if job.name != "poll_due" else "murmur.poll_due",
                "schedule": job.seconds,
            }
            for job in jobs.PERIODIC
        },
    )

    for job in jobs.PERIODIC:
        if job.name != "poll_due":  # polling fans out one task per channel instead (below)
            app.task(name=f"murmur.job.{job.name}")(_runner(job))

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
