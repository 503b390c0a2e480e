"""The one path of a message: ingest -> score -> rank -> escalate -> route -> store -> emit.

`ingest` is called by the webhook view, the embedded poller, the Celery worker and the tests
alike. Database work is batched (one query per step for the whole batch) because this is the
hot path; events are published only after the transaction commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from operator import attrgetter
from types import SimpleNamespace
from typing import Any, Protocol

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

import sentiment
from connectors.types import InboundMessage
from escalation import is_business_time
from inbox import sentiment_models
from inbox.attachments import records as attachments
from inbox.automation import engine as automation
from inbox.automation import sla_service
from inbox.conversations import assignment, ranking
from inbox.conversations.replies import queue_reply, reply_payload
from inbox.conversations.serialize import conversation_dict, inbound_row_dict
from inbox.customers.identities import upsert_identities
from inbox.customers.language import team_languages
from inbox.store import settings_cache
from inbox.store.context import Inbox, UnitOfWork
from inbox.store.events import conversation_rooms
from inbox.store.models import (
    Agent,
    ChannelAccount,
    Conversation,
    ConversationLabel,
    Customer,
    Direction,
    Message,
    RuleRun,
    Status,
)
from inbox.store.retry import retry_conflicts
from inbox.store.sanitize import sanitize_html
from inbox.store.sql import (
    Record,
    dialect_of,
    in_list,
    insert_rows,
    insert_with_ids,
    list_param,
    lock_channel,
    records,
    update_rows,
)

_UNSET: Any = object()


@dataclass(frozen=True)
class IngestResult:
    stored: int
    duplicates: int
    message_ids: tuple[int, ...] = ()
    conversation_ids: tuple[int, ...] = ()


def ingest(
    inbox: Inbox, channel_account_id: int, messages: Sequence[InboundMessage], cursor: str | None = _UNSET
) -> IngestResult:
    """Store each message exactly once and bring its conversation up to date.

    When `cursor` is given it is saved in the same transaction as the messages, so a crash can
    neither lose a message behind the cursor nor move the cursor past an unstored message.

    Concurrent batches of one channel are allowed (scaled workers drain its lanes in parallel):
    existing conversations are locked row by row (PostgreSQL, in id order, so two batches cannot
    deadlock on them), and a collision on the unique keys of a new conversation, message or
    identity runs the transaction again, which then finds the other writer's rows.
    """
    attachments.stage(inbox, messages)  # carried bytes to the blob store, outside the transaction
    return retry_conflicts(lambda: _ingest_once(inbox, channel_account_id, messages, cursor))


def _ingest_once(
    inbox: Inbox, channel_account_id: int, messages: Sequence[InboundMessage], cursor: str | None
) -> IngestResult:
    with inbox.unit_of_work() as uow:
        conn = uow.session.connection()
        if cursor is not _UNSET:
            # Only a poller's cursor save is serialized per channel (see `lock_channel`).
            lock_channel(uow.session, channel_account_id)
        row = conn.execute(_ACCOUNT, {"account": channel_account_id}).first()
        if row is None:
            raise LookupError(f"channel account {channel_account_id} does not exist")
        settings_cache.remember(conn, row)
        result = ingest_in(uow, inbox, Record(row._mapping), messages)
        if cursor is not _UNSET:
            conn.execute(_SAVE_CURSOR, {"account": channel_account_id, "new_cursor": cursor})
    return result


# The account is read as a plain row and its cursor saved with one UPDATE: loading the ORM object
# (JSON settings, encrypted secrets, health columns) was the largest single step of ingesting
# one webhook delivery, and the batch needs only the account's id and team.
_ACCOUNTS = ChannelAccount.__table__
# The settings' tokens ride along (inbox.store.settings_cache): one round trip fewer per batch.
_ACCOUNT = select(_ACCOUNTS.c.id, _ACCOUNTS.c.team_id, *settings_cache.token_columns()).where(
    _ACCOUNTS.c.id == bindparam("account")
)
_SAVE_CURSOR = (
    _ACCOUNTS.update().where(_ACCOUNTS.c.id == bindparam("account")).values(cursor=bindparam("new_cursor"))
)


class AccountFacts(Protocol):
    """What a batch reads of its channel account: an ORM `ChannelAccount` or a plain row."""

    id: int
    team_id: int | None


def ingest_in(
    uow: UnitOfWork,
    inbox: Inbox,
    account: AccountFacts,
    messages: Sequence[InboundMessage],
    stored: Collection[str] | None = None,
) -> IngestResult:
    """`ingest`'s work inside the caller's unit of work. `stored`: the external ids of these
    messages that the caller found stored already in this transaction (a scaled drain reads
    that with the rows it takes), so the batch need not ask again; None: ask."""
    with uow.session.no_autoflush:
        return _ingest(uow, inbox, account, messages, stored)


def _ingest(
    uow: UnitOfWork,
    inbox: Inbox,
    account: AccountFacts,
    messages: Sequence[InboundMessage],
    stored: Collection[str] | None,
) -> IngestResult:
    s = uow.session
    now = inbox.clock()
    fresh = _fresh(s, account.id, messages, stored)
    if not fresh:
        return IngestResult(0, len(messages))
    created: dict[int, dict[str, Any]] = {}
    idents = upsert_identities(s, [(m.channel, m.author) for m in fresh], now, created)
    authors = [idents[(m.channel, m.author.external_id)] for m in fresh]
    convs = _conversations(s, account, fresh, authors, now)
    loaded = {c.id: _writable_values(c) for c in convs.values() if c.id is not None}
    customer_ids = {i.customer_id for i in authors}
    d = dialect_of(s)
    q = _queries(d)
    customers, contacts, open_counts, last_csat = _customer_facts(s, customer_ids, created, convs.values())
    labels = _labels(s, [c.id for c in convs.values() if c.id is not None])

    scores, cues = _scores(fresh)
    scores, scored_by = sentiment_models.calibrate_batch(s, account.team_id, scores)
    rows = []
    for m, author, score in zip(fresh, authors, scores, strict=True):
        rows.append(
            {
                "conversation_id": None,  # known once new conversations are inserted
                "channel_account_id": account.id,
                "customer_id": author.customer_id,
                "direction": Direction.IN.value,
                "external_id": m.external_id,
                "author_identity_id": author.id,
                "text": m.text,
                "html": sanitize_html(m.html),
                "url": m.url,
                "language": score.language,
                "sentiment": score.compound,
                "sentiment_label": score.label,
                "sentiment_reasons": list(score.reasons),
                "sentiment_model": scored_by,
                "public": m.public,
                "in_reply_to": m.in_reply_to,
                "created_at": _aware(m.created_at),
                "received_at": now,
            }
        )
    by_conv: dict[str, list[int]] = defaultdict(list)
    for idx, m in enumerate(fresh):
        by_conv[m.thread_key].append(idx)

    rules = automation.load_rules(s, "message.created")
    router: assignment.BatchRouter | None = None
    weights = inbox.settings.get("rank_weights")
    now_ts = now.timestamp()
    # Read once per batch, not once per conversation: each was a settings-cache look-up (a
    # session.connection() and a memo) for every conversation, and rules do not change them.
    policies = sla_service.load_policies(s)
    archived = assignment.archived_teams(s)
    languages: dict[int, str] | None = None  # the teams' languages, read at the batch's first firing
    work: list[_Step] = []
    for key, conv in convs.items():
        idxs = by_conv[key]
        customer = customers.get(conv.customer_id)
        conv_labels = labels.setdefault(conv.id, set()) if conv.id is not None else set()
        step = _Step(conv, customer, conv_labels, set(conv_labels), conv.assignee_id, idxs, conv.id is None)
        work.append(step)
        _absorb(conv, [rows[i] for i in idxs], customer, now)
        last = idxs[-1]
        priority = ranking.rank_conversation(
            conv,
            customer,
            authors[last],
            scores[last].compound,
            cues[last],
            contacts.get(conv.customer_id, 1),
            now,
            weights=weights,
        )
        outcome = step.outcome
        policy, policy_team = sla_service.policy_for(s, conv, customer, policies), conv.team_id
        business_hours = is_business_time(now, policy.calendar) if policy is not None else True
        for i in idxs:
            m, sc = fresh[i], scores[i]
            facts = automation.conversation_facts(conv, customer, conv_labels, now)
            facts.update(
                automation.message_facts(
                    m.text, sc.language, sc.compound, sc.label, m.channel, m.public, authors[i]
                )
            )
            facts["conversation.priority"] = priority.value
            facts["customer.open_conversations"] = open_counts.get(conv.customer_id, 0)
            facts["customer.last_csat"] = last_csat.get(conv.customer_id)
            facts["time.business_hours"] = business_hours
            firings = automation.run_rules(rules, facts, "message.created")
            if firings:  # most messages fire nothing: no Outcome to make and merge
                if languages is None:
                    languages = team_languages(s)
                _merge(
                    outcome,
                    automation.apply_firings(conv, conv_labels, firings, "message.created", now, languages),
                )
        conv.priority_components = ranking.components_json(priority)
        ranking.store_priority(conv, priority, now, outcome.priority_floor)
        if (
            outcome.priority_floor is not None
            and conv.priority <= outcome.priority_floor + 1e-6
            and outcome.priority_floor > priority.value
        ):
            conv.priority_components.append(
                {
                    "name": "rule",
                    "weight": 1.0,
                    "value": outcome.priority_floor,
                    "contribution": round(outcome.priority_floor - priority.value, 3),
                    "detail": "raised by rule: "
                    + ", ".join(r["rule_name"] for r in outcome.runs if r["actions"]),
                }
            )
        if conv.team_id is not None and conv.team_id in archived:
            # an archived team receives nothing, whether the channel or a rule named it
            conv.team_id = None
        if conv.assignee_id is None and conv.status == Status.OPEN.value:
            router = router or assignment.BatchRouter(s)
            decision = router.choose(conv, now_ts)
            conv.assignee_id = decision.agent_id
            conv.queue_reason = "" if decision.agent_id else decision.reason
        # a rule may have moved it to another team, and so to another policy
        sla_service.update_due(s, conv, customer, *((policy,) if conv.team_id == policy_team else ()))

    # New conversations are inserted once, with their final values; then the rows that need their ids.
    _insert_new(s, [w.conv for w in work if w.created])
    for w in work:
        for i in w.idxs:
            rows[i]["conversation_id"] = w.conv.id
    ids = insert_with_ids(s, _MSG, rows)
    if any(m.attachments for m in fresh):
        attachments.record(s, inbox, fresh, rows, now)
    run_rows: list[dict[str, Any]] = []
    label_rows: list[dict[str, Any]] = []
    changed: list[WorkingConversation] = []
    for w in work:
        conv = w.conv
        run_rows.extend({"conversation_id": conv.id, **r} for r in w.outcome.runs if r["actions"])
        replies = [
            queue_reply(s, conv, text, None, now, language=language)
            for text, language in w.outcome.canned_replies
        ]
        if w.outcome.canned_replies:
            sla_service.update_due(s, conv, w.customer)
        if not w.created or w.outcome.canned_replies:
            changed.append(conv)
        _save_labels(s, conv.id, w.labels_before, w.labels, label_rows)
        _announce(
            uow,
            conv,
            w.customer,
            w.labels,
            [(rows[i], authors[i]) for i in w.idxs],
            created=w.created,
            assigned=conv.assignee_id != w.assignee_before,
            outcome=w.outcome,
            replies=replies,
        )
    insert_rows(s, RuleRun.__table__, run_rows)
    insert_rows(s, ConversationLabel.__table__, label_rows)
    if changed:
        _update_changed(s, changed, loaded)
    if router is not None:
        assigned = {c.assignee_id for c in convs.values() if c.assignee_id}
        if assigned:
            s.connection().execute(q.agents_assigned, {"ids": list_param(d, assigned), "now": now})
    seen = customer_ids - created.keys()  # a customer created here was inserted as seen now
    if seen:
        s.connection().execute(q.customers_seen, {"ids": list_param(d, seen), "now": now})
    return IngestResult(
        len(fresh), len(messages) - len(fresh), tuple(ids), tuple(c.id for c in convs.values())
    )


def _scores(fresh: list[InboundMessage]) -> tuple[list[sentiment.Score], dict[int, tuple[str, ...]]]:
    """Every message's score, and the urgency cues of each thread's newest message (what its
    conversation is ranked on), computed one script at a time and put back in order: each
    language's scorer walks its own large tables (the Chinese gram weights, newmm's dictionary
    and the Thai word weights), which stay in the CPU's caches for a run of same-script messages
    and not for a mix."""
    scores: list[Any] = [None] * len(fresh)
    cues: dict[int, tuple[str, ...]] = {}
    newest = set({m.thread_key: i for i, m in enumerate(fresh)}.values())
    for i in sorted(range(len(fresh)), key=lambda i: sentiment.script_of(fresh[i].text)):
        m = fresh[i]
        score = scores[i] = sentiment.score(m.text, m.language_hint)
        if i in newest:
            cues[i] = ranking.urgency_terms(m.text, score.language)
    return scores, cues


def score_batch(
    s: Session, team_id: int | None, messages: Sequence[InboundMessage]
) -> tuple[list[sentiment.Score], str]:
    """Each message's sentiment exactly as `ingest` scores it (the same scorers, the team's
    calibration when one is switched on), and the scorer's name. Listening mentions are scored
    here, so a mention and the conversation it may become never disagree."""
    scores, _ = _scores(list(messages))
    return sentiment_models.calibrate_batch(s, team_id, scores)


@dataclass(slots=True)
class _Step:
    """One conversation's share of the batch, carried from deciding to writing and announcing."""

    conv: WorkingConversation
    customer: Any
    labels: set[str]
    labels_before: set[str]
    assignee_before: int | None
    idxs: list[int]
    created: bool
    outcome: automation.Outcome = field(default_factory=automation.Outcome)


