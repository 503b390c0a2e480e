"""The WHERE clauses of search: which rows contain every term, answered from an index.

Matching is the same on both backends: every term must occur, case-insensitively, as a
substring of one of the indexed columns. Each term is looked up in the index that can serve it,
and the candidates are checked against the text itself, so results are exact:

* three characters or more: the trigram index (SQLite FTS5 'trigram' tables, migration 0004;
  PostgreSQL pg_trgm GIN indexes, which ILIKE uses);
* one or two characters of Chinese, Thai and other scripts written without spaces: the gram
  index (migration 0009, `inbox.search.grams`), checked with LIKE/ILIKE;
* one or two Latin letters or digits ("ok", "7"): the Latin gram keys (migration
  0012_hotreads: SQLite's same gram tables, PostgreSQL's `murmur_latin_grams` indexes), checked
  with LIKE/ILIKE;
* a short term of neither ("%", "é"): no index; LIKE over the rows the other terms selected,
  or over every row when there are no others.

User input is never query syntax: FTS5 terms go in double quotes, tsquery lexemes in single
quotes (and only ever hold characters of those scripts), LIKE wildcards are escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, cast, func, literal_column, or_, select, text, true
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import InstrumentedAttribute, Session

from inbox.search.grams import GramKey, gram_key
from inbox.store.errors import N_, Invalid
from inbox.store.models import Customer, Identity, Message

MAX_QUERY = 200
MAX_TERMS = 8
TRIGRAM = 3  # shortest term a trigram index can look up


@dataclass(frozen=True)
class Indexed:
    """A searched table: its id and the text columns its indexes cover (migrations 0004, 0009)."""

    table: str
    id_col: InstrumentedAttribute[int]
    cols: tuple[InstrumentedAttribute[Any], ...]


MESSAGES = Indexed("messages", Message.id, (Message.text,))
CUSTOMERS = Indexed("customers", Customer.id, (Customer.name, Customer.email))
IDENTITIES = Indexed(
    "identities", Identity.id, (Identity.handle, Identity.display_name, Identity.email, Identity.phone)
)


def parse_terms(q: str | None) -> list[str]:
    """Split the query on whitespace into at most MAX_TERMS distinct terms (case-insensitively)."""
    q = (q or "").strip()
    if not q:
        raise Invalid(N_("q must not be empty"), "q")
    if len(q) > MAX_QUERY:
        raise Invalid(N_("q must be at most %(max_query)s characters"), "q", max_query=MAX_QUERY)
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


def contains(dialect: str, idx: Indexed, term: str) -> ColumnElement[bool]:
    """`term` occurs in one of the columns: the exact check, by LIKE (ILIKE on PostgreSQL)."""
    pattern = like_pattern(term)
    if dialect == "postgresql":
        return or_(*(col.ilike(pattern, escape="\\") for col in idx.cols))
    return or_(*(col.like(pattern, escape="\\") for col in idx.cols))


def contains_all(dialect: str, idx: Indexed, terms: list[str]) -> ColumnElement[bool]:
    """Every term occurs: the exact check alone, for rows already narrowed another way (a few
    conversations' messages), where an index lookup would cost more than reading them."""
    return and_(*(contains(dialect, idx, t) for t in terms))


def _fts_hits(idx: Indexed, suffix: str, query: str, tag: str) -> ColumnElement[bool]:
    fts = f"{idx.table}_{suffix}"
    hits = (
        select(literal_column("rowid"))
        .select_from(text(fts))
        .where(text(f"{fts} MATCH :{tag}").bindparams(**{tag: query}))
    )
    return idx.id_col.in_(hits)


def matches(dialect: str, idx: Indexed, terms: list[str], tag: str) -> ColumnElement[bool]:
    """Rows of `idx` in which every term occurs in one of its columns, each term through the
    index that can look it up (see the module's docstring); `tag` keeps bind names apart."""
    clauses: list[ColumnElement[bool]] = []
    long_terms = [t for t in terms if len(t) >= TRIGRAM]
    if dialect == "sqlite" and long_terms:
        # juxtaposed strings: all must occur; FTS5 trigram matching is case-insensitive and exact
        query = " ".join(fts5_string(t) for t in long_terms)
        clauses.append(_fts_hits(idx, "fts", query, tag))
    for i, term in enumerate(terms):
        if len(term) >= TRIGRAM:
            if dialect == "postgresql":
                clauses.append(contains(dialect, idx, term))  # ILIKE: pg_trgm's GIN index
            continue
        key = gram_key(term)
        if key is not None and dialect == "sqlite":
            clauses.append(_fts_hits(idx, "grams", key.fts5(), f"{tag}g{i}"))
        elif key is not None:
            clauses.append(gram_lookup(idx, key, f"{tag}g{i}"))
        clauses.append(contains(dialect, idx, term))  # the exact check (and all that a Latin term has)
    return and_(*clauses) if clauses else true()


def gram_lookup(idx: Indexed, key: GramKey, tag: str) -> ColumnElement[bool]:
    """PostgreSQL: rows whose gram index holds `key` in one of the columns (`murmur_grams` for
    Chinese/Thai keys, `murmur_latin_grams` for Latin ones: the expressions their GIN indexes
    are built on)."""
    lexeme = cast(bindparam(tag, key.tsquery()), TSQUERY)
    grams = func.murmur_latin_grams if key.latin else func.murmur_grams
    return or_(*(grams(col).op("@@")(lexeme) for col in idx.cols))


def driving_query(terms: list[str]) -> tuple[str, str] | None:
    """SQLite: the FTS5 table and query that can look the terms up (the trigram table for all
    long terms at once, else the gram table for the most selective short term), or None when
    none can (short terms of neither Latin letters nor those scripts: "%"). It selects candidates: the caller checks the
    short terms with LIKE."""
    long_terms = [t for t in terms if len(t) >= TRIGRAM]
    if long_terms:
        return "messages_fts", " ".join(fts5_string(t) for t in long_terms)
    keys = sorted(
        (k for t in terms if (k := gram_key(t)) is not None), key=lambda k: (k.prefix, k.latin, -len(k.key))
    )
    return ("messages_grams", keys[0].fts5()) if keys else None


def fts_rowids(s: Session, fts: str, query: str, cap: int) -> list[int]:
    """Up to `cap` rowids the FTS5 table `fts` holds for `query` (FTS5 stops there)."""
    sql = f"SELECT rowid FROM {fts} WHERE {fts} MATCH :q LIMIT :n"
    return list(s.scalars(text(sql), {"q": query, "n": cap}))


def short_gram_hits(s: Session, idx: Indexed, terms: list[str], cap: int) -> list[int] | None | bool:
    """PostgreSQL, a query of short terms only: the ids of the rows whose gram index
    (`murmur_grams`, migration 0009, or `murmur_latin_grams`, 0012_hotreads) holds its most
    selective term when they are at most `cap` (a rare term; maybe none), else True (a common
    term); None when no term has a gram key ("%": no index serves it).

    Why (issue 22): asked as one statement ordered by time, a common two-character word (退款 on
    the one-year bench, 47,000 hits) made the planner read every hit from the GIN index and sort
    them (360 ms p95), where walking the time index newest first, checked by ILIKE, fills a page
    in 3 ms. Reading up to `cap` hits to tell rare from common cost 200 ms there (a heap visit
    per hit), so the planner's estimate decides first (the gram index's statistics; 46,562
    estimated against 46,994 there): only a term estimated under four times `cap` is probed."""
    keys = sorted(
        (k for t in terms if (k := gram_key(t)) is not None), key=lambda k: (k.prefix, k.latin, -len(k.key))
    )
    if any(len(t) >= TRIGRAM for t in terms) or not keys:
        return None
    probe = select(idx.id_col).where(gram_lookup(idx, keys[0], "probe"))
    compiled = probe.compile(dialect=s.get_bind().dialect)
    (plan,) = s.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).one()
    if plan[0]["Plan"]["Plan Rows"] > 4 * cap:
        return True
    hits = list(s.scalars(probe.limit(cap + 1)))
    return hits if len(hits) <= cap else True
