"""Celery for the scaled mode: tasks are thin, idempotent wrappers over the inbox services.

Workers build their own `Inbox` whose publisher emits through Flask-SocketIO's Redis message
queue, so an event from a worker reaches browsers connected to any web process.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from functools import lru_cache

import redis
from celery import Celery
from celery.signals import worker_ready
from flask_socketio import SocketIO

from inbox.channels import draining, outbox, polling, webhooks_out
from inbox.channels.tokens import share_tokens
from inbox.store import settings_cache
from inbox.store.context import Inbox
from web import jobs
from web.config import Config
from web.realtime import SocketIOPublisher
from web.widget.live import WidgetRelay


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
        """Ingest one lane's recorded webhook messages (see inbox.channels.draining)."""
        flags = lane_flags(config.redis_url or "")
        report = draining.drain_lane(
            worker_inbox(), channel_id, lane, on_release=lambda: flags.delete(flag_key(channel_id, lane))
        )
        return {"stored": report.stored, "duplicates": report.duplicates, "claimed": report.claimed}

    @app.task(name="murmur.drain_due")
    def drain_due() -> int:
        """The sweep: a task per lane with waiting messages and no live holder."""
        due = draining.due_lanes(worker_inbox())
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
# How long a lane's "drain queued" flag may outlive a holder that died without clearing it.
FLAG_SECONDS = 30
# The Redis list of lanes to drain ("<channel>:<lane>"), which every worker's drain threads pop.
WAKE_KEY = "murmur:lanes:wake"
# Set the lane's flag; only if it was not set, push the lane to the list: one round trip.
_WAKE_SCRIPT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
"""
# Woken lanes one drain may take beyond the first when more are waiting: enough to share a
# batch's fixed costs, few enough that a backlog still spreads over every worker.
MORE_LANES = 3
log = logging.getLogger("murmur.drain")


def flag_key(channel_id: int, lane: int) -> str:
    return f"murmur:lane:{channel_id}:{lane}"


@lru_cache(maxsize=4)
def lane_flags(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


class LaneDispatch:
    """The web side of scaled ingest: after `inbound.record` commits, wake a drain for each lane
    that got work, unless one is already pending (the lane's Redis flag, cleared by its holder
    inside its last batch, before the look that ends it; see `draining.drain_lane`).

    The wake-up is the lane's name pushed on a Redis list that drain threads in every worker
    block on, not a Celery task: a task cost the web process a Celery publish (a third of its
    CPU per webhook) and the worker its receipt, acknowledgement and thread hand-off, more CPU
    than ingesting the message, and a few more waits for a core on a busy machine. A wake-up
    lost with a dead process costs at most the sweep's period (`drain_inbound`, which still
    fans out Celery tasks, and a starting worker's sweep)."""

    def __init__(self, redis_url: str) -> None:
        self.flags = lane_flags(redis_url)

    def __call__(self, channel_id: int, lanes: tuple[int, ...]) -> None:
        for lane in lanes:
            wake(self.flags, flag_key(channel_id, lane), f"{channel_id}:{lane}")


_WAKE_SHA = hashlib.sha1(_WAKE_SCRIPT.encode()).hexdigest()


def wake(flags: redis.Redis, flag: str, name: str) -> None:
    """Run the wake-up script: one EVALSHA sent as a bare command (redis-py's `Script` wrapper
    around it was most of the wake-up's CPU in a 202's profile). A Redis that does not know the
    script (restarted, SCRIPT FLUSH) gets it once with EVAL, which also caches it."""
    try:
        flags.execute_command("EVALSHA", _WAKE_SHA, 2, flag, WAKE_KEY, FLAG_SECONDS, name)
    except redis.exceptions.NoScriptError:
        flags.execute_command("EVAL", _WAKE_SCRIPT, 2, flag, WAKE_KEY, FLAG_SECONDS, name)