def _customer_facts(
    s: Session, customer_ids: set[int], created: dict[int, dict[str, Any]], convs: Any
) -> tuple[dict[int, Any], dict[int, int], dict[int, int], dict[int, int]]:
    """The batch's customers (what ranking, rules and events read of them) with, for each, their
    conversations in total and still open (counting this batch's new ones) and their last CSAT
    answer. Those known before the batch are read in one statement; those `upsert_identities`
    created in it are known from their insert and have no conversations or answers yet, so a
    message from a new author reads nothing here."""
    customers: dict[int, Any] = {}
    contacts: dict[int, int] = {}
    open_counts: dict[int, int] = {}
    last_csat: dict[int, int] = {}
    for cid in customer_ids & created.keys():
        row = created[cid]
        customers[cid] = Record({name: row.get(name, _NEW_CUSTOMER.get(name)) for name in _CUSTOMER_FACTS})
    known = customer_ids - created.keys()
    if known:
        d = dialect_of(s)
        for c in records(s.connection().execute(_queries(d).customers, {"ids": list_param(d, known)})):
            total, still_open, csat = (
                c.__dict__.pop("contacts"),
                c.__dict__.pop("still_open"),
                c.__dict__.pop("csat"),
            )
            customers[c.id] = c
            if total:
                contacts[c.id], open_counts[c.id] = total, still_open
            if csat is not None:
                last_csat[c.id] = csat
    for conv in convs:
        if conv.id is None:
            contacts[conv.customer_id] = contacts.get(conv.customer_id, 0) + 1
            open_counts[conv.customer_id] = open_counts.get(conv.customer_id, 0) + 1
    return customers, contacts, open_counts, last_csat


