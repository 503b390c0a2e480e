"""Attachment file names in message search, looked up in an index like message text is.

`attachments.name` is indexed as the message text is (migration 0010_traffic2): on SQLite an
FTS5 trigram table filled at commit (`inbox.search.index`) and a gram table for one- and
two-character Chinese/Thai terms; on PostgreSQL a pg_trgm GIN index and a `murmur_grams` GIN
index. `matches` picks the index for each term and checks candidates with LIKE/ILIKE, so the
results are exact and a growing attachments table is never read whole (short Latin terms, which
no index can serve, excepted, as for messages).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from inbox.search.match import Indexed, matches
from inbox.store.models import Attachment, Message

ATTACHMENTS = Indexed("attachments", Attachment.id, (Attachment.name,))


def file_named(dialect: str, terms: list[str]) -> ColumnElement[bool]:
    """Messages with an attachment whose file name holds every term, through the name index."""
    # unsent uploads (no message_id) drop out of IN by themselves; a "message_id IS NOT NULL"
    # here made PostgreSQL read the message_id index instead of the name's
    return Message.id.in_(select(Attachment.message_id).where(matches(dialect, ATTACHMENTS, terms, "fq")))
