"""Replies to website visitors who have left: mailed to the address they gave, once.

A chat on a website ends when the visitor closes the tab; an answer written after that must still
reach them. The visitor's chat reports what it has shown them (`mark_seen`); a periodic job mails
every reply that is older than `AFTER` and was neither seen nor mailed yet, to the e-mail the visitor
left (the pre-chat form, the away message, or their verified account). Each visitor's row is claimed
with a short lease before sending, so two schedulers mail a reply once; a failed send releases the
claim and the next run tries again. A crash between the send and the record may mail one reply twice,
never lose it (at least once, like every delivery that crosses to another system without an id).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from inbox.customers.language import team_language
from inbox.mail.send import SendError, Smtp, compose, send
from inbox.mail.words import locale_of, say, translations
from inbox.store.context import Inbox
from inbox.store.errors import N_
from inbox.store.models import ChannelAccount, Conversation, Identity, Message, WidgetVisitor
from inbox.store.sql import insert_ignore

log = logging.getLogger("murmur.widget")

AFTER = timedelta(minutes=2)  # a reply unseen this long is mailed
HORIZON = timedelta(days=7)  # replies older than this are not mailed any more
LEASE = timedelta(seconds=60)


def _ensure(s: Any, channel_id: int, visitor_id: str, now: Any) -> None:
    s.execute(
        insert_ignore(s, WidgetVisitor, ["channel_account_id", "visitor_id"]),
        [
            {
                "channel_account_id": channel_id,
                "visitor_id": visitor_id,
                "seen_message_id": 0,
                "mailed_message_id": 0,
                "updated_at": now,
            }
        ],
    )


def mark_seen(inbox: Inbox, channel_id: int, visitor_id: str, message_id: int) -> None:
    """The visitor's chat showed them every message up to `message_id` (never moves back)."""
    now = inbox.clock()
    with inbox.unit_of_work() as uow:
        s = uow.session
        _ensure(s, channel_id, visitor_id, now)
        s.execute(
            update(WidgetVisitor)
            .where(
                WidgetVisitor.channel_account_id == channel_id,
                WidgetVisitor.visitor_id == visitor_id,
                WidgetVisitor.seen_message_id < message_id,
            )
            .values(seen_message_id=message_id, updated_at=now)
        )


def _waiting(inbox: Inbox) -> list[Any]:
    """(channel, visitor, conversation, newest reply id) of widget conversations with replies old enough."""
    now = inbox.clock()
    with inbox.read() as s:
        return list(
            s.execute(
                select(
                    Conversation.channel_account_id,
                    Conversation.thread_key,
                    Conversation.id,
                    func.max(Message.id).label("newest"),
                )
                .join(Message, Message.conversation_id == Conversation.id)
                .where(
                    Conversation.channel == "widget",
                    Message.direction == "out",
                    Message.created_at <= now - AFTER,
                    Message.created_at >= now - HORIZON,
                )
                .group_by(Conversation.channel_account_id, Conversation.thread_key, Conversation.id)
            )
        )


def _claim(inbox: Inbox, channel_id: int, visitor_id: str, newest: int) -> int | None:
    """Claim the visitor's row for mailing; the last reply mailed before, or None when not ours to mail."""
    now = inbox.clock()
    with inbox.unit_of_work() as uow:
        s = uow.session
        _ensure(s, channel_id, visitor_id, now)
        row = s.execute(
            select(WidgetVisitor.id, WidgetVisitor.seen_message_id, WidgetVisitor.mailed_message_id).where(
                WidgetVisitor.channel_account_id == channel_id, WidgetVisitor.visitor_id == visitor_id
            )
        ).one()
        if max(row.seen_message_id, row.mailed_message_id) >= newest:
            return None
        claimed = s.execute(
            update(WidgetVisitor)
            .where(
                WidgetVisitor.id == row.id,
                (WidgetVisitor.mailing_until.is_(None)) | (WidgetVisitor.mailing_until < now),
            )
            .values(mailing_until=now + LEASE)
        ).rowcount
        return max(row.seen_message_id, row.mailed_message_id) if claimed else None


def _release(inbox: Inbox, channel_id: int, visitor_id: str, mailed: int | None) -> None:
    values: dict[str, Any] = {"mailing_until": None, "updated_at": inbox.clock()}
    if mailed is not None:
        values["mailed_message_id"] = mailed
    with inbox.unit_of_work() as uow:
        uow.session.execute(
            update(WidgetVisitor)
            .where(WidgetVisitor.channel_account_id == channel_id, WidgetVisitor.visitor_id == visitor_id)
            .values(**values)
        )


def _letter(
    inbox: Inbox, channel_id: int, conversation_id: int, after: int
) -> tuple[str | None, str, list[str], str]:
    """(the visitor's e-mail, the widget's display name, the replies they have not seen, and the
    locale to write in: the conversation's language, else its team's default, else English)."""
    with inbox.read() as s:
        ch = s.get(ChannelAccount, channel_id)
        conv = s.get(Conversation, conversation_id)
        locale = locale_of(conv.language) or locale_of(team_language(s, conv.team_id)) or "en"
        email = s.scalar(
            select(Identity.email)
            .join(Message, Message.author_identity_id == Identity.id)
            .where(
                Message.conversation_id == conversation_id,
                Message.direction == "in",
                Identity.email.is_not(None),
            )
            .order_by(Message.id.desc())
            .limit(1)
        ) or s.scalar(
            select(Identity.email)
            .where(Identity.customer_id == conv.customer_id, Identity.email.is_not(None))
            .limit(1)
        )
        texts = list(
            s.scalars(
                select(Message.text)
                .where(
                    Message.conversation_id == conversation_id, Message.direction == "out", Message.id > after
                )
                .order_by(Message.id)
            )
        )
        name = str((ch.settings or {}).get("display_name") or "")
    return email, name, texts, locale


SUBJECT = N_("%(name)s: a reply to your chat")
SUPPORT = N_("Customer service")
FOOTER = N_("(Answer this chat on our website: the conversation is kept there.)")


def send_mail(inbox: Inbox, smtp: Smtp, to: str, name: str, texts: Sequence[str], locale: str = "en") -> None:
    """The unseen replies, and how to answer, in the visitor's language; raises `SendError`."""
    tr = translations(inbox, locale)
    name = name or say(tr, SUPPORT)
    body = "\n\n".join(texts) + f"\n\n-- \n{name}\n{say(tr, FOOTER)}\n"
    msg = compose(
        smtp.sender,
        to,
        say(tr, SUBJECT, name=name),
        body,
        language=locale.replace("_", "-"),
        now=inbox.clock(),
    )
    send(smtp, msg)


def follow_up(inbox: Inbox) -> int:
    """Mail unseen replies to visitors who left (a periodic job); how many mails went out."""
    smtp = inbox.settings.get("smtp")
    if smtp is None:
        return 0
    sent = 0
    for channel_id, visitor_id, conversation_id, newest in _waiting(inbox):
        after = _claim(inbox, channel_id, visitor_id, newest)
        if after is None:
            continue
        email, name, texts, locale = _letter(inbox, channel_id, conversation_id, after)
        if not email or not texts:
            _release(inbox, channel_id, visitor_id, newest)  # nowhere to send: do not look again
            continue
        try:
            send_mail(inbox, smtp, email, name, texts, locale)
        except SendError:
            log.exception("widget follow-up to visitor %s of channel %s failed", visitor_id, channel_id)
            _release(inbox, channel_id, visitor_id, None)
            continue
        _release(inbox, channel_id, visitor_id, newest)
        sent += 1
    return sent