# A new customer's facts that its insert leaves to the columns' defaults.
_NEW_CUSTOMER = {
    "lifecycle_stage": "awareness",
    "vip": False,
    "clv": 0.0,
    "rfm_segment": None,
    "merged_into_id": None,
}


def _fresh(
    s: Session, account_id: int, messages: Sequence[InboundMessage], stored: Collection[str] | None
) -> list[InboundMessage]:
    """Drop repeats within the batch and messages already stored (`stored`, or asked), oldest first."""
    unique: dict[str, InboundMessage] = {}
    for m in messages:
        unique.setdefault(m.external_id, m)
    if stored is None:
        d = dialect_of(s)
        keys = {"account": account_id, "keys": list_param(d, unique)}
        seen = set(s.connection().scalars(_queries(d).stored_ids, keys))
    else:
        seen = set(stored)
    return sorted((m for k, m in unique.items() if k not in seen), key=lambda m: _aware(m.created_at))


class WorkingConversation(Record):
    """A conversation row as plain attributes: the pipeline's working copy.

    Rules, ranking, routing and SLA code read and set the same attribute names as on the ORM
    model, but without instrumentation (hundreds of thousands of attribute events per batch);
    the copies are written back with one executemany UPDATE at the end.
    Columns a new conversation leaves unset read the class-level None below.
    """


