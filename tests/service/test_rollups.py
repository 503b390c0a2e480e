"""Dashboard rollups: they equal a recount from the messages after any sequence of ingests,
sentiment corrections, label changes and folds (both databases), reads with changes still
pending agree too, and a year-long dashboard reads rollups, not the messages of its range."""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from connectors.types import Author, InboundMessage
from inbox.conversations.corrections import correct_sentiment
from inbox.conversations.service import update_conversation
from inbox.ingest import ingest
from inbox.insights import reporting, rollup_fold, rollups
from inbox.insights.reporting_filters import Filters
from inbox.store.models import ChannelAccount, ConversationLabel, Message, RollupMessage, RollupTerm
from inbox.store.models.rollups import ALL, DAY, HOUR, MONTH
from tests.conftest import empty_tables
from tests.service.conftest import load_migration, selects_run_by

T0 = datetime(2025, 1, 30, 21, 30, tzinfo=UTC)  # the history crosses into February
SPAN = 3 * 24 * 60  # minutes of history the examples write into
TEXTS = [
    "Refund is late again, terrible",
    "love the new app, great work",
    "退款很慢，太差了",
    "ขอบคุณมากครับ ดีมาก",
    "#sale refund please",
    "crash crash on login",
    "ok",
]
CHANNELS = ("webhook", "mastodon")
LABELS = ("vip", "billing")

ingest_op = st.tuples(
    st.just("ingest"),
    st.sampled_from(CHANNELS),
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, len(TEXTS) - 1), st.integers(0, SPAN)),
        min_size=1,
        max_size=6,
    ),
)
correct_op = st.tuples(
    st.just("correct"), st.integers(0, 50), st.sampled_from(("negative", "neutral", "positive"))
)
label_op = st.tuples(st.just("label"), st.integers(0, 10), st.sampled_from(LABELS), st.booleans())
fold_op = st.tuples(st.just("fold"))
programs = st.lists(st.one_of(ingest_op, ingest_op, correct_op, label_op, fold_op), min_size=1, max_size=12)
# read windows from an hour to 80 days, so whole hours, days and months (January) are read too
ranges = st.tuples(st.integers(-50 * 24 * 60, SPAN + 60), st.integers(1, 80 * 24 * 60))


def _channels(inbox: Any) -> dict[str, int]:
    with inbox.unit_of_work() as uow:
        accounts = {kind: ChannelAccount(kind=kind, name=kind) for kind in CHANNELS}
        uow.session.add_all(accounts.values())
        uow.session.flush()
        return {kind: a.id for kind, a in accounts.items()}


def _run(
    inbox: Any,
    agent_id: int,
    channels: dict[str, int],
    program: list[tuple],
    serial: list[int],
    base: datetime = T0,
) -> None:
    for op in program:
        if op[0] == "ingest":
            _, kind, items = op
            batch = []
            for thread, text_idx, minute in items:
                serial[0] += 1
                batch.append(
                    InboundMessage(
                        channel=kind,
                        external_id=f"m{serial[0]}",
                        thread_key=f"{kind}-t{thread}",
                        author=Author(
                            external_id=f"a{thread}", handle=f"a{thread}", followers=(thread % 3) * 100
                        ),
                        text=TEXTS[text_idx],
                        created_at=base + timedelta(minutes=minute),
                    )
                )
            ingest(inbox, channels[kind], batch)
        elif op[0] == "correct":
            ids = _ids(inbox, Message.id, Message.direction == "in")
            if ids:
                correct_sentiment(inbox, agent_id, ids[op[1] % len(ids)], op[2])
        elif op[0] == "label":
            convs = _ids(inbox, Message.conversation_id, Message.direction == "in")
            if convs:
                conv = convs[op[1] % len(convs)]
                with inbox.read() as s:
                    have = set(
                        s.scalars(
                            select(ConversationLabel.label).where(ConversationLabel.conversation_id == conv)
                        )
                    )
                want = have | {op[2]} if op[3] else have - {op[2]}
                update_conversation(inbox, agent_id, conv, {"labels": sorted(want)})
        else:
            rollups.fold(inbox)


def _ids(inbox: Any, column: Any, *where: Any) -> list[int]:
    with inbox.read() as s:
        return sorted(set(s.scalars(select(column).where(*where))))


def _messages(inbox: Any) -> list[Any]:
    with inbox.read() as s:
        return s.execute(
            text(
                "SELECT m.id, m.created_at, m.language, m.sentiment, m.sentiment_label, m.text, c.channel, "
                "m.conversation_id FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                "WHERE m.direction = 'in'"
            ).columns(created_at=Message.created_at.type)
        ).all()


