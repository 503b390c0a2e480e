"""Full-text search over messages and customers, limited to what the agent may see.

Matching is the same on both backends: every term of the query must occur, case-insensitively,
as a substring of the text (or, for customers, of the name, email or any identity's handle,
display name, email or phone). Substring matching is what Chinese, Japanese and Thai need, since
they do not separate words with spaces; it also finds "refund" in "refunds" and "#1234" in "order
#12345". Both backends answer it from a trigram index built by migration 0004:

* SQLite (embedded): FTS5 external-content tables with the 'trigram' tokenizer, exact at every
  commit: triggers note changed rows and `inbox.search.index` indexes them in bulk just before
  the commit (migration 0005). Each term is sent as a quoted FTS5 string, so operators typed by the user (AND, NOT,
  NEAR, `*`, `:`, `^`, parentheses, quotes) are searched for literally and never parsed.
* PostgreSQL (scaled): pg_trgm GIN indexes on the columns; ILIKE with escaped wildcards uses them.

A trigram index cannot look up a term shorter than three characters (two-character Chinese words
are common), so such terms are matched with LIKE/ILIKE on the rows the longer terms selected or,
when every term is short, by a scan. Results are newest first rather than by a relevance score,
so both backends answer identically and an agent sees recent conversations first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select, text, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from inbox.admin.agents import load_agent
from inbox.conversations.serialize import conversation_dict, customer_dict, identity_dict, iso
from inbox.conversations.service import _labels
from inbox.store.access import customer_visible_clause, visible_clause
from inbox.store.context import Inbox
from inbox.store.errors import Invalid, NotFound
from inbox.store.models import Agent, Attachment, Conversation, Customer, Identity, Message

MAX_QUERY = 200
MAX_TERMS = 8
MAX_LIMIT = 50
TRIGRAM = 3  # shortest term a trigram index can look up
SNIPPET_WIDTH = 160


@dataclass(frozen=True)
class _Indexed:
    table: str
    id_col: InstrumentedAttribute[int]
    cols: tuple[InstrumentedAttribute[Any], ...]


MESSAGES = _Indexed("messages", Message.id, (Message.text,))
CUSTOMERS = _Indexed("customers", Customer.id, (Customer.name, Customer.email))
IDENTITIES = _Indexed(
    "identities", Identity.id, (Identity.handle, Identity.display_name, Identity.email, Identity.phone)
)


def parse_terms(q: str | None) -> list[str]:
    """Split the query on whitespace into at most MAX_TERMS distinct terms (case-insensitively)."""
    q = (q or "").strip()
    if not q:
        raise Invalid("q must not be empty", "q")
    if len(q) > MAX_QUERY:
        raise Invalid(f"q must be at most {MAX_QUERY} characters", "q")
    seen: dict[str, str] = {}
    for term in q.split():
        seen.setdefault(term.casefold(), term)
    return list(seen.values())[:MAX_TERMS]


def fts5_string(term: str) -> str:
    """A term as an FTS5 string literal: inside double quotes nothing is an operator."""
    return '"' + term.replace('"', '""') + '"'


def like_pattern(term: str) -> str:
    """A LIKE pattern finding `term` anywhere, with the user's % and _ taken literally."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _match(dialect: str, idx: _Indexed, terms: list[str], tag: str) -> ColumnElement[bool]:
    """Rows of `idx` in which every term occurs in one of its indexed columns."""
    clauses: list[ColumnElement[bool]] = []
    long_terms = [t for t in terms if len(t) >= TRIGRAM]
    if dialect == "sqlite" and long_terms:
        fts = f"{idx.table}_fts"
        query = " ".join(fts5_string(t) for t in long_terms)  # juxtaposed strings: all must occur
        hits = (
            select(literal_column("rowid"))
            .select_from(text(fts))
            .where(text(f"{fts} MATCH :{tag}").bindparams(**{tag: query}))
        )
        clauses.append(idx.id_col.in_(hits))
        terms = [t for t in terms if len(t) < TRIGRAM]
    for term in terms:
        pattern = like_pattern(term)
        if dialect == "postgresql":
            clauses.append(or_(*(col.ilike(pattern, escape="\\") for col in idx.cols)))
        else:
            clauses.append(or_(*(col.like(pattern, escape="\\") for col in idx.cols)))
    return and_(*clauses) if clauses else true()


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


