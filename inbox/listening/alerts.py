"""Alert rules per stream: volume, negative volume, a keyword (Poisson spikes), negative share.

Each rule is a series of closed buckets of mention *receipt* time (final once closed), fed to
the same `SpikeDetector` the channels use, under the same row lock and bucket claim, so one
episode raises one alert however many schedulers run the job. Negative share is a threshold
with an episode flag: it alerts when at least `MIN_SHARE_COUNT` mentions arrived in a bucket
and the negative share reached the stream's threshold, and not again until a bucket falls
below it. An alert is stored as a SpikeAlert (series "stream:<id>:<kind>", channel
"listening") whose `reason` is its readable sentence, announced live as `alert.spike` (so
outbound webhook subscriptions hear it too) and mailed to supervisors when SMTP is configured.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from inbox.insights import alert_sentence
from inbox.insights.analytics.spikes import SpikeConfig, SpikeDetector
from inbox.insights.reporting import alert_dict
from inbox.insights.spikes_service import lock_state, spike_config
from inbox.listening.alert_mail import mail_alerts
from inbox.listening.mentions import feed_link, rooms
from inbox.store.context import Inbox
from inbox.store.models import ListeningStream, Mention, MentionStream, SpikeAlert, SpikeBucket
from inbox.store.sql import insert_ignore

MIN_SHARE_COUNT = 5
MAX_IDS = 200


def _floor(at: datetime, step: int) -> datetime:
    ts = int(at.timestamp())
    return datetime.fromtimestamp(ts - ts % step, UTC)


def _rows(s: Any, stream_id: int, start: datetime, end: datetime) -> list[tuple[int, datetime, str, str]]:
    return list(
        s.execute(
            select(Mention.id, Mention.received_at, Mention.sentiment_label, Mention.text)
            .join(MentionStream, MentionStream.mention_id == Mention.id)
            .where(
                MentionStream.stream_id == stream_id, Mention.received_at >= start, Mention.received_at < end
            )
            .order_by(Mention.received_at, Mention.id)
        ).all()
    )


def _kinds(st: ListeningStream) -> dict[str, Any]:
    rules = st.alerts or {}
    kinds: dict[str, Any] = {"negative": True}
    if rules.get("volume", True):
        kinds["volume"] = True
    if rules.get("keyword"):
        kinds["keyword"] = str(rules["keyword"]).casefold()
    if rules.get("negative_share"):
        kinds["negative_share"] = float(rules["negative_share"])
    return kinds


def _wanted(kind: str, arg: Any, label: str, text: str) -> bool:
    if kind == "negative":
        return label == "negative"
    if kind == "keyword":
        return arg in text.casefold()
    return True


def check_stream(inbox: Inbox, stream_id: int, config: SpikeConfig | None = None) -> list[int]:
    """Feed one stream's closed buckets to each of its alert rules; ids of the alerts raised."""
    config = config or spike_config(inbox)
    step = int(config.bucket_seconds or 300)
    created: list[int] = []
    mails: list[dict[str, Any]] = []
    with inbox.unit_of_work() as uow:
        s = uow.session
        st = s.get(ListeningStream, stream_id)
        if st is None or not st.enabled:
            return created
        closed_end = _floor(inbox.clock(), step)
        for kind, arg in _kinds(st).items():
            series = f"stream:{stream_id}:{kind}"
            row = lock_state(s, series)
            state = row.state or {}
            fingerprint = {**asdict(config), "arg": arg}
            fresh = state.get("config") != fingerprint
            det = (
                SpikeDetector(config)
                if fresh or "detector" not in state
                else SpikeDetector.from_dict(state["detector"])
            )
            last = datetime.fromisoformat(state["last"]) if state.get("last") and not fresh else None
            earliest = closed_end - timedelta(
                seconds=step * (config.baseline_buckets + config.max_episode_buckets)
            )
            start = (
                max(last + timedelta(seconds=step), earliest)
                if last
                else closed_end - timedelta(seconds=step * config.baseline_buckets)
            )
            on = bool(state.get("share_on")) and not fresh
            buckets: dict[datetime, list[tuple[int, str, str]]] = {}
            for mid, received, label, text in (
                _rows(s, stream_id, start, closed_end) if start < closed_end else []
            ):
                buckets.setdefault(_floor(received, step), []).append((mid, label, text))
            at = start
            while at < closed_end:
                items = buckets.get(at, [])
                ids = [mid for mid, label, text in items if _wanted(kind, arg, label, text)]
                claim = s.execute(
                    insert_ignore(s, SpikeBucket, ["series", "bucket_start"])
                    .values(series=series, bucket_start=at, count=len(ids))
                    .returning(SpikeBucket.id)
                ).first()
                if claim is not None:  # observed once, ever, whoever runs the job
                    said = None
                    if kind == "negative_share":
                        negative = [mid for mid, label, _ in items if label == "negative"]
                        share = len(negative) / len(items) if items else 0.0
                        hit = len(items) >= MIN_SHARE_COUNT and share >= arg
                        if hit and not on:
                            said = alert_sentence.sentence(
                                "negative_share",
                                st.name,
                                len(negative),
                                step,
                                0.0,
                                total=len(items),
                                share=round(share * 100),
                            )
                            created.append(
                                _store(uow, st, series, at, step, len(negative), share, said, negative)
                            )
                        on = hit
                    else:
                        alert = det.observe(at, len(ids))
                        if alert is not None:
                            extra = {"keyword": arg} if kind == "keyword" else {}
                            said = alert_sentence.sentence(
                                kind, st.name, alert.count, step, alert.baseline, **extra
                            )
                            created.append(
                                _store(uow, st, series, at, step, alert.count, alert.baseline, said, ids)
                            )
                    if said is not None:
                        mails.append({"stream": st.name, "team_id": st.team_id, **said})
                at += timedelta(seconds=step)
            row.state = {
                "config": fingerprint,
                "detector": det.to_dict(),
                "last": (closed_end - timedelta(seconds=step)).isoformat(),
                "share_on": on,
            }
            row.updated_at = inbox.clock()
    if mails:
        mail_alerts(inbox, mails)
    return created


def _store(
    uow: Any,
    st: ListeningStream,
    series: str,
    at: datetime,
    step: int,
    count: int,
    baseline: float,
    said: dict,
    ids: list[int],
) -> int:
    s = uow.session
    rec = SpikeAlert(
        series=series,
        channel="listening",
        bucket_start=at,
        bucket_seconds=step,
        count=count,
        baseline=baseline,
        p_value=0.0,
        reason=said["sentence"],
        message_ids=[],
    )
    s.add(rec)
    s.flush()
    payload = {
        **alert_dict(rec),
        "stream_id": st.id,
        "stream": st.name,
        "template": said["template"],
        "args": said["args"],
        "mention_ids": ids[:MAX_IDS],
        "link": feed_link(st.id, at, at + timedelta(seconds=step)),
    }
    uow.emit("alert.spike", payload, ("dashboard", *rooms(st.team_id)))
    return rec.id


def check_streams(inbox: Inbox) -> list[int]:
    """The periodic job: every enabled stream's alert rules."""
    config = spike_config(inbox)
    with inbox.read() as s:
        ids = list(s.scalars(select(ListeningStream.id).where(ListeningStream.enabled.is_(True))))
    out: list[int] = []
    for stream_id in ids:
        out += check_stream(inbox, stream_id, config)
    return out
