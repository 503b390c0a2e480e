"""Keeping the looping demo bounded: drop the demo feed's oldest passes.

The demo feed replays its file again and again with fresh ids (`connectors.demo`), a pass every
few minutes, so a demo left running for weeks would grow the database without end. Every pass is
a set of conversations of its own (its thread keys carry the pass's suffix), so this periodic job
deletes the conversations of passes older than the newest `KEEP_PASSES`; their messages, labels,
rule runs and outbox rows go with them (ON DELETE CASCADE), and the rollup and search triggers
count them out. A conversation that a survey answer or a promoted mention points to is kept: it
is part of a record someone made, and there are few of them.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from connectors.demo import load_lines, round_of
from inbox.store.context import Inbox
from inbox.store.models import ChannelAccount, Conversation, Mention, SurveyResponse

KEEP_PASSES = 3  # the pass being played and the two before it
CHUNK = 500  # ids per DELETE, well under any bound-parameter limit


def current_pass(cursor: str | None) -> int:
    """Which pass over the file the demo channel's cursor is in (0 for a fresh or odd cursor)."""
    try:
        return max(int(cursor or 0), 0) // len(load_lines())
    except ValueError:
        return 0


def trim(inbox: Inbox, keep: int = KEEP_PASSES) -> int:
    """The periodic job: delete the demo channels' conversations of old passes; how many went.

    It looks first, through a read: with nothing old to drop it takes no write lock, as the
    scheduler's other idle jobs do not."""
    with inbox.read() as s:
        channels = s.execute(
            select(ChannelAccount.id, ChannelAccount.cursor).where(ChannelAccount.kind == "demo")
        ).all()
        old: list[int] = []
        for channel_id, cursor in channels:
            last_dropped = current_pass(cursor) - keep
            if last_dropped < 0:
                continue
            rows = s.execute(
                select(Conversation.id, Conversation.thread_key).where(
                    Conversation.channel_account_id == channel_id
                )
            )
            old.extend(cid for cid, key in rows if round_of(key) <= last_dropped)
        if old:
            kept = set(s.scalars(select(SurveyResponse.conversation_id).distinct())) | set(
                s.scalars(
                    select(Mention.conversation_id).where(Mention.conversation_id.is_not(None)).distinct()
                )
            )
            old = [cid for cid in old if cid not in kept]
    if not old:
        return 0
    table = Conversation.__table__
    with inbox.unit_of_work() as uow:
        for i in range(0, len(old), CHUNK):
            uow.session.execute(delete(table).where(table.c.id.in_(old[i : i + CHUNK])))
    return len(old)