for _column in Conversation.__table__.columns:
    setattr(WorkingConversation, _column.key, None)


_CONV = Conversation.__table__
_MSG = Message.__table__
_CUST = Customer.__table__
_AGENT = Agent.__table__
_NEW_DEFAULTS = {
    "priority": 0.0,
    "rank_key": 0.0,
    "rank_curve": 0.0,
    "sentiment": 0.0,
    "message_count": 0,
    "assigned_manually": False,
    "queue_reason": "",
}


def _conversations(
    s: Session, account: AccountFacts, fresh: list[InboundMessage], authors: list[Any], now: datetime
) -> dict[str, WorkingConversation]:
    """Working copies of the batch's conversations, in first-message order; new ones have no id
    yet and are inserted by `_insert_new` once their values are final."""
    keys = list(dict.fromkeys(m.thread_key for m in fresh))
    found: dict[str, WorkingConversation] = {}
    d = dialect_of(s)
    result = s.connection().execute(
        _queries(d).conversations, {"account": account.id, "keys": list_param(d, keys)}
    )
    for conv in records(result, WorkingConversation):
        found[conv.thread_key] = conv
    out: dict[str, WorkingConversation] = {}
    for m, author in zip(fresh, authors, strict=True):
        key = m.thread_key
        if key in out:
            continue
        conv = found.get(key)
        if conv is None:
            conv = WorkingConversation(_NEW_DEFAULTS)
            conv.__dict__.update(
                customer_id=author.customer_id,
                channel_account_id=account.id,
                channel=m.channel,
                thread_key=key,
                subject=(m.subject or m.text)[:200],  # e-mail keeps its own subject
                public=m.public,
                team_id=account.team_id,
                status=Status.OPEN.value,
                created_at=now,
                updated_at=now,
                last_message_at=_aware(m.created_at),
                priority_components=[],
            )
        out[key] = conv
    return out


