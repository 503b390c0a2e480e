"""Full-text search over messages and customers, limited to what the agent may see.

Every term of the query must occur, case-insensitively, as a substring of the text (or, for
customers, of the name, email or any identity's handle, display name, email or phone): what
Chinese, Japanese and Thai need, since they do not separate words with spaces; it also finds
"refund" in "refunds" and "#1234" in "order #12345". `inbox.search.match` builds the clauses and
says which index answers which term.

Conversations come newest match first, `limit` at a time, with a keyset cursor for the next
page (`more_before`: the id of the last shown match, whose (created_at, id) is the keyset), never
OFFSET. "Newest" is by the message's time (created_at), so a backfilled old message ranks by when
it was written, as in the conversation view; `_match_clauses` says how each backend finds the
matches in that order while reading about as many rows as a page shows. Each conversation is
shown at its newest match; one shown on an earlier page (a match at or after the cursor) is
left out of later ones. Results are ordered by time, not by a relevance score, so both backends
answer identically and an agent sees recent conversations first.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, literal_column, or_, select, text, union
from sqlalchemy.orm import Session

from inbox.admin.principals import principal
from inbox.conversations.listing import ROW_COLUMNS
from inbox.conversations.serialize import conversation_row_dict, customer_dict, identity_dict, iso
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
    driving_query,
    fts_rowids,
    matches,
    parse_terms,
    short_gram_hits,
)
from inbox.store.access import Viewer, customer_visible_clause, sees_everything, visible_clause
from inbox.store.context import Inbox
from inbox.store.errors import N_, Invalid, NotFound
from inbox.store.models import Attachment, Conversation, Customer, Identity, Message
from inbox.store.sql import in_list, list_param

__all__ = ["MAX_LIMIT", "MAX_QUERY", "MAX_TERMS", "parse_terms", "search", "snippet"]

MAX_LIMIT = 50
SNIPPET_WIDTH = 160
FIRST_CHUNK = 64  # matching messages read per round; doubled each round a page is still short
MAX_CHUNK = 4096
RARE_MIN = 500  # a query with at most this many index hits is answered from all of them
_UNINDEXED_AT = literal_column("+messages.created_at", Message.created_at.type)
# what a hit shows of its message, beside its conversation's list row (`listing.ROW_COLUMNS`)
_HIT = (
    Message.id.label("hit_id"),
    Message.text.label("hit_text"),
    Message.direction.label("hit_direction"),
    Message.public.label("hit_public"),
    Message.created_at.label("hit_created_at"),
)
_UNINDEXED_CONVERSATION = literal_column("+messages.conversation_id", Message.conversation_id.type)


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
        raise Invalid(N_("limit must be between 1 and %(max_limit)s"), "limit", max_limit=MAX_LIMIT)
    dialect = inbox.dialect
    with inbox.read() as s:
        agent = principal(s, agent_id)
        if agent is None:
            raise NotFound(N_("agent not found"))
        if dialect == "postgresql":
            # A page stops after a few hundred rows: starting parallel workers cost more than
            # the whole walk (退款 on the 1M bench database: 316 ms with a Gather Merge, 36 serial).
            s.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        cursor = None
        if before is not None:
            at = s.scalar(select(Message.created_at).where(Message.id == before))
            if at is None:
                # a well-formed cursor that names no message: nothing to page from (as an unknown path id)
                raise NotFound(
                    N_("before names no message: send the more_before of an earlier page"), "before"
                )
            cursor = (at, before)
        conversations, more = _conversations(s, dialect, agent, terms, limit, cursor)
        return {
            "query": " ".join(terms),
            "terms": terms,
            "conversations": conversations,
            "more_before": more,
            "customers": _customers(s, dialect, agent, terms, limit) if before is None else [],
        }


Cursor = tuple[datetime, int]  # a message's (created_at, id): the walk goes strictly below it


def _conversations(
    s: Session, dialect: str, agent: Viewer, terms: list[str], limit: int, before: Cursor | None
) -> tuple[list[dict[str, Any]], int | None]:
    """One page: the newest match of each of up to `limit` conversations, and the next cursor."""
    picked: dict[int, Cursor] = {}  # conversation id -> its newest match on this page
    seen: set[int] = set()
    below = before
    chunk = FIRST_CHUNK
    found = _match_clauses(s, dialect, terms)
    while len(picked) <= limit:
        rows, below, exhausted = _matching(s, agent, found, below, chunk)
        fresh: dict[int, Cursor] = {}
        for mid, cid, at in rows:
            if cid not in seen:
                seen.add(cid)
                fresh[cid] = (at, mid)
        if before is not None and fresh:
            for cid in _shown_before(s, dialect, terms, list(fresh), before):
                del fresh[cid]
        for cid, at_id in fresh.items():
            if len(picked) > limit:
                break
            picked[cid] = at_id
        if exhausted:
            break
        chunk = min(chunk * 2, MAX_CHUNK)
    if before is None:
        picked = _with_named_files(s, dialect, agent, terms, picked, limit)
    page = [(cid, mid) for cid, (_, mid) in list(picked.items())[:limit]]
    more = page[-1][1] if len(picked) > limit else None
    return _hits_out(s, dialect, terms, page), more


def _newest_first(q: Select[Any], below: Cursor | None, time: Any = Message.created_at) -> Select[Any]:
    """`q` newest message first by (created_at, id), strictly below the cursor; `time` is
    `_UNINDEXED_AT` when the rows are few and found another way (sorted, not walked)."""
    if below is not None:
        at, mid = below
        q = q.where(time <= at, or_(time < at, Message.id < mid))
    return q.order_by(time.desc(), Message.id.desc())


def _with_named_files(
    s: Session, dialect: str, agent: Viewer, terms: list[str], picked: dict[int, Cursor], limit: int
) -> dict[int, Cursor]:
    """The first page also lists conversations whose attachments' file names hold every term
    (attachments are few beside messages, so they are matched apart from the text indexes),
    merged into the text matches newest message first."""
    named = s.execute(
        _newest_first(
            select(Message.id, Message.conversation_id, Message.created_at)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(visible_clause(agent), file_named(dialect, terms)),
            None,
        ).limit(limit + 1)
    ).all()
    if not named:
        return picked
    merged = dict(picked)
    for mid, cid, at in named:
        merged.setdefault(cid, (at, mid))
    return dict(sorted(merged.items(), key=lambda item: item[1], reverse=True))


@dataclass
class Found:
    """How a page finds matching messages: WHERE clauses and their bound values; `few` when
    they select few rows another way than by time (then read once, sorted, kept in `rows`)."""

    clauses: list[Any]
    params: dict[str, Any] = field(default_factory=dict)
    few: bool = False
    rows: list[tuple[int, int, datetime]] | None = None


def _match_clauses(s: Session, dialect: str, terms: list[str]) -> Found:
    """The WHERE clauses (and their bound values) of the messages holding every term, chosen
    once per page so that walking them newest first by time reads few rows:

    * PostgreSQL: one clause per term through its trigram or gram index; the planner picks the
      time index for a common term or the text index and a small sort for a rare one. Short
      Chinese/Thai terms only: the planner's estimate, then a LIMITed probe of their gram index,
      tell rare from common; a rare one is read by id and sorted, a common one walks the time
      index (`short_gram_hits`).
    * SQLite, a rare query (at most `rare_limit` rows in the driving FTS5 table): exactly those
      rows, by id, read once and sorted by time.
    * SQLite, a common one: the time index walked newest first and each message checked by
      LIKE, which fills a page within a few thousand messages. (Checking each by an FTS5 rowid
      lookup instead cost ~12 ms a message: FTS5 reads the terms' whole lists for it.)
    * Short terms of no indexed character only ("%"): no index serves them; the time index is
      walked and every message checked by LIKE (a rare one reads far).
    """
    if dialect != "sqlite":
        rare = rare_limit(s)
        hits = short_gram_hits(s, MESSAGES, terms, rare)
        if hits is None:
            return Found([matches(dialect, MESSAGES, terms, "mq")])
        checks = [contains(dialect, MESSAGES, t) for t in terms]
        if hits is True:  # common: walk the time index newest first
            return Found(checks)
        return Found(
            [in_list(dialect, Message.id, "hits"), *checks], {"hits": list_param(dialect, hits)}, True
        )
    driving = driving_query(terms)
    if driving is None:
        return Found([contains_all(dialect, MESSAGES, terms)])
    fts, query = driving
    # the driving FTS5 query checked the long terms exactly; the short ones are checked by LIKE
    checks = [contains(dialect, MESSAGES, t) for t in terms if len(t) < TRIGRAM]
    rare = rare_limit(s)
    hits = fts_rowids(s, fts, query, rare + 1)
    if len(hits) <= rare:
        return Found(
            [in_list(dialect, Message.id, "hits"), *checks], {"hits": list_param(dialect, hits)}, True
        )
    return Found([contains_all(dialect, MESSAGES, terms)])


def rare_limit(s: Session) -> int:
    """How many hits SQLite still reads and sorts rather than walk the time index: sorting costs
    about one row lookup per hit, walking about `page / density` lookups with density = hits /
    messages, so they break even near hits = sqrt(page x messages); measured on the bench
    database (100,000 messages, loaded machine): 7,122 hits sorted 1 s, walked 58 ms. The
    newest id stands for the number of messages (one index lookup)."""
    newest = s.scalar(select(func.max(Message.id))) or 0
    return max(RARE_MIN, int(3.5 * math.sqrt(newest)))


def _matching(
    s: Session, agent: Viewer, found: Found, below: Cursor | None, chunk: int
) -> tuple[list[tuple[int, int, datetime]], Cursor | None, bool]:
    """The next `chunk` visible matching messages below the cursor, newest first by time, as
    (id, conversation id, created_at); the position to go on from; and whether none is left."""
    q = select(Message.id, Message.conversation_id, Message.created_at).where(*found.clauses)
    if not sees_everything(agent):
        # a set of visible conversations checked per message (`+`: not looked up through the
        # conversation index): otherwise SQLite starts from the agent's conversations and sorts
        # all their messages, rather than walk the time index and stop after a page
        q = q.where(_UNINDEXED_CONVERSATION.in_(select(Conversation.id).where(visible_clause(agent))))
    if found.few:
        if found.rows is None:  # `+created_at`: sort these few rows, do not walk the time index
            # (SQLite's notation; PostgreSQL has no unary + for a time, and reads ids by key anyway)
            at = _UNINDEXED_AT if s.get_bind().dialect.name == "sqlite" else Message.created_at
            found.rows = [(m, c, t) for m, c, t in s.execute(_newest_first(q, None, at), found.params)]
        rows = [r for r in found.rows if below is None or (r[2], r[0]) < below][:chunk]
    else:
        page = _newest_first(q, below).limit(chunk)
        rows = [(mid, cid, at) for mid, cid, at in s.execute(page, found.params)]
    return rows, ((rows[-1][2], rows[-1][0]) if rows else below), len(rows) < chunk


def _shown_before(s: Session, dialect: str, terms: list[str], ids: list[int], before: Cursor) -> set[int]:
    """Those of `ids` with a match at or after the cursor message by (created_at, id) (an
    earlier page showed them); read through the conversation index, checked by LIKE."""
    at, mid = before
    return set(
        s.scalars(
            select(Message.conversation_id)
            .where(
                Message.conversation_id.in_(ids),
                Message.created_at >= at,
                or_(Message.created_at > at, Message.id >= mid),
                contains_all(dialect, MESSAGES, terms),
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
    found = s.connection().execute(
        select(*ROW_COLUMNS, *_HIT)
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Customer, Customer.id == Conversation.customer_id)
        .where(Message.id.in_([mid for _, mid in page]))
    )
    by_id = {row.hit_id: row for row in found}  # plain rows: no ORM identities for 20 hits
    labels = _labels(s, conv_ids)
    names = _file_names(s, [mid for _, mid in page])
    out = []
    for cid, mid in page:
        row = by_id[mid]
        found_in = snippet(row.hit_text, terms)
        if not any(seg["match"] for seg in found_in) and names.get(mid):
            found_in = snippet("📎 " + ", ".join(names[mid]), terms)  # matched by a file's name
        out.append(
            {
                "conversation": conversation_row_dict(row, labels.get(cid, []), row.priority),
                "message": {
                    "id": mid,
                    "direction": row.hit_direction,
                    "public": row.hit_public,
                    "created_at": iso(row.hit_created_at),
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


def _customers(s: Session, dialect: str, agent: Viewer, terms: list[str], limit: int) -> list[dict[str, Any]]:
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
        # to prefer the indexes; a short term of neither Latin letters nor digits nor
        # Chinese/Thai ("%"), which no index serves, still scans.
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
