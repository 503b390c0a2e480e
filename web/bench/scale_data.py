"""The fast builder of the one-year database: what `inbox.ingest.ingest` would have stored for
the plan of `web.bench.year_plan`, decided in memory and written in bulk.

Ingesting a million messages batch by batch took about an hour here: each batch reads back
what the previous ones wrote (identities, conversations, labels, agents' load). This builder
keeps that state in memory instead, and makes every decision with the pipeline's own code, in
the pipeline's order: `sentiment.score` (each distinct text once), `ranking.rank_conversation`
and `store_priority`, the rules (`automation.run_rules` / `apply_firings`), routing through
`escalation.Router` with each agent's load and last assignment carried from batch to batch, and
the SLA due times. Rows get their ids up front in the order the pipeline would have given them,
and go in with one executemany per table and day (`inbox.store.sql.insert_rows`; PostgreSQL's
sequences are moved past them at the end). The derived data is not kept row by row while the
year goes in (`web.bench.derived`): secondary indexes (and, on PostgreSQL, foreign keys and
unique constraints) are dropped and built again at the end, and the insert triggers that keep
the search index and the rollups' pending changes are replayed once over the loaded rows, so
they write what they would have written; the rollups are then folded by the job's own code.
Within a batch the decisions are the pipeline's; across the year the builder remembers what
cannot change (one router for the year, rule outcomes per distinct combination of the facts the
rules read, "waiting" until the next assignment).

tests/service/test_year_build.py holds it to the pipeline: the same small year built both ways
gives the same conversations (ranks, labels, assignees, due times), ranked list, search results
and rollups.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Table, text
from sqlalchemy.orm import Session

import sentiment
from escalation import is_business_time
from inbox.automation import engine as automation
from inbox.automation import sla_service
from inbox.conversations import assignment, ranking
from inbox.customers.identities import _identity_row, _key
from inbox.ingest import conversations as working
from inbox.ingest import pipeline
from inbox.sentiment_models import BASE
from inbox.store.models import (
    Agent,
    ConversationLabel,
    Customer,
    Identity,
    Message,
    RuleRun,
    Status,
)
from inbox.store.sanitize import sanitize_html
from inbox.store.sql import Record, _processor, insert_rows, update_rows
from web.bench import derived
from web.bench.year_plan import Batch, Clock, Day, finish, plan, reply_rows, setup

_CUSTOMER_DEFAULTS = {"email": None, "lifecycle_stage": "awareness", "vip": False, "clv": 0.0,
                      "rfm_segment": None, "merged_into_id": None}  # fmt: skip
_SEQUENCED = ("customers", "identities", "conversations", "messages")


def build_bulk(
    inbox: Any, clock: Clock, shape: Any, now: datetime, progress: Callable[[str], None] = lambda s: None
) -> dict[str, float]:
    """Fill the migrated, empty database of `inbox` with the year; returns seconds per step."""
    t0 = time.perf_counter()
    ws = setup(inbox, shape.teams, shape.agents)
    timings = {"setup": time.perf_counter() - t0}
    t = time.perf_counter()
    bulk = _Bulk(inbox)
    suspended = derived.suspend(inbox.engine)
    written = 0
    for day in plan(shape, ws, now - timedelta(days=shape.days)):
        written += bulk.day(day)
        if day.at.day == 1:
            progress(f"    {day.at:%Y-%m-%d}: {written:,} messages ({time.perf_counter() - t:.0f} s)")
    bulk.close()
    timings["messages"] = time.perf_counter() - t
    t = time.perf_counter()
    for part, seconds in derived.restore(inbox.engine, suspended).items():
        timings[f"derive {part}"] = seconds
    timings["derive"] = time.perf_counter() - t
    t = time.perf_counter()
    finish(inbox, shape, now)
    timings["finish"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return timings


class _Bulk:
    """The state the pipeline would read back from the database between batches."""

    def __init__(self, inbox: Any) -> None:
        self.inbox = inbox
        # read once: rules, SLA policies (cached in s.info), agents; a read session (deferred BEGIN), since
        # policy_for reads through it again later while a unit of work holds the write lock
        self.s = Session(inbox._reader)
        self.rules = automation.load_rules(self.s, "message.created")
        self.rule_fields = tuple(sorted({c.field for r in self.rules for c in r.conditions}))
        self.fired: dict[tuple[Any, ...], list[Any]] = {}
        sla_service.load_policies(self.s)
        # One router for the whole year: its agents carry their load and last assignment from
        # batch to batch (nothing is resolved while the year is built), and the filters that never
        # change here (team, presence, channel, language) are applied once per kind of request for
        # the year, not once per batch (a router per batch was a sixth of deciding the rows).
        self.router = assignment.Router(assignment.agent_states(self.s).values())
        self.waiting: dict[tuple[Any, ...], Any] = {}
        self.strategies = assignment.team_strategies(self.s)
        self.next = {t: (self.s.scalar(text(f"SELECT max(id) FROM {t}")) or 0) + 1 for t in _SEQUENCED}
        self.s.close()
        self.weights = inbox.settings.get("rank_weights")
        self.identities: dict[tuple[str, str], Record] = {}
        self.customers: dict[int, Record] = {}
        self.seen: dict[int, datetime] = {}  # customers' last_seen_at, written at the end
        self.convs: dict[tuple[int, str], working.WorkingConversation] = {}
        self.labels: dict[int, set[str]] = {}
        self.contacts: dict[int, int] = defaultdict(int)
        self.written: set[int] = set()  # conversations inserted by an earlier day
        self.assigned_at: dict[int, datetime] = {}
        self.scores: dict[tuple[str, str | None], sentiment.Score] = {}
        self.cues: dict[tuple[str, str], tuple[str, ...]] = {}
        self._teams: dict[int, int | None] = {}
        self._day_rows()

    def _day_rows(self) -> None:
        self.new_customers: list[dict[str, Any]] = []
        self.new_identities: list[dict[str, Any]] = []
        self.new_convs: list[working.WorkingConversation] = []
        self.messages: list[dict[str, Any]] = []
        self.runs: list[dict[str, Any]] = []
        self.label_rows: list[dict[str, Any]] = []

    def day(self, day: Day) -> int:
        """Decide the day's batches in memory, fold its replies into its conversations (what
        `write_replies` would UPDATE), then write everything in one transaction."""
        for batch in day.batches:
            self.batch(batch)
        ids = {(c.channel_account_id, c.thread_key): (c.id, c.customer_id) for c in self.new_convs}
        replies, span = reply_rows(day.replies, ids, self.next["messages"])
        self.next["messages"] += len(replies)
        for conv in self.new_convs:
            if conv.id in span:
                first, last, n, agent = span[conv.id]
                if conv.first_response_at is None:
                    conv.first_response_at, conv.first_response_agent_id = first, agent
                conv.last_agent_reply_at, conv.message_count = last, conv.message_count + n
        insertable = working.INSERTABLE
        with self.inbox.unit_of_work() as uow:
            s = uow.session
            if self.inbox.dialect == "postgresql":  # a crash while building means building again
                s.execute(text("SET LOCAL synchronous_commit = off"))
            _write(s, Customer.__table__, self.new_customers)
            _write(s, Identity.__table__, self.new_identities)
            convs = [
                {"id": c.id, **dict(zip(insertable, working.insertable(c), strict=True))}
                for c in self.new_convs
            ]
            _write(s, working.CONV, convs)
            _write(s, Message.__table__, self.messages)
            insert_rows(s, RuleRun.__table__, self.runs)
            insert_rows(s, ConversationLabel.__table__, self.label_rows)
            _write(s, Message.__table__, replies)
        self.written.update(c.id for c in self.new_convs)
        n = len(self.messages) + len(replies)
        self._day_rows()
        return n

    def _score(self, text: str, hint: str | None) -> sentiment.Score:
        key = (text, hint)
        score = self.scores.get(key)
        if score is None:
            score = self.scores[key] = sentiment.score(text, hint)
        return score

    def _authors(self, fresh: list[Any], now: datetime) -> list[Record]:
        """`inbox.customers.identities.upsert_identities` over the in-memory identities."""
        wanted = {(m.channel, m.author.external_id): m.author for m in fresh}
        for key, a in wanted.items():
            known = self.identities.get(key)
            if known is not None:
                if known.followers != a.followers or known.verified != a.verified:
                    raise ValueError(f"the bulk build keeps an author's profile fixed: {key}")
                continue
            cid, self.next["customers"] = self.next["customers"], self.next["customers"] + 1
            name = a.display_name or a.handle
            self.new_customers.append(
                {"id": cid, "first_identity_key": _key(key), "name": name, "email": a.email, "created_at": now,
                 "last_seen_at": now, "lifecycle_stage": "awareness", "attributes": {}}
            )  # fmt: skip
            self.customers[cid] = Record({**_CUSTOMER_DEFAULTS, "id": cid, "name": name, "email": a.email})
            row = _identity_row(key[0], a, cid, now)
            row["id"], self.next["identities"] = self.next["identities"], self.next["identities"] + 1
            self.new_identities.append(row)
            self.identities[key] = Record(row)
        return [self.identities[(m.channel, m.author.external_id)] for m in fresh]

    def batch(self, batch: Batch) -> None:
        """One `ingest` call of the plan, as `inbox.ingest.pipeline._ingest` decides it."""
        now = batch.at
        fresh = sorted(batch.messages, key=lambda m: working.aware(m.created_at))
        authors = self._authors(fresh, now)
        team = self.inbox_team(batch.channel_id)
        convs: dict[str, working.WorkingConversation] = {}
        for m, author in zip(fresh, authors, strict=True):
            if m.thread_key in convs:
                continue
            conv = self.convs.get((batch.channel_id, m.thread_key))
            if conv is None:
                conv = working.WorkingConversation(working.NEW_DEFAULTS)
                conv.__dict__.update(
                    customer_id=author.customer_id, channel_account_id=batch.channel_id, channel=m.channel,
                    thread_key=m.thread_key, subject=(m.subject or m.text)[:200], public=m.public,
                    team_id=team, status=Status.OPEN.value, created_at=now, updated_at=now,
                    last_message_at=working.aware(m.created_at), priority_components=[],
                )  # fmt: skip
            elif conv.id in self.written:
                raise ValueError("the bulk build writes a conversation once: its plan touched one again")
            convs[m.thread_key] = conv
        customer_ids = {i.customer_id for i in authors}
        contacts = {c: self.contacts[c] for c in customer_ids if self.contacts.get(c)}
        open_counts = dict(contacts)  # nothing is resolved while the year is built
        for conv in convs.values():
            if conv.id is None:
                contacts[conv.customer_id] = contacts.get(conv.customer_id, 0) + 1
                open_counts[conv.customer_id] = open_counts.get(conv.customer_id, 0) + 1
        scores = [self._score(m.text, m.language_hint) for m in fresh]
        rows = []
        for m, author, score in zip(fresh, authors, scores, strict=True):
            rows.append(
                {"conversation_id": None, "channel_account_id": batch.channel_id,
                 "customer_id": author.customer_id, "direction": "in", "external_id": m.external_id,
                 "author_identity_id": author.id, "text": m.text, "html": sanitize_html(m.html), "url": m.url,
                 "language": score.language, "sentiment": score.compound, "sentiment_label": score.label,
                 "sentiment_reasons": list(score.reasons), "sentiment_model": BASE, "public": m.public, "in_reply_to": m.in_reply_to,
                 "created_at": working.aware(m.created_at), "received_at": now}
            )  # fmt: skip
        by_conv: dict[str, list[int]] = defaultdict(list)
        for idx, m in enumerate(fresh):
            by_conv[m.thread_key].append(idx)
        routed = False
        now_ts = now.timestamp()
        for key, conv in convs.items():
            idxs = by_conv[key]
            customer = self.customers.get(conv.customer_id)
            conv_labels = self.labels.setdefault(conv.id, set()) if conv.id is not None else set()
            before = set(conv_labels)
            outcome = automation.Outcome()
            working.absorb(conv, [rows[i] for i in idxs], customer, now)
            last = idxs[-1]
            priority = ranking.rank_conversation(
                conv, customer, authors[last], scores[last].compound, self._cues(fresh[last].text, scores[last]),
                contacts.get(conv.customer_id, 1), now, weights=self.weights,
            )  # fmt: skip
            policy, policy_team = sla_service.policy_for(self.s, conv, customer), conv.team_id
            business_hours = is_business_time(now, policy.calendar) if policy is not None else True
            for i in idxs:
                m, sc = fresh[i], scores[i]
                facts = automation.conversation_facts(conv, customer, conv_labels, now)
                facts.update(
                    automation.message_facts(m.text, sc.language, sc.compound, sc.label, m.channel, m.public, authors[i])
                )  # fmt: skip
                facts["conversation.priority"] = priority.value
                facts["customer.open_conversations"] = open_counts.get(conv.customer_id, 0)
                facts["customer.last_csat"] = None  # the year has no surveys
                facts["time.business_hours"] = business_hours
                firings = self._fire(facts)
                if firings:
                    pipeline._merge(
                        outcome, automation.apply_firings(conv, conv_labels, firings, "message.created", now)
                    )
            if outcome.canned_replies or outcome.notifications or outcome.webhooks:
                raise ValueError("the bulk build writes no replies, notifications or webhooks of rules")
            ranking.store_ranked(conv, priority, now, outcome.priority_floor, outcome.runs)
            if conv.assignee_id is None and conv.status == Status.OPEN.value:
                routed = True
                decision = self._route(conv, self.strategies.get(conv.team_id or -1, "round_robin"), now_ts)
                conv.assignee_id = decision.agent_id
                conv.queue_reason = "" if decision.agent_id else decision.reason
            sla_service.update_due(
                self.s, conv, customer, *((policy,) if conv.team_id == policy_team else ())
            )
            if conv.id is None:
                conv.id, self.next["conversations"] = (
                    self.next["conversations"],
                    self.next["conversations"] + 1,
                )
                self.new_convs.append(conv)
                self.convs[(batch.channel_id, key)] = conv
                self.contacts[conv.customer_id] += 1
                self.labels[conv.id] = conv_labels
            for i in idxs:
                rows[i]["conversation_id"] = conv.id
            self.runs.extend({"conversation_id": conv.id, **r} for r in outcome.runs if r["actions"])
            self.label_rows.extend({"conversation_id": conv.id, "label": x} for x in conv_labels - before)
        for row in rows:
            row["id"], self.next["messages"] = self.next["messages"], self.next["messages"] + 1
        self.messages.extend(rows)
        if routed:  # as the pipeline, which stamps every assignee of a batch that routed
            agents = self.router.agents
            for aid in {c.assignee_id for c in convs.values() if c.assignee_id}:
                agents[aid] = dataclasses.replace(agents[aid], last_assigned_at=now_ts)
                self.assigned_at[aid] = now
        for cid in customer_ids:
            self.seen[cid] = now

    def _route(self, conv: Any, strategy: str, now_ts: float) -> Any:
        """`assignment.choose`, with "waiting" remembered per kind of request until the next
        assignment. Whether anyone is free, and the reason named when nobody is, depend on the
        filters that never change here and on agents' load, which only an assignment changes
        (nothing is resolved while the year is built); and once every agent is full most of the
        year's conversations wait, each of which re-ran every filter over every agent."""
        key = (conv.team_id, conv.language, conv.channel)
        decision = self.waiting.get(key)
        if decision is None:
            decision = assignment.choose(self.router, conv, strategy, now_ts)
            if decision.agent_id is None:
                self.waiting[key] = decision
            else:
                self.waiting.clear()
        return decision

    def _fire(self, facts: dict[str, Any]) -> list[Any]:
        """`automation.run_rules` for `facts`, remembered by the values of the facts the rules
        read: what fires (and the values a firing records) is a function of those alone, and a
        year repeats them (the texts come from a corpus of 5,000), so each distinct combination
        is evaluated once instead of once per message (a quarter of deciding the rows)."""
        key = tuple(_hashable(facts.get(f)) for f in self.rule_fields)
        firings = self.fired.get(key)
        if firings is None:
            firings = self.fired[key] = automation.run_rules(self.rules, facts, "message.created")
        return firings

    def _cues(self, text: str, score: sentiment.Score) -> tuple[str, ...]:
        key = (text, score.language)
        cues = self.cues.get(key)
        if cues is None:
            cues = self.cues[key] = ranking.urgency_terms(text, score.language)
        return cues

    def inbox_team(self, channel_id: int) -> int | None:
        """A channel's team (what the pipeline reads of its account)."""
        if channel_id not in self._teams:
            with self.inbox.read() as s:
                self._teams[channel_id] = s.scalar(
                    text("SELECT team_id FROM channel_accounts WHERE id = :i"), {"i": channel_id}
                )
        return self._teams[channel_id]

    def close(self) -> None:
        """What the pipeline rewrote at every batch, once: customers' last visit, agents' last
        assignment; and PostgreSQL's sequences past the ids given here."""
        self.s.close()  # the settings session's connection back to the pool (a kept year is renamed next)
        with self.inbox.unit_of_work() as uow:
            s = uow.session
            update_rows(
                s, Customer.__table__, [{"_id": c, "last_seen_at": at} for c, at in self.seen.items()]
            )
            update_rows(
                s, Agent.__table__, [{"_id": a, "last_assigned_at": at} for a, at in self.assigned_at.items()]
            )
            if s.get_bind().dialect.name == "postgresql":
                for t in _SEQUENCED:
                    s.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), :n, false)"),
                        {"n": self.next[t]},
                    )


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _write(s: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys): `insert_rows` on SQLite (one executemany in C),
    COPY on PostgreSQL, where an executemany runs one INSERT per row (with the row triggers that
    keep search and rollups, the same either way). Columns the rows leave out get their
    Python-side defaults, as an INSERT through SQLAlchemy would give them."""
    if not rows:
        return
    conn = s.connection()
    dialect = conn.dialect
    if dialect.name != "postgresql":
        insert_rows(s, table, rows)
        return
    keys = list(rows[0])
    defaults = {}
    for c in table.columns:
        if c.key not in rows[0] and c.default is not None and not c.primary_key:
            arg = c.default.arg  # type: ignore[union-attr]
            defaults[c.key] = arg(None) if callable(arg) else arg
    columns = [table.c[k] for k in keys] + [table.c[k] for k in defaults]
    procs = [_processor(c, dialect) for c in columns]
    jsons = [isinstance(c.type, JSON) for c in columns]
    extra = list(defaults.values())
    names = ", ".join(dialect.identifier_preparer.quote(c.name) for c in columns)
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            values = [row[k] for k in keys] + extra
            copy.write_row(
                [
                    json.dumps(v) if j and v is not None else (p(v) if p else v)
                    for v, p, j in zip(values, procs, jsons, strict=True)
                ]
            )