def drain_woken(redis_url: str, stop: threading.Event, wait: float = 1.0) -> None:
    """One drain thread: pop a woken lane, and up to `MORE_LANES` more if others are waiting
    (a worker that fell behind drains them together, see `draining.drain_lanes`), drain them,
    repeat until `stop`. A failure is logged and the thread goes on: the rows stay recorded, the
    lease lapses, and a sweep or the next wake-up finds them."""
    flags = lane_flags(redis_url)
    pop = _popper(flags)
    while not stop.is_set():
        try:
            names = pop(wait)
        except redis.RedisError:
            log.exception("drain thread: Redis unavailable")
            stop.wait(wait)
            continue
        if not names:
            continue
        by_channel: dict[int, list[int]] = {}
        for name in names:
            channel_id, lane = (int(x) for x in name.split(b":"))
            by_channel.setdefault(channel_id, []).append(lane)
        for channel_id, lanes in by_channel.items():
            try:
                report = draining.drain_lanes(
                    worker_inbox(),
                    channel_id,
                    lanes,
                    on_release=lambda ln, ch=channel_id: flags.delete(flag_key(ch, ln)),
                )
                log.info(
                    "murmur.drain_lane %s/%s: stored %s, duplicates %s, claimed %s",
                    channel_id,
                    ",".join(map(str, lanes)),
                    report.stored,
                    report.duplicates,
                    report.claimed,
                )
            except Exception:
                log.exception(
                    "drain thread: drain of %s/%s failed; its rows wait for the sweep", channel_id, lanes
                )


def _popper(flags: redis.Redis) -> Callable[[float], list[bytes]]:
    """Wait for woken lanes and take up to 1 + `MORE_LANES` of them: one BLMPOP (Redis 7), one
    round trip between a wake-up and its drain; a BLPOP and an LPOP on an older Redis."""
    try:
        modern = int(str(flags.info("server").get("redis_version", "0")).split(".")[0]) >= 7
    except (redis.RedisError, ValueError):
        modern = False

    def blmpop(wait: float) -> list[bytes]:
        popped = flags.blmpop(wait, 1, WAKE_KEY, direction="LEFT", count=1 + MORE_LANES)
        return list(popped[1]) if popped else []

    def blpop(wait: float) -> list[bytes]:
        popped = flags.blpop([WAKE_KEY], timeout=wait)
        return [popped[1], *(flags.lpop(WAKE_KEY, MORE_LANES) or [])] if popped else []

    return blmpop if modern else blpop


@worker_ready.connect
def _sweep_on_start(sender=None, **_kwargs) -> None:  # type: ignore[no-untyped-def]
    """A starting worker drains what waited while none ran: now, and once a dead holder's lease
    has run out; and starts its drain threads, one per unit of concurrency."""
    app = sender.app
    app.send_task("murmur.drain_due")
    app.send_task("murmur.drain_due", countdown=draining.LEASE.total_seconds() + 1)
    threads = max(1, int(getattr(getattr(sender, "controller", None), "concurrency", 1) or 1))
    stop = threading.Event()
    for i in range(threads):
        args = (app.conf.broker_url, stop)
        threading.Thread(target=drain_woken, args=args, name=f"murmur-drain-{i}", daemon=True).start()


def _runner(job: jobs.Job):  # type: ignore[no-untyped-def]
    def run() -> None:
        job.run(worker_inbox())

    run.__name__ = job.name
    return run


@lru_cache(maxsize=1)
def worker_inbox() -> Inbox:
    config = Config.from_env()
    share_tokens(config.redis_url)  # the worker sends replies with the same access tokens
    emitter = SocketIO(message_queue=config.redis_url)
    # replies a worker makes in widget conversations reach their visitors too (web.widget.live)
    relay = WidgetRelay(SocketIOPublisher(emitter), emitter)
    inbox = Inbox.from_url(
        config.database_url,
        config.secret_key,
        publisher=relay,
        event_hooks=[webhooks_out.queue_events],
        settings=config.inbox_settings(),
        blobs=config.blob_store(),
    )
    relay.inbox = inbox
    if not config.settings_cache:
        settings_cache.switch_off(inbox.engine)
    return inbox


def celery_from_env() -> Celery:
    config = Config.from_env()
    if not config.redis_url:
        raise SystemExit("MURMUR_REDIS_URL is not set: Celery workers run only in scaled mode")
    return make_celery(config)
