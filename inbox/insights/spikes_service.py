"""Spike alerts on negative volume: one persisted detector per channel, fed by a periodic job.

Series: inbound messages labelled negative, per channel kind, counted per bucket
of *receipt* time (`Message.received_at`, default 5 minutes). Receipt time, not
the network's timestamp, because a closed bucket of receipt time never gains a
late message, so each bucket is counted once and final.

Method: `inbox.insights.analytics.spikes.SpikeDetector` (a Poisson tail test against the
bucket's own recent quiet baseline, with hysteresis so one spike raises one
alert). Its state is stored in `AlertState` under `negative:<channel>`.

Two schedulers may run the job at once: each series is processed under a row
lock on its `AlertState` (PostgreSQL `FOR UPDATE`; SQLite serializes writers),
and every bucket is claimed with an insert-ignore on `(series, bucket_start)`,
so a bucket is observed once, ever, and an alert is stored and announced once.

Settings (`inbox.settings`): `spike_bucket_seconds` (300), `spike_config` (a
dict of `SpikeConfig` overrides). The first run warms the detector up on the
`baseline_buckets` buckets before it, so it can alert from its first bucket on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.conversations.serialize import iso
from inbox.insights.analytics.spikes import SpikeConfig, SpikeDetector
from inbox.insights.reporting import alert_dict
from inbox.store.context import Inbox
from inbox.store.models import (
    AlertState,
    ChannelAccount,
    Conversation,
    Direction,
    Message,
    SpikeAlert,
    SpikeBucket,
)
from inbox.store.sql import insert_ignore

DEFAULT_BUCKET_SECONDS = 300
MAX_MESSAGES_IN_EVENT = 50


def spike_config(inbox: Inbox) -> SpikeConfig:
    step = int(inbox.settings.get("spike_bucket_seconds", DEFAULT_BUCKET_SECONDS))
    return replace(SpikeConfig(**inbox.settings.get("spike_config", {})), bucket_seconds=step)


def _floor(at: datetime, step: int) -> datetime:
    ts = int(at.timestamp())
    return datetime.fromtimestamp(ts - ts % step, UTC)


def lock_state(s: Session, key: str) -> AlertState:
    """The state row for `key`, created if missing and locked for the rest of the transaction."""
    s.execute(insert_ignore(s, AlertState, ["key"]).values(key=key, state={}, updated_at=datetime.now(UTC)))
    return s.scalars(select(AlertState).where(AlertState.key == key).with_for_update()).one()


def _negatives(s: Session, channel: str, start: datetime, end: datetime) -> list[tuple[int, datetime]]:
    return [
        (r.id, r.received_at)
        for r in s.execute(
            select(Message.id, Message.received_at)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Conversation.channel == channel,
                Message.direction == Direction.IN.value,
                Message.sentiment_label == "negative",
                Message.received_at >= start,
                Message.received_at < end,
            )
            .order_by(Message.received_at, Message.id)
        )
    ]


def check_channel(inbox: Inbox, channel: str, config: SpikeConfig) -> list[int]:
    """Feed the closed buckets of one channel to its detector; store and announce any alert."""
    step = int(config.bucket_seconds or DEFAULT_BUCKET_SECONDS)
    series = f"negative:{channel}"
    created: list[int] = []
    with inbox.unit_of_work() as uow:
        s = uow.session
        row = lock_state(s, series)
        state = row.state or {}
        if state.get("config") == asdict(config):
            det = SpikeDetector.from_dict(state)
        else:  # new series or new settings: start over (a changed bucket size makes old counts meaningless)
            det = SpikeDetector(config)
        closed_end = _floor(inbox.clock(), step)
        history = config.baseline_buckets + config.max_episode_buckets
        earliest = closed_end - timedelta(seconds=step * history)
        last_seen = det.to_dict()["last"]
        last = datetime.fromisoformat(last_seen) if last_seen else None
        start = (
            max(last + timedelta(seconds=step), earliest)
            if last
            else closed_end - timedelta(seconds=step * config.baseline_buckets)
        )
        if start >= closed_end:
            return created
        by_bucket: dict[datetime, list[int]] = {}
        for msg_id, received in _negatives(s, channel, start, closed_end):
            by_bucket.setdefault(_floor(received, step), []).append(msg_id)
        at = start
        while at < closed_end:
            ids = by_bucket.get(at, [])
            claim = s.execute(
                insert_ignore(s, SpikeBucket, ["series", "bucket_start"]).values(
                    series=series, bucket_start=at, count=len(ids)
                )
            )
            if claim.rowcount:
                alert = det.observe(at, len(ids))
                if alert is not None:
                    created.append(_raise(uow, channel, series, step, alert, ids))
            at += timedelta(seconds=step)
        row.state = det.to_dict()
        row.updated_at = inbox.clock()
    return created


def _raise(uow: Any, channel: str, series: str, step: int, alert: Any, ids: list[int]) -> int:
    s = uow.session
    rec = SpikeAlert(
        series=series,
        channel=channel,
        bucket_start=alert.bucket_start,
        bucket_seconds=step,
        count=alert.count,
        baseline=alert.baseline,
        p_value=alert.p_value,
        reason=alert.reason,
        message_ids=ids,
    )
    s.add(rec)
    s.flush()
    shown = s.execute(
        select(Message.id, Message.conversation_id, Message.text, Message.sentiment, Message.created_at)
        .where(Message.id.in_(ids[:MAX_MESSAGES_IN_EVENT]))
        .order_by(Message.id)
    ).all()
    payload = {
        **alert_dict(rec),
        "messages": [
            {
                "id": m.id,
                "conversation_id": m.conversation_id,
                "text": m.text[:280],
                "sentiment": m.sentiment,
                "created_at": iso(m.created_at),
            }
            for m in shown
        ],
    }
    uow.emit("alert.spike", payload, ("dashboard",))
    return rec.id


def check_spikes(inbox: Inbox) -> list[int]:
    """The periodic job: check every channel kind that has an enabled account; ids of new alerts."""
    config = spike_config(inbox)
    with inbox.read() as s:
        channels = sorted(set(s.scalars(select(ChannelAccount.kind).where(ChannelAccount.enabled.is_(True)))))
    out: list[int] = []
    for channel in channels:
        out += check_channel(inbox, channel, config)
    return out


def check_at(inbox: Inbox, channel: str, times: Iterable[datetime]) -> list[int]:
    """Run one channel's detector as the job would have at each of `times` (oldest first): the
    demo's back-dated history gets the alerts its past would have raised. Ids of new alerts."""
    config = spike_config(inbox)
    out: list[int] = []
    for at in times:
        out += check_channel(replace(inbox, clock=lambda at=at: at), channel, config)
    return out