def _insert_new(s: Session, convs: list[WorkingConversation]) -> None:
    """Insert new conversations in one statement and give the working copies their ids."""
    if not convs:
        return
    rows = [dict(zip(_INSERTABLE, _insertable(c), strict=True)) for c in convs]
    for conv, new_id in zip(convs, insert_with_ids(s, _CONV, rows), strict=True):
        conv.id = new_id


@cache
def _queries(dialect: str) -> SimpleNamespace:
    """The batch's statements, built once per dialect and executed with parameters: building a
    statement and its cache key cost more than running most of these (~0.3 ms each here), and
    a batch of one message, a webhook delivery, runs them all. They are plain Core statements,
    run on the session's connection (same transaction) without the ORM's execute layer."""
    label = ConversationLabel.__table__
    return SimpleNamespace(
        stored_ids=select(_MSG.c.external_id).where(
            _MSG.c.channel_account_id == bindparam("account"), in_list(dialect, _MSG.c.external_id, "keys")
        ),
        # Locked until commit (PostgreSQL), in id order: a batch's read-modify-write of its
        # conversations (message count, rank, routing) must not interleave with another batch's.
        conversations=select(*_LOADED)
        .where(
            _CONV.c.channel_account_id == bindparam("account"), in_list(dialect, _CONV.c.thread_key, "keys")
        )
        .order_by(_CONV.c.id)
        .with_for_update(),
        # with each customer's conversations in total and still open, and their last CSAT
        # answer: one statement where there were three
        customers=select(
            *(_CUST.c[name] for name in _CUSTOMER_FACTS),
            select(func.count()).where(_CONV.c.customer_id == _CUST.c.id).scalar_subquery().label("contacts"),
            select(func.count())
            .where(_CONV.c.customer_id == _CUST.c.id, _CONV.c.status != Status.RESOLVED.value)
            .scalar_subquery()
            .label("still_open"),
            automation.last_csat_of(_CUST.c.id).label("csat"),
        ).where(in_list(dialect, _CUST.c.id, "ids")),
        labels=select(label.c.conversation_id, label.c.label).where(
            in_list(dialect, label.c.conversation_id, "ids")
        ),
        agents_assigned=_AGENT.update()
        .where(in_list(dialect, _AGENT.c.id, "ids"))
        .values(last_assigned_at=bindparam("now", type_=_AGENT.c.last_assigned_at.type)),
        customers_seen=_CUST.update()
        .where(in_list(dialect, _CUST.c.id, "ids"))
        .values(last_seen_at=bindparam("now", type_=_CUST.c.last_seen_at.type)),
    )


