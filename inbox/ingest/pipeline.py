"""A batch of messages, decided and stored: ingest -> score -> rank -> escalate -> route -> store.

`ingest` is called by the webhook view, the embedded poller, the Celery worker and the tests
alike. Database work is batched (one query per step for the whole batch) because this is the
hot path; events are published only after the transaction commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select

from connectors.types import InboundMessage
from escalation import is_business_time
from inbox import sentiment_models
from inbox.attachments import records as attachments
from inbox.automation import engine as automation
from inbox.automation import sla_service
from inbox.conversations import assignment, ranking
from inbox.conversations.replies import queue_reply
from inbox.customers.identities import upsert_identities
from inbox.customers.language import team_languages
from inbox.ingest import conversations as working
from inbox.ingest import reads
from inbox.ingest.announce import announce
from inbox.ingest.reads import AccountFacts
from inbox.ingest.scores import scores as score_all
from inbox.store import settings_cache
from inbox.store.context import Inbox, UnitOfWork
from inbox.store.models import ChannelAccount, ConversationLabel, Direction, RuleRun, Status
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
)

__all__ = ["AccountFacts", "IngestResult", "ingest", "ingest_in"]

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
        d = dialect_of(uow.session)
        if d == "postgresql":
            keys = list_param(d, dict.fromkeys(m.external_id for m in messages))
            row = conn.execute(_account_and_stored(), {"account": channel_account_id, "keys": keys}).first()
        else:
            row = conn.execute(_ACCOUNT, {"account": channel_account_id}).first()
        if row is None:
            raise LookupError(f"channel account {channel_account_id} does not exist")
        settings_cache.remember(conn, row)
        account = Record(row._mapping)
        stored = account.__dict__.pop("stored", None)
        result = ingest_in(uow, inbox, account, messages, stored)
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


@cache
def _account_and_stored() -> Any:
    """PostgreSQL: `_ACCOUNT` with the batch's external ids already stored (an array column), so
    `reads.fresh` need not ask in a round trip of its own; read after `lock_channel`, where the
    separate read was, and a concurrent duplicate still meets the messages' unique key."""
    msg = reads.MSG
    found = select(msg.c.external_id).where(
        msg.c.channel_account_id == _ACCOUNTS.c.id, in_list("postgresql", msg.c.external_id, "keys")
    )
    return _ACCOUNT.add_columns(func.array(found.scalar_subquery()).label("stored"))


_SAVE_CURSOR = (
    _ACCOUNTS.update().where(_ACCOUNTS.c.id == bindparam("account")).values(cursor=bindparam("new_cursor"))
)


def ingest_in(
    uow: UnitOfWork,
    inbox: Inbox,
    account: AccountFacts,
    messages: Sequence[InboundMessage],
    stored: Collection[str] | None = None,
    later: list[Any] | None = None,
) -> IngestResult:
    """`ingest`'s work inside the caller's unit of work. `stored`: the external ids of these
    messages that the caller found stored already in this transaction (a scaled drain reads
    that with the rows it takes), so the batch need not ask again; None: ask. `later`
    (PostgreSQL): receives the batch's last writes, which return nothing, as (statement, values
    [, columns]) instead of running them; the caller must send them before it commits (a drain
    sends them with its closing statement, `inbox.channels.pipelined.together`)."""
    with uow.session.no_autoflush:
        return _ingest(uow, inbox, account, messages, stored, later)


def _ingest(
    uow: UnitOfWork,
    inbox: Inbox,
    account: AccountFacts,
    messages: Sequence[InboundMessage],
    stored: Collection[str] | None,
    later: list[Any] | None = None,
) -> IngestResult:
    s = uow.session
    now = inbox.clock()
    fresh = reads.fresh(s, account.id, messages, stored)
    if not fresh:
        return IngestResult(0, len(messages))
    created: dict[int, dict[str, Any]] = {}
    idents = upsert_identities(s, [(m.channel, m.author) for m in fresh], now, created)
    authors = [idents[(m.channel, m.author.external_id)] for m in fresh]
    convs, labels = reads.conversations(s, account, fresh, authors, now)
    loaded = {c.id: working.writable_values(c) for c in convs.values() if c.id is not None}
    customer_ids = {i.customer_id for i in authors}
    d = dialect_of(s)
    q = reads.queries(d)
    customers, contacts, open_counts, last_csat = reads.customer_facts(
        s, customer_ids, created, convs.values()
    )

    scores, cues = score_all(fresh)
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
                "created_at": working.aware(m.created_at),
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
        working.absorb(conv, [rows[i] for i in idxs], customer, now)
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
        ranking.store_ranked(conv, priority, now, outcome.priority_floor, outcome.runs)
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
    working.insert_new(s, [w.conv for w in work if w.created])
    for w in work:
        for i in w.idxs:
            rows[i]["conversation_id"] = w.conv.id
    ids = insert_with_ids(s, reads.MSG, rows)
    if any(m.attachments for m in fresh):
        attachments.record(s, inbox, fresh, rows, now)
    run_rows: list[dict[str, Any]] = []
    label_rows: list[dict[str, Any]] = []
    changed: list[working.WorkingConversation] = []
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
        working.save_labels(s, conv.id, w.labels_before, w.labels, label_rows)
        announce(
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
    # The last writes return nothing the batch needs: a caller that sends its own closing
    # statement next (a scaled drain) takes them in `later`, to send with it in one round trip.
    defer = later is not None and d == "postgresql"
    if changed:
        if defer:
            rows_by_id = [
                dict(zip(working.WRITE_KEYS, working.writable_values(c), strict=True)) for c in changed
            ]
            later.append((_CONV_BY_ID, rows_by_id, working.WRITABLE))  # type: ignore[union-attr]
        else:
            working.update_changed(s, changed, loaded)
    if router is not None:
        assigned = {c.assignee_id for c in convs.values() if c.assignee_id}
        if assigned:
            _write(
                s, later if defer else None, q.agents_assigned, {"ids": list_param(d, assigned), "now": now}
            )
    seen = customer_ids - created.keys()  # a customer created here was inserted as seen now
    if seen:
        _write(s, later if defer else None, q.customers_seen, {"ids": list_param(d, seen), "now": now})
    return IngestResult(
        len(fresh), len(messages) - len(fresh), tuple(ids), tuple(c.id for c in convs.values())
    )


_CONV_BY_ID = working.CONV.update().where(working.CONV.c.id == bindparam("_id"))


def _write(s: Any, later: list[Any] | None, statement: Any, values: dict[str, Any]) -> None:
    """Run a statement that returns nothing, or leave it in `later` for the caller to send."""
    if later is None:
        s.connection().execute(statement, values)
    else:
        later.append((statement, values))


@dataclass(slots=True)
class _Step:
    """One conversation's share of the batch, carried from deciding to writing and announcing."""

    conv: working.WorkingConversation
    customer: Any
    labels: set[str]
    labels_before: set[str]
    assignee_before: int | None
    idxs: list[int]
    created: bool
    outcome: automation.Outcome = field(default_factory=automation.Outcome)


def _merge(total: automation.Outcome, step: automation.Outcome) -> None:
    if step.priority_floor is not None:
        total.priority_floor = max(total.priority_floor or 0.0, step.priority_floor)
    total.escalated += step.escalated
    total.notifications += step.notifications
    total.canned_replies += step.canned_replies
    total.runs += step.runs
