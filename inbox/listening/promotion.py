"""Promotion: a mention becomes a conversation, with everything its author said before.

A person presses "Promote", or a `mention.created` rule with the `promote` action fires. The
author's stored mentions on that network (oldest first, this one included) enter through the
one path, `inbox.ingest.ingest`, on a channel account of that network (the stream's team's
connected one, else a disabled "Listening" account that is never polled), all in the promoted
post's thread, so the agent reads the whole history in one conversation; the identity links
to any customer the author already is. Promoting twice returns the same conversation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.types import Author, InboundMessage
from escalation import evaluate
from inbox.automation.engine import load_rules
from inbox.ingest import ingest
from inbox.store.context import Inbox
from inbox.store.errors import N_, NotFound
from inbox.store.models import ChannelAccount, ListeningStream, Mention, MentionStream, Message

HISTORY_LIMIT = 200  # the author's most recent mentions brought along


def _account(inbox: Inbox, network: str, team_id: int | None) -> int:
    """The team's account of the network, else any, else a disabled one made for promotions."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        rows = s.execute(
            select(ChannelAccount.id, ChannelAccount.team_id)
            .where(ChannelAccount.kind == network)
            .order_by(ChannelAccount.enabled.desc(), ChannelAccount.id)
        ).all()
        mine = [r.id for r in rows if r.team_id == team_id]
        if mine or rows:
            return (mine or [r.id for r in rows])[0]
        ch = ChannelAccount(
            kind=network,
            name=f"Listening ({network})",
            settings={"listening": True},
            team_id=team_id,
            enabled=False,  # no credentials: holds promoted mentions, is never polled
            poll_state={},
        )
        s.add(ch)
        s.flush()
        return ch.id


def _as_message(m: Mention, thread_key: str) -> InboundMessage:
    return InboundMessage(
        channel=m.network,
        external_id=m.external_id,
        thread_key=thread_key,
        author=Author(
            external_id=m.author_external_id,
            handle=m.author_handle,
            display_name=m.author_name,
            profile_url=m.author_url,
            followers=m.author_followers,
        ),
        text=m.text,
        created_at=m.created_at,
        language_hint=m.language or None,
        url=m.url,
    )


def _team_of(s: Session, mention_id: int) -> int | None:
    return s.scalar(
        select(ListeningStream.team_id)
        .join(MentionStream, MentionStream.stream_id == ListeningStream.id)
        .where(MentionStream.mention_id == mention_id)
        .order_by(ListeningStream.id)
        .limit(1)
    )


def promote(inbox: Inbox, mention_id: int, by: str) -> dict[str, Any]:
    """Make the mention (and its author's history) a conversation; `by` is "agent:<id>" or "rule:<id>"."""
    with inbox.read() as s:
        m = s.get(Mention, mention_id)
        if m is None:
            raise NotFound(N_("mention not found"))
        if m.conversation_id is not None and m.promoted_at is not None:
            return {"mention_id": m.id, "conversation_id": m.conversation_id, "created": False}
        team_id = _team_of(s, m.id)
        history = list(
            s.scalars(
                select(Mention)
                .where(
                    Mention.network == m.network,
                    Mention.author_external_id == m.author_external_id,
                    Mention.created_at <= m.created_at,
                )
                .order_by(Mention.created_at.desc(), Mention.id.desc())
                .limit(HISTORY_LIMIT)
            )
        )
        s.expunge_all()
    account_id = _account(inbox, m.network, team_id)
    history.reverse()
    ingest(inbox, account_id, [_as_message(h, m.thread_key) for h in history])
    now = inbox.clock()
    with inbox.unit_of_work() as uow:
        s = uow.session
        conv_id = s.scalar(
            select(Message.conversation_id).where(
                Message.channel_account_id == account_id, Message.external_id == m.external_id
            )
        )
        row = s.get(Mention, m.id, with_for_update=True)
        created = row.promoted_at is None
        if created:
            row.conversation_id, row.promoted_at, row.promoted_by = conv_id, now, by
        for h in history:
            if h.id != m.id:
                other = s.get(Mention, h.id)
                if other.conversation_id is None:
                    other.conversation_id = conv_id
        payload = {"mention_id": m.id, "conversation_id": row.conversation_id, "by": row.promoted_by}
        uow.emit("mention.promoted", payload, ("supervisors", *((f"team:{team_id}",) if team_id else ())))
    return {"mention_id": m.id, "conversation_id": payload["conversation_id"], "created": created}


def mention_facts(m: Mention, tag: str | None) -> dict[str, Any]:
    """What a `mention.created` rule may test: the message.* and author.* facts, and stream.tag."""
    return {
        "message.text": m.text,
        "message.language": m.language,
        "message.sentiment": m.sentiment,
        "message.sentiment_label": m.sentiment_label,
        "message.channel": m.network,
        "message.public": True,
        "author.followers": m.author_followers,
        "stream.tag": tag,
    }


def promote_by_rules(inbox: Inbox, mention_ids: Sequence[int]) -> list[int]:
    """Run the enabled `mention.created` rules on new mentions; promote where one says so.
    Returns the ids of the mentions promoted."""
    with inbox.read() as s:
        rules = load_rules(s, "mention.created")
        if not rules:
            return []
        rows = s.execute(
            select(Mention, ListeningStream.tag)
            .join(MentionStream, MentionStream.mention_id == Mention.id)
            .join(ListeningStream, ListeningStream.id == MentionStream.stream_id)
            .where(Mention.id.in_(list(mention_ids)))
        ).all()
        decided: dict[int, str] = {}
        for m, tag in rows:
            if m.id in decided or m.promoted_at is not None:
                continue
            for firing in evaluate(rules, mention_facts(m, tag), "mention.created"):
                if any(a.type == "promote" for a in firing.actions):
                    decided[m.id] = f"rule:{firing.rule_id}"
                    break
    for mid, by in decided.items():
        promote(inbox, mid, by)
    return list(decided)
