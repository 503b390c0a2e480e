"""The per-author and service-level rollups (migration 0012_rollups) equal a recount from the
messages and conversations after any sequence of ingests, sentiment corrections, label changes,
first responses, resolutions, deletions and folds, on both databases; and a period read with
changes still pending (top authors, service figures) counts what the raw rows give."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from inbox.insights import rollups
from inbox.insights.dashboard_rollups import authors, durations, service
from inbox.insights.reporting_filters import Filters
from inbox.store.models import Conversation, Identity, Message, RollupAuthor, RollupService
from inbox.store.models.rollups import DAY, MONTH, OUTCOME_SLOTS
from tests.conftest import empty_tables
from tests.service.test_rollups import T0, _channels, _run, correct_op, fold_op, ingest_op, label_op, ranges

respond_op = st.tuples(
    st.just("respond"),
    st.integers(0, 10),
    st.integers(-5, 600),  # minutes after creation (a negative one: clock skew)
    st.one_of(st.none(), st.integers(1, 300), st.just("on time")),  # due, or no SLA, or due exactly then
    st.booleans(),  # resolution (else first response)
)
delete_op = st.tuples(st.just("delete"), st.integers(0, 50), st.booleans())  # a message / a conversation
programs = st.lists(
    st.one_of(ingest_op, ingest_op, correct_op, label_op, fold_op, respond_op, delete_op),
    min_size=1,
    max_size=14,
)


def _edit(inbox: Any, op: tuple) -> None:
    with inbox.unit_of_work() as uow:
        s = uow.session
        if op[0] == "respond":
            _, k, minutes, due, resolution = op
            convs = sorted(s.scalars(select(Conversation.id)))
            if not convs:
                return
            conv = s.get(Conversation, convs[k % len(convs)])
            done = conv.created_at + timedelta(minutes=minutes)
            deadline = (
                None
                if due is None
                else done
                if due == "on time"
                else conv.created_at + timedelta(minutes=due)
            )
            values = (
                {"resolved_at": done, "resolution_due_at": deadline}
                if resolution
                else {"first_response_at": done, "first_response_due_at": deadline}
            )
            s.execute(update(Conversation).where(Conversation.id == conv.id).values(**values))
        else:
            _, k, whole = op
            ids = sorted(s.scalars(select(Message.id).where(Message.direction == "in")))
            if not ids:
                return
            victim = s.get(Message, ids[k % len(ids)])
            if whole:  # a conversation goes with its messages and labels
                conv = victim.conversation_id
                for table in ("messages", "conversation_labels"):
                    s.execute(text(f"DELETE FROM {table} WHERE conversation_id = :c"), {"c": conv})
                s.execute(text("DELETE FROM conversations WHERE id = :c"), {"c": conv})
            else:
                s.execute(text("DELETE FROM messages WHERE id = :m"), {"m": victim.id})


def _messages(inbox: Any) -> list[Any]:
    with inbox.read() as s:
        return s.execute(
            select(
                Message.created_at,
                Message.author_identity_id,
                Message.sentiment_label,
                Message.language,
                Conversation.channel,
            )
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.direction == "in")
        ).all()


def _conversations(inbox: Any) -> list[Any]:
    with inbox.read() as s:
        return list(s.scalars(select(Conversation)))


def _service_keys(c: Any) -> list[tuple[str, int, float]]:
    """(kind, slot, seconds) rows one conversation counts: its outcomes and answered times."""
    out = []
    for kind, done_col, due_col in service.KINDS:
        done, due = getattr(c, done_col), getattr(c, due_col)
        outcome = -4 if due is None else -3 if done is None else -1 if done <= due else -2
        out.append((kind, outcome, 0.0))
        if done is not None:
            seconds = (done - c.created_at).total_seconds()
            out.append((kind, durations.slot(seconds), seconds))
    return out


def recount(inbox: Any) -> tuple[Counter, dict]:
    author_rows: Counter = Counter()
    for m in _messages(inbox):
        if m.author_identity_id is None:
            continue
        day = m.created_at.replace(hour=0, minute=0, second=0, microsecond=0)
        neg = m.sentiment_label == "negative"
        for grain, start in ((DAY, day), (MONTH, day.replace(day=1))):
            for lang in (m.language or "", authors.ANY_LANGUAGE):
                author_rows[(grain, start, m.author_identity_id, m.channel, lang, "n")] += 1
                author_rows[(grain, start, m.author_identity_id, m.channel, lang, "neg")] += neg
    service_rows: dict[tuple, list] = {}
    for c in _conversations(inbox):
        day = c.created_at.replace(hour=0, minute=0, second=0, microsecond=0)
        for grain, start in ((DAY, day), (MONTH, day.replace(day=1))):
            for kind, slot, seconds in _service_keys(c):
                acc = service_rows.setdefault(
                    (grain, start, c.channel, c.language or "", kind, slot), [0, 0.0]
                )
                acc[0] += 1
                acc[1] += seconds
    return +author_rows, service_rows


def stored(inbox: Any) -> tuple[Counter, dict]:
    with inbox.read() as s:
        author_rows: Counter = Counter()
        for r in s.scalars(select(RollupAuthor)):
            key = (r.grain, r.bucket_start, r.author_identity_id, r.channel, r.language)
            author_rows[(*key, "n")] += r.messages
            author_rows[(*key, "neg")] += r.negative
        service_rows = {
            (r.grain, r.bucket_start, r.channel, r.language, r.kind, r.slot): [r.conversations, r.seconds]
            for r in s.scalars(select(RollupService))
            if r.conversations or abs(r.seconds) > 1e-6
        }
    return +author_rows, service_rows


def same_service(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for key, (n, seconds) in want.items():
        assert got[key][0] == n, key
        # SQLite takes times apart through julianday(), which keeps milliseconds: up to 2 ms
        # off per conversation
        assert math.isclose(got[key][1], seconds, rel_tol=1e-9, abs_tol=1e-3 + 2e-3 * abs(n)), key


def _check_reads(inbox: Any, lo: datetime, hi: datetime) -> None:
    """Top authors and the service figures of [lo, hi), read with whatever is pending."""
    with inbox.read() as s:
        followers = dict(s.execute(select(Identity.id, Identity.followers)).all())
    counts: Counter = Counter()
    negative: Counter = Counter()
    for m in _messages(inbox):
        if m.author_identity_id is not None and lo <= m.created_at < hi:
            counts[m.author_identity_id] += 1
            negative[m.author_identity_id] += m.sentiment_label == "negative"
    by_messages = sorted(counts, key=lambda a: (-counts[a], -followers[a], a))[: authors.TOP]
    by_reach = sorted(counts, key=lambda a: (-followers[a], -counts[a], a))[: authors.TOP]
    hist: dict[str, Counter] = {kind: Counter() for kind, _, _ in service.KINDS}
    secs: Counter = Counter()
    for c in _conversations(inbox):
        if lo <= c.created_at < hi:
            for kind, slot, seconds in _service_keys(c):
                hist[kind][slot] += 1
                secs[kind] += seconds
    with inbox.read() as s:
        rollups.snapshot(s)
        got_messages, got_reach = authors.top_authors(s, Filters(lo, hi))
        got_service = service.counted(s, Filters(lo, hi))
    assert [(a["identity_id"], a["messages"], a["negative"]) for a in got_messages] == [
        (a, counts[a], negative[a]) for a in by_messages
    ]
    assert [a["identity_id"] for a in got_reach] == by_reach
    for kind, k in got_service.items():
        assert +k.histogram == +Counter({x: n for x, n in hist[kind].items() if x >= 0}), kind
        assert +k.outcomes == +Counter({x: n for x, n in hist[kind].items() if x in OUTCOME_SLOTS}), kind
        assert math.isclose(k.seconds, secs[kind], rel_tol=1e-9, abs_tol=1e-3 + 2e-3 * k.answered), kind


@pytest.mark.timeout(900)
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(program=programs, window=ranges)
def test_author_and_service_rollups_equal_a_recount(database_url, inbox, world, program, window):
    empty_tables(database_url)
    sup = world.agent("supervisor", teams=())
    channels = _channels(inbox)
    serial = [0]
    for op in program:
        if op[0] in ("respond", "delete"):
            _edit(inbox, op)
        else:
            _run(inbox, sup["id"], channels, [op], serial)

    lo = T0 + timedelta(minutes=window[0])
    _check_reads(inbox, lo, lo + timedelta(minutes=window[1]))

    rollups.fold(inbox)
    with inbox.read() as s:
        assert s.scalar(text("SELECT count(*) FROM rollup_service_pending")) == 0
    want_authors, want_service = recount(inbox)
    got_authors, got_service = stored(inbox)
    assert got_authors == want_authors
    same_service(got_service, want_service)
    _check_reads(inbox, lo, lo + timedelta(minutes=window[1]))