# What ranking, rules, SLA policies and the events read of a customer (not the JSON attributes,
# whose parsing was most of this load).
_CUSTOMER_FACTS = ("id", "name", "email", "lifecycle_stage", "vip", "clv", "rfm_segment", "merged_into_id")

# Loaded for existing conversations: every column but the rank components, which the batch
# recomputes for every conversation it touches (parsing their JSON was a fifth of the load).
_LOADED = tuple(c for c in _CONV.columns if c.key != "priority_components")
_INSERTABLE = tuple(c.key for c in Conversation.__table__.columns if c.key != "id")
_WRITABLE = (
    "status",
    "snoozed_until",
    "priority",
    "rank_key",
    "rank_curve",
    "rank_settles_at",
    "priority_components",
    "sentiment",
    "language",
    "assignee_id",
    "assigned_manually",
    "team_id",
    "queue_reason",
    "message_count",
    "last_message_at",
    "last_customer_message_at",
    "waiting_since",
    "first_response_at",
    "last_agent_reply_at",
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "resolved_at",
    "resolved_by_id",
    "updated_at",
)


_insertable = attrgetter(*_INSERTABLE)  # the values as one tuple, read in C
_WRITE_KEYS = ("_id", *_WRITABLE)
_writable_values = attrgetter("id", *_WRITABLE)


