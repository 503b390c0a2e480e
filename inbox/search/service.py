"""Full-text search over messages and customers, limited to what the agent may see.

Every term of the query must occur, case-insensitively, as a substring of the text (or, for
customers, of the name, email or any identity's handle, display name, email or phone): what
Chinese, Japanese and Thai need, since they do not separate words with spaces; it also finds
"refund" in "refunds" and "#1234" in "order #12345". `inbox.search.match` builds the clauses and
says which index answers which term.

Conversations come newest match first, `limit` at a time, with a keyset cursor for the next
page (`more_before`: the id of the last shown match), never OFFSET. "Newest" is by arrival in
Murmur (the message id), not the network's created_at: SQLite's FTS5 tables hand their rowids
over in that order and stop after a chunk, so a page reads about as many matches as it shows
however common the word (a backfilled old message ranks as new). Each conversation is shown at
its newest match; one shown on an earlier page (a match at or after the cursor) is left out of
later ones. Results are ordered by arrival, not by a relevance score, so both backends answer
identically and an agent sees recent conversations first.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select, text, union
from sqlalchemy.orm import Session

from inbox.admin.agents import load_agent
from inbox.conversations.serialize import conversation_dict, customer_dict, identity_dict, iso
from inbox.conversations.service import _labels
from inbox.search.filenames import file_named
from inbox.search.match import (
    CUSTOMERS,
    IDENTITIES,
    MAX_QUERY,
    MAX_TERMS,
    MESSAGES,
    TRIGRAM,
    contains,
    contains_all,
    driving_ids,
    matches,
    parse_terms,
)
from inbox.store.access import customer_visible_clause, visible_clause
from inbox.store.context import Inbox
from inbox.store.errors import Invalid, NotFound
from inbox.store.models import Agent, Attachment, Conversation, Customer, Identity, Message

__all__ = ["MAX_LIMIT", "MAX_QUERY", "MAX_TERMS", "parse_terms", "search", "snippet"]

MAX_LIMIT = 50
SNIPPET_WIDTH = 160
FIRST_CHUNK = 64  # matching messages read per round; doubled each round a page is still short
MAX_CHUNK = 4096


def snippet(body: str, terms: list[str], width: int = SNIPPET_WIDTH) -> list[dict[str, Any]]:
    """The part of `body` around the first match, as segments [{"text", "match"}].

    Segments rather than HTML or offsets: the page renders them as text nodes (nothing to
    sanitize) and JavaScript's UTF-16 indices never disagree with Python's.
    """
    if not body:
        return []
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(body)
    start = 0 if first is None else max(0, first.start() - width // 3)
    end = min(len(body), start + width)
    if start > 0:  # do not cut a word in half when there are spaces to break at
        space = body.find(" ", start, first.start() if first else end)
        start = space + 1 if space != -1 else start
    window = body[start:end]
    out: list[dict[str, Any]] = []
    if start > 0:
        out.append({"text": "…", "match": False})
    pos = 0
    for m in pattern.finditer(window):
        if m.start() > pos:
            out.append({"text": window[pos : m.start()], "match": False})
        out.append({"text": m.group(0), "match": True})
        pos = m.end()
    if pos < len(window):
        out.append({"text": window[pos:], "match": False})
    if end < len(body):
        out.append({"text": "…", "match": False})
    return out


def search(
    inbox: Inbox, agent_id: int, q: str | None, limit: int = 20, before: int | None = None
) -> dict[str, Any]:
    """Conversations whose messages match (newest match first, with a snippet) and matching
    customers; `before` (a page's `more_before`) asks for the next page of conversations.

    Only conversations the agent may see are searched, and only customers they may see are
    returned; customers merged into another are left out (the survivor is found instead).
    Customers come with the first page only.
    """
    terms = parse_terms(q)
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", "limit")
    dialect = inbox.dialect
    with inbox.read() as s:
        agent = load_agent(s, agent_id)
        if agent is None:
            raise NotFound("agent not found")
        if dialect == "postgresql":
            # A page stops after a few hundred rows: starting parallel workers cost more than
            # the whole walk (退款 on the 1M bench database: 316 ms with a Gather Merge, 36 serial).
            s.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        if before is not None and s.get(Message, before) is None:
            # a well-formed cursor that names no message: nothing to page from (as an unknown path id)
            raise NotFound("before names no message: send the more_before of an earlier page", "before")
        conversations, more = _conversations(s, dialect, agent, terms, limit, before)
        return {
            "query": " ".join(terms),
            "terms": terms,
            "conversations": conversations,
            "more_before": more,
            "customers": _customers(s, dialect, agent, terms, limit) if before is None else [],
        }


def _conversations(
    s: Session, dialect: str, agent: Agent, terms: list[str], limit: int, before: int | None
) -> tuple[list[dict[str, Any]], int | None]:
    """One page: the newest match of each of up to `limit` conversations, and the next cursor."""
    picked: dict[int, int] = {}  # conversation id -> its newest match on this page
    seen: set[int] = set()
    below = before
    chunk = FIRST_CHUNK
    while len(picked) <= limit:
        rows, below, exhausted = _matching(s, dialect, agent, terms, below, chunk)
        fresh = {}
        for mid, cid in rows:
            if cid not in seen:
                seen.add(cid)
                fresh[cid] = mid
        if before is not None and fresh:
            for cid in _shown_before(s, dialect, terms, list(fresh), before):
                del fresh[cid]
        for cid, mid in fresh.items():
            if len(picked) > limit:
                break
            picked[cid] = mid
        if exhausted:
            break
        chunk = min(chunk * 2, MAX_CHUNK)
    if before is None:
        picked = _with_named_files(s, dialect, agent, terms, picked, limit)
    page = list(picked.items())[:limit]
    more = page[-1][1] if len(picked) > limit else None
    return _hits_out(s, dialect, terms, page), more


def _with_named_files(
    s: Session, dialect: str, agent: Agent, terms: list[str], picked: dict[int, int], limit: int
) -> dict[int, int]:
    """The first page also lists conversations whose attachments' file names hold every term
    (attachments are few beside messages, so they are matched apart from the text indexes),
    merged into the text matches newest message first."""
    named = s.execute(
        select(Message.id, Message.conversation_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(visible_clause(agent), file_named(dialect, terms))
        .order_by(Message.id.desc())
        .limit(limit + 1)
    ).all()
    if not named:
        return picked
    merged = dict(picked)
    for mid, cid in named:
        merged.setdefault(cid, mid)
    return dict(sorted(merged.items(), key=lambda item: -item[1]))


def _matching(
    s: Session, dialect: str, agent: Agent, terms: list[str], below: int | None, chunk: int
) -> tuple[list[tuple[int, int]], int | None, bool]:
    """The next visible matching messages older than `below`, newest first, as (id, conversation
    id); the position to go on from; and whether the index has nothing older.

    PostgreSQL gets one statement and its planner picks the index (the id order for a common
    term, the trigram or gram index and a small sort for a rare one). On SQLite the driving
    FTS5 table is asked for its next `chunk` rowids in descending order (FTS5 walks its lists
    backwards and stops there), and only those rows are read and checked; before, every hit of
    a common word was read and sorted (~150,000 rows for "refund" on a million messages).
    """
    visible = (
        select(Message.id, Message.conversation_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(visible_clause(agent))
        .order_by(Message.id.desc())
    )
    if dialect != "sqlite":
        q = visible.where(matches(dialect, MESSAGES, terms, "mq"))
        q = q if below is None else q.where(Message.id < below)
        rows = [(mid, cid) for mid, cid in s.execute(q.limit(chunk))]
        return rows, (rows[-1][0] if rows else below), len(rows) < chunk
    ids = driving_ids(s, terms, below, chunk)
    if ids is None:  # Latin terms of one or two characters only: no index, read back by id
        q = visible.where(contains_all(dialect, MESSAGES, terms))
        q = q if below is None else q.where(Message.id < below)
        rows = [(mid, cid) for mid, cid in s.execute(q.limit(chunk))]
        return rows, (rows[-1][0] if rows else below), len(rows) < chunk
    if not ids:
        return [], below, True
    short = [t for t in terms if len(t) < TRIGRAM]  # the driving FTS5 query checked the long ones
    q = visible.where(Message.id.in_(ids), *(contains(dialect, MESSAGES, t) for t in short))
    rows = [(mid, cid) for mid, cid in s.execute(q)]
    return rows, min(ids), len(ids) < chunk


def _shown_before(s: Session, dialect: str, terms: list[str], ids: list[int], before: int) -> set[int]:
    """Those of `ids` with a match at or after the cursor message (an earlier page showed
    them); read through the conversation index, checked by LIKE."""
    return set(
        s.scalars(
            select(Message.conversation_id)
            .where(
                Message.conversation_id.in_(ids), Message.id >= before, contains_all(dialect, MESSAGES, terms)
            )
            .distinct()
        )
    )


def _hits_out(
    s: Session, dialect: str, terms: list[str], page: list[tuple[int, int]]
) -> list[dict[str, Any]]:
    if not page:
        return []
    conv_ids = [cid for cid, _ in page]
    hits = dict(
        s.execute(
            select(Message.conversation_id, func.count())
            .where(Message.conversation_id.in_(conv_ids), contains_all(dialect, MESSAGES, terms))
            .group_by(Message.conversation_id)
        ).all()
    )
    found = s.execute(
        select(Message, Conversation, Customer)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Customer, Customer.id == Conversation.customer_id)
        .where(Message.id.in_([mid for _, mid in page]))
    ).all()
    by_id = {m.id: (m, c, cust) for m, c, cust in found}
    labels = _labels(s, conv_ids)
    names = _file_names(s, [mid for _, mid in page])
    out = []
    for cid, mid in page:
        msg, conv, cust = by_id[mid]
        found_in = snippet(msg.text, terms)
        if not any(seg["match"] for seg in found_in) and names.get(mid):
            found_in = snippet("📎 " + ", ".join(names[mid]), terms)  # matched by a file's name
        out.append(
            {
                "conversation": conversation_dict(conv, cust, labels.get(conv.id, [])),
                "message": {
                    "id": msg.id,
                    "direction": msg.direction,
                    "public": msg.public,
                    "created_at": iso(msg.created_at),
                    "snippet": found_in,
                },
                "hits": hits.get(cid, 1),
            }
        )
    return out


def _file_names(s: Session, message_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for mid, name in s.execute(
        select(Attachment.message_id, Attachment.name)
        .where(Attachment.message_id.in_(message_ids))
        .order_by(Attachment.id)
    ):
        out.setdefault(mid, []).append(name)
    return out


def _customers(s: Session, dialect: str, agent: Agent, terms: list[str], limit: int) -> list[dict[str, Any]]:
    """Customers matching every term in their record or any identity: each term's candidates
    are the union of two index lookups (customers, identities), so no customer row is read
    unless a term found it."""
    q = select(Customer).where(Customer.merged_into_id.is_(None), customer_visible_clause(agent))
    for i, term in enumerate(terms):  # a term may match the customer record or any of its identities
        by_record = select(Customer.id).where(matches(dialect, CUSTOMERS, [term], f"cq{i}"))
        by_identity = select(Identity.customer_id).where(matches(dialect, IDENTITIES, [term], f"iq{i}"))
        q = q.where(Customer.id.in_(union(by_record, by_identity).subquery().select()))
    if dialect == "postgresql":
        # The planner prices ILIKE like any operator and so reads all customers and identities
        # (tens of thousands) rather than the trigram and gram indexes, though lower-casing each
        # UTF-8 value makes that scan ~10x slower than the lookups (measured on the 1M-message
        # bench database). For this statement only (the last of the read transaction) it is told
        # to prefer the indexes; a short Latin term, which no index serves, still scans.
        s.execute(text("SET LOCAL enable_seqscan = off"))
    custs = list(
        s.scalars(q.order_by(Customer.last_seen_at.desc().nulls_last(), Customer.id.desc()).limit(limit))
    )
    idents: dict[int, list[dict[str, Any]]] = {}
    if custs:
        for ident in s.scalars(
            select(Identity).where(Identity.customer_id.in_([c.id for c in custs])).order_by(Identity.id)
        ):
            idents.setdefault(ident.customer_id, []).append(identity_dict(ident))
    return [{**customer_dict(c), "identities": idents.get(c.id, [])} for c in custs]
