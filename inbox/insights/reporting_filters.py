"""Dashboard filters and buckets, shared by `inbox.insights.reporting` and `inbox.insights.reporting_service`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from inbox.admin.agents import load_agent
from inbox.conversations.serialize import iso
from inbox.store.access import require_role
from inbox.store.errors import N_, Invalid, NotFound
from inbox.store.models import Role

BUCKETS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}
MAX_BUCKETS = 1000


@dataclass(frozen=True)
class Filters:
    """The dashboard's time range [start, end), channel kind, message language and bucket size."""

    start: datetime
    end: datetime
    channel: str | None = None
    language: str | None = None
    bucket: str = "day"

    def params(self, **extra: Any) -> dict[str, Any]:
        """Query parameters that reproduce these filters (plus `extra`) on the messages endpoint."""
        out: dict[str, Any] = {"from": iso(self.start), "to": iso(self.end)}
        if self.channel:
            out["channel"] = self.channel
        if self.language:
            out["language"] = self.language
        out.update({k: v for k, v in extra.items() if v is not None})
        return out


def make_filters(
    now: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
    channel: str | None = None,
    language: str | None = None,
    bucket: str | None = None,
) -> Filters:
    """Defaults: the last 7 days up to and including now, daily buckets (hourly for two days or less)."""
    end = end or now + timedelta(seconds=1)
    start = start or end - timedelta(days=7)
    if start >= end:
        raise Invalid(N_("from must be before to"), "from")
    if bucket is None:
        bucket = "hour" if end - start <= timedelta(days=2) else "day"
    if bucket not in BUCKETS:
        raise Invalid(N_("bucket must be hour, day or week"), "bucket")
    if (end - start) / BUCKETS[bucket] > MAX_BUCKETS:
        raise Invalid(
            N_("that range has more than %(max_buckets)s %(bucket)s buckets; pick a larger bucket"),
            "bucket",
            max_buckets=MAX_BUCKETS,
            bucket=bucket,
        )
    return Filters(start, end, channel or None, language or None, bucket)


def bucket_floor(at: datetime, bucket: str) -> datetime:
    """The start of the bucket holding `at` (UTC; weeks start on Monday 00:00)."""
    if bucket == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday()) if bucket == "week" else day


def bucket_starts(f: Filters) -> list[datetime]:
    step = BUCKETS[f.bucket]
    out, at = [], bucket_floor(f.start, f.bucket)
    while at < f.end:
        out.append(at)
        at += step
    return out


def check_supervisor(s: Session, agent_id: int) -> None:
    """Dashboards show every conversation's figures: supervisors and admins only."""
    agent = load_agent(s, agent_id)
    if agent is None:
        raise NotFound(N_("agent not found"))
    require_role(agent, Role.SUPERVISOR.value, Role.ADMIN.value)


@dataclass(frozen=True)
class Drill:
    """What narrows the messages list beyond the dashboard filters; at most one is usually given."""

    sentiment: str | None = None
    term: str | None = None
    author: int | None = None
    message: int | None = None
    conversation: int | None = None
    alert: int | None = None
    sla: str | None = None
    survey: str | None = None
    survey_group: str | None = None  # "agent:<id>", "team:<id>" or "channel:<name>"
    label: str | None = None  # conversation label (a point of the dashboard's by-label series)
    limit: int = 200
    offset: int = 0


def with_bucket(f: Filters, bucket_start: datetime) -> Filters:
    """Narrow the filters to one bucket (for links that name a bucket instead of from/to)."""
    return replace(f, start=max(f.start, bucket_start), end=min(f.end, bucket_start + BUCKETS[f.bucket]))