def _update_changed(s: Session, convs: list[WorkingConversation], loaded: dict[int, tuple[Any, ...]]) -> None:
    """Write back each conversation's columns that differ from what the batch loaded (all of them
    for one it created), one executemany per set of changed columns. Every column in an UPDATE's
    SET list makes SQLite rewrite the entries of each index over it, changed or not: a new message
    in an open thread changes its rank and times but not its status, assignee, team or SLA times,
    whose six indexes the full-row UPDATE rewrote for every such conversation. PostgreSQL keeps
    one statement (one round trip) with every column: it compares the values itself."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    whole = dialect_of(s) != "sqlite"  # PostgreSQL skips unchanged indexed values itself (HOT)
    for conv in convs:
        values = _writable_values(conv)
        before = None if whole else loaded.get(conv.id)
        if before is None:
            groups[_WRITE_KEYS].append(dict(zip(_WRITE_KEYS, values, strict=True)))
            continue
        row = {"_id": conv.id}
        for key, value, was in zip(_WRITE_KEYS, values, before, strict=True):
            if value != was or key in _ALWAYS_WRITTEN:
                row[key] = value
        groups[tuple(row)].append(row)
    for rows in groups.values():
        update_rows(s, _CONV, rows)


# Not loaded (`_LOADED`), so not comparable: recomputed and written for every conversation touched.
_ALWAYS_WRITTEN = frozenset({"priority_components"})


def _absorb(conv: Conversation, rows: list[dict[str, Any]], customer: Customer | None, now: datetime) -> None:
    """Fold new inbound messages into the conversation's running facts."""
    first, last = rows[0], rows[-1]
    conv.message_count += len(rows)
    conv.last_message_at = (
        max(conv.last_message_at, last["created_at"]) if conv.last_message_at else last["created_at"]
    )
    conv.last_customer_message_at = last["created_at"]
    if conv.waiting_since is None:
        conv.waiting_since = first["created_at"]
    if conv.status in (Status.RESOLVED.value, Status.SNOOZED.value, Status.PENDING.value):
        conv.status = Status.OPEN.value
        conv.snoozed_until = None
        conv.resolved_at = conv.resolved_by_id = None
        if not conv.assigned_manually:
            conv.assignee_id = None
    conv.language = last["language"]
    conv.sentiment = last["sentiment"]
    conv.updated_at = now


def _labels(s: Session, conv_ids: list[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    if conv_ids:
        d = dialect_of(s)
        for cid, label in s.connection().execute(_queries(d).labels, {"ids": list_param(d, conv_ids)}):
            out[cid].add(label)
    return out


def _save_labels(s: Session, conv_id: int, before: set[str], after: set[str], added_rows: list[dict]) -> None:
    added_rows.extend({"conversation_id": conv_id, "label": x} for x in after - before)
    gone = before - after
    if gone:
        s.execute(
            ConversationLabel.__table__.delete().where(
                ConversationLabel.conversation_id == conv_id, ConversationLabel.label.in_(gone)
            )
        )


def _merge(total: automation.Outcome, step: automation.Outcome) -> None:
    if step.priority_floor is not None:
        total.priority_floor = max(total.priority_floor or 0.0, step.priority_floor)
    total.escalated += step.escalated
    total.notifications += step.notifications
    total.canned_replies += step.canned_replies
    total.runs += step.runs


def _announce(
    uow: UnitOfWork,
    conv: Conversation,
    customer: Customer | None,
    labels: set[str],
    new_messages: list[tuple[dict[str, Any], Any]],
    created: bool,
    assigned: bool,
    outcome: automation.Outcome,
    replies: Sequence[tuple[Message, Any]] = (),
) -> None:
    rooms = conversation_rooms(conv.team_id, conv.assignee_id, conv.id)
    summary = conversation_dict(conv, customer, sorted(labels))
    uow.emit("conversation.created" if created else "conversation.updated", {"conversation": summary}, rooms)
    for row, ident in new_messages:  # rows as inserted, ids included
        uow.emit("message.created", {"message": inbound_row_dict(row, ident), "conversation": summary}, rooms)
    for msg, box in replies:  # canned replies the rules sent
        uow.emit("message.created", {"message": reply_payload(msg, box), "conversation": summary}, rooms)
    if assigned and conv.assignee_id is not None:
        uow.emit("conversation.assigned", {"conversation": summary, "assignee_id": conv.assignee_id}, rooms)
    if outcome.escalated:
        uow.emit("conversation.escalated", {"conversation": summary, "rules": outcome.escalated}, rooms)
    for note in outcome.notifications:
        uow.emit("notification", {"conversation": summary, **note}, rooms)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