def _recount(inbox: Any) -> tuple[dict[tuple, list], Counter]:
    """What the rollups must hold, counted afresh from the messages and labels."""
    with inbox.read() as s:
        labels: dict[int, set[str]] = {}
        for conv, label in s.execute(select(ConversationLabel.conversation_id, ConversationLabel.label)):
            labels.setdefault(conv, set()).add(label)
    volume: dict[tuple, list] = {}
    terms: Counter = Counter()
    for m in _messages(inbox):
        hour = m.created_at.replace(minute=0, second=0, microsecond=0)
        day = hour.replace(hour=0)
        sentiment = m.sentiment_label if m.sentiment_label in ("positive", "negative") else "neutral"
        lang = m.language or ""
        keys = [(HOUR, ALL, hour), (DAY, ALL, day)] + [
            (DAY, x, day) for x in labels.get(m.conversation_id, ())
        ]
        for grain, label, start in keys:
            acc = volume.setdefault((grain, label, start, m.channel, lang, sentiment), [0, 0, 0.0])
            acc[0] += 1
            acc[1] += m.sentiment is not None
            acc[2] += m.sentiment or 0.0
        for term in rollup_fold.terms_of(m.text):
            terms[(DAY, day, m.channel, lang, term)] += 1
            terms[(MONTH, day.replace(day=1), m.channel, lang, term)] += 1
    return volume, terms


def _stored(inbox: Any) -> tuple[dict[tuple, list], Counter]:
    with inbox.read() as s:
        volume = {
            (r.grain, r.conv_label, r.bucket_start, r.channel, r.language, r.sentiment): [
                r.messages,
                r.scored,
                r.sentiment_sum,
            ]
            for r in s.scalars(select(RollupMessage))
            if r.messages or r.scored or abs(r.sentiment_sum) > 1e-9
        }
        terms = Counter(
            {
                (r.grain, r.bucket_start, r.channel, r.language, r.term): r.texts
                for r in s.scalars(select(RollupTerm))
            }
        )
    return volume, +terms