def search(inbox: Inbox, agent_id: int, q: str | None, limit: int = 20) -> dict[str, Any]:
    """Conversations whose messages match (newest match first, with a snippet) and matching customers.

    Only conversations the agent may see are searched, and only customers they may see are
    returned; customers merged into another are left out (the survivor is found instead).
    """
    terms = parse_terms(q)
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", "limit")
    dialect = inbox.dialect
    with inbox.read() as s:
        agent = load_agent(s, agent_id)
        if agent is None:
            raise NotFound("agent not found")
        return {
            "query": " ".join(terms),
            "terms": terms,
            "conversations": _conversations(s, dialect, agent, terms, limit),
            "customers": _customers(s, dialect, agent, terms, limit),
        }


def _conversations(
    s: Session, dialect: str, agent: Agent, terms: list[str], limit: int
) -> list[dict[str, Any]]:
    ranked = (
        select(
            Message.id.label("message_id"),
            Message.conversation_id.label("conversation_id"),
            Message.created_at.label("created_at"),
            func.row_number()
            .over(
                partition_by=Message.conversation_id, order_by=(Message.created_at.desc(), Message.id.desc())
            )
            .label("rn"),
            func.count().over(partition_by=Message.conversation_id).label("hits"),
        )
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            visible_clause(agent), or_(_match(dialect, MESSAGES, terms, "mq"), _file_named(dialect, terms))
        )
        .subquery()
    )
    rows = s.execute(
        select(ranked.c.message_id, ranked.c.hits)
        .where(ranked.c.rn == 1)
        .order_by(ranked.c.created_at.desc(), ranked.c.message_id.desc())
        .limit(limit)
    ).all()
    if not rows:
        return []
    hits = {mid: n for mid, n in rows}
    found = s.execute(
        select(Message, Conversation, Customer)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Customer, Customer.id == Conversation.customer_id)
        .where(Message.id.in_(hits))
    ).all()
    by_id = {m.id: (m, c, cust) for m, c, cust in found}
    labels = _labels(s, [c.id for _, c, _ in found])
    names = _file_names(s, list(hits))
    out = []
    for mid, _ in rows:
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
                "hits": hits[mid],
            }
        )
    return out


def _file_named(dialect: str, terms: list[str]) -> ColumnElement[bool]:
    """Messages with an attachment whose file name holds every term (attachments are far fewer
    than messages, so their names are matched by LIKE without a trigram index)."""
    patterns = [like_pattern(t) for t in terms]
    if dialect == "postgresql":
        named = [Attachment.name.ilike(p, escape="\\") for p in patterns]
    else:
        named = [Attachment.name.like(p, escape="\\") for p in patterns]
    return Message.id.in_(select(Attachment.message_id).where(Attachment.message_id.is_not(None), *named))


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
    clauses = []
    for i, term in enumerate(terms):  # a term may match the customer record or any of its identities
        by_identity = select(Identity.customer_id).where(_match(dialect, IDENTITIES, [term], f"iq{i}"))
        clauses.append(or_(_match(dialect, CUSTOMERS, [term], f"cq{i}"), Customer.id.in_(by_identity)))
    custs = list(
        s.scalars(
            select(Customer)
            .where(Customer.merged_into_id.is_(None), customer_visible_clause(agent), *clauses)
            .order_by(Customer.last_seen_at.desc().nulls_last(), Customer.id.desc())
            .limit(limit)
        )
    )
    idents: dict[int, list[dict[str, Any]]] = {}
    if custs:
        for ident in s.scalars(
            select(Identity).where(Identity.customer_id.in_([c.id for c in custs])).order_by(Identity.id)
        ):
            idents.setdefault(ident.customer_id, []).append(identity_dict(ident))
    return [{**customer_dict(c), "identities": idents.get(c.id, [])} for c in custs]
