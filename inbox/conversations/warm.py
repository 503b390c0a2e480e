"""The read paths' statements compiled before a web process takes its first request.

SQLAlchemy compiles a statement the first time a process runs it and keeps the compiled form
for every later run. On the one-year bench, a fresh `murmur serve` answered its first ranked
list in 65-135 ms and its first conversation in 12-60 ms against 3-10 ms for the next ones
(`web.bench.reqpath`, loaded machine): the first agent after a deploy or a restart waited for
the compiler. `warm_reads` runs each statement of the token check, the ranked list's usual
forms and a conversation page once, for ids that match nothing (index probes that return no
rows), so that cost is paid at start-up, next to the scorers' tables (`web.warmup`).
"""

from __future__ import annotations

import contextlib

from sqlalchemy.exc import SQLAlchemyError

from inbox.admin import principals
from inbox.conversations import detail, listing
from inbox.store.context import Inbox


def warm_reads(inbox: Inbox) -> None:
    """Compile the hot reads' statements on `inbox`'s engine (reads only; nothing is kept).
    A database that cannot answer yet (not migrated, not up) is left to the first request, as
    before: warming never keeps a process from starting."""
    with contextlib.suppress(SQLAlchemyError):
        _warm(inbox)


def _warm(inbox: Inbox) -> None:
    with inbox.glance() as s:
        principals.warm(s)
    with inbox.read() as s:
        principals.warm(s)
        listing.warm(s, inbox.clock())
        detail.warm(s)