def _same_volume(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for key, (n, scored, total) in want.items():
        assert got[key][:2] == [n, scored], key
        assert math.isclose(got[key][2], total, abs_tol=1e-9), key


@pytest.mark.timeout(900)  # 20 examples, each a fresh database: minutes on a loaded machine
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(program=programs, window=ranges)
def test_rollups_equal_a_recount_after_any_sequence(database_url, inbox, world, program, window):
    empty_tables(database_url)
    sup = world.agent("supervisor", teams=())
    channels = _channels(inbox)
    _run(inbox, sup["id"], channels, program, [0])

    # Before folding: whatever is still pending, a read of any range counts what a recount does.
    lo = T0 + timedelta(minutes=window[0])
    hi = lo + timedelta(minutes=window[1])
    inside = [m for m in _messages(inbox) if lo <= m.created_at < hi]
    with inbox.read() as s:
        rollups.snapshot(s)
        got = rollups.tally(s, Filters(lo, hi), lo, hi)
        assert got.total == len(inside)
        assert (
            got.labels
            == Counter(
                m.sentiment_label if m.sentiment_label in ("positive", "negative") else "neutral"
                for m in inside
            )
            - Counter()
        )
        assert math.isclose(got.compound, sum(m.sentiment or 0.0 for m in inside), abs_tol=1e-9)
        want_terms: Counter = Counter()
        for m in inside:
            want_terms.update(rollup_fold.terms_of(m.text))
        assert rollups.term_counts(s, Filters(lo, hi), lo, hi) == want_terms
        only_webhook = Filters(lo, hi, channel="webhook")
        assert rollups.tally(s, only_webhook, lo, hi).total == sum(m.channel == "webhook" for m in inside)

    # After folding, nothing is pending and the tables hold exactly the recount.
    rollups.fold(inbox)
    with inbox.read() as s:
        assert s.scalar(text("SELECT count(*) FROM rollup_pending")) == 0
    want_volume, want_terms = _recount(inbox)
    got_volume, got_terms = _stored(inbox)
    _same_volume(got_volume, want_volume)
    assert got_terms == want_terms


def test_migration_backfills_what_triggers_would_have_counted(database_url, inbox, world):
    """Folding the backfill of existing messages gives the rollups the triggers and job give."""
    sup = world.agent("supervisor", teams=())
    channels = _channels(inbox)
    program = [("ingest", "webhook", [(0, 0, 10), (1, 2, 900), (0, 4, 2000)]), ("label", 0, "vip", True)]
    _run(inbox, sup["id"], channels, program, [0])
    rollups.fold(inbox)
    kept = _stored(inbox)
    with inbox.unit_of_work() as uow:  # what migration 0009 does on a database with history
        conn = uow.session.connection()
        conn.execute(text("DELETE FROM rollup_messages"))
        conn.execute(text("DELETE FROM rollup_terms"))
        migration = _migration_module()
        dialect = conn.dialect.name
        scored = migration._PG_SCORED if dialect == "postgresql" else migration._SQLITE_SCORED
        text_type = "varchar" if dialect == "postgresql" else "TEXT"
        conn.execute(
            text(
                f"INSERT INTO rollup_pending ({migration._COLUMNS}) SELECT m.id, CAST('' AS {text_type}), 1, "
                f"{migration._facts('m', scored)} FROM messages m JOIN conversations c "
                "ON c.id = m.conversation_id WHERE m.direction = 'in'"
            )
        )
        conn.execute(
            text(
                f"INSERT INTO rollup_pending ({migration._COLUMNS}) SELECT m.id, l.label, 1, "
                f"{migration._facts('m', scored)} FROM conversation_labels l JOIN conversations c "
                "ON c.id = l.conversation_id JOIN messages m ON m.conversation_id = l.conversation_id "
                "WHERE m.direction = 'in'"
            )
        )
        rollups.fold_all(conn)
    backfilled = _stored(inbox)
    _same_volume(backfilled[0], kept[0])
    assert backfilled[1] == kept[1]
    want_volume, want_terms = _recount(inbox)
    _same_volume(kept[0], want_volume)
    assert kept[1] == want_terms


def _migration_module() -> Any:
    return load_migration("0009_rollups_tables")


def test_a_year_of_dashboard_reads_rollups_not_the_messages_of_its_range(database_url, inbox, world, backend):
    """364 days (a quarter falls on midnight, so no ragged day is read from messages): volume,
    totals, terms, top authors and service levels come from the rollup tables; the statements
    that read `messages` are the top-N ones (LIMIT), and those that read `conversations` the
    top messages' join, the survey answers' join and the count of unanswered conversations due
    after now (a partial index). Their plans read no message or conversation by a scan, on
    both databases (issue 22)."""
    sup = world.agent("supervisor", teams=())
    channels = _channels(inbox)
    end = datetime(2025, 12, 29, tzinfo=UTC)
    start = end - timedelta(days=364)
    program = [("ingest", "webhook", [(i % 4, i % len(TEXTS), 0) for i in range(6)])]
    _run(inbox, sup["id"], channels, program, [0], base=end - timedelta(days=30))
    rollups.fold(inbox)
    f = Filters(start, end)
    seen = selects_run_by(inbox, lambda: reporting.dashboard(inbox, sup["id"], f))
    statements = [" ".join(sql.split()) for sql, _ in seen]
    for table in ("rollup_messages", "rollup_terms", "rollup_authors", "rollup_service"):
        assert any(f"FROM {table}" in sql for sql in statements), table
    reading_messages = [sql for sql in statements if re.search(r"\b(FROM|JOIN) messages\b", sql)]
    # top-N (LIMIT), or the texts of the changes not yet folded (by id, from rollup_pending: an
    # outer join, so a deleted message's change still renews what is kept of its day's texts)
    assert reading_messages and all(
        " LIMIT " in sql
        or re.search(
            r"FROM rollup_pending (LEFT OUTER )?JOIN messages ON messages.id = rollup_pending.message_id", sql
        )
        for sql in reading_messages
    ), reading_messages
    reading_conversations = [sql for sql in statements if re.search(r"\b(FROM|JOIN) conversations\b", sql)]
    for sql in reading_conversations:
        assert (
            " LIMIT " in sql
            or "survey_responses" in sql
            or re.search(r"_at IS NULL AND p.\w+_due_at >= ", sql)
        ), sql
    with inbox.engine.connect() as conn:
        if backend == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
        for sql, parameters in seen:
            if backend == "sqlite":
                plan = " | ".join(
                    row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters)
                )
                assert "SCAN messages" not in plan and "SCAN conversations" not in plan, (sql, plan)
                if "rollup_messages" in sql and "GROUP BY" in sql:
                    assert "SEARCH rollup_messages USING" in plan, plan
                if re.search(r"FROM rollup_(authors|service)\b", sql):
                    assert re.search(r"SEARCH rollup_(authors|service) USING", plan), plan
            else:
                plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql, parameters))
                assert not re.search(r"Seq Scan on (messages|conversations)\b", plan), (sql, plan)
