"""Attachments through the inbox: recorded with their message, fetched by a job, served checked.

* Ingest records one row per attachment in the message's own transaction. Bytes that came in
  the message (e-mail parts) are written to the blob store by `stage` before that transaction
  opens; remote media is only described there (`pending`) and fetched later by `fetch_due`,
  through the channel's connector, so a slow or failing network never holds the ingest lock.
* A fetch that fails is retried with backoff; after MAX_ATTEMPTS the row is `failed` with the
  reason, and a file over the limits is `refused`: the row and its name stay on the message.
* Agents read files through `open_file`, which checks the conversation as every other read does.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors import registry
from connectors.errors import ConnectorError, PermanentError
from connectors.media import TooLarge
from connectors.types import Attachment as MediaItem
from inbox.admin.agents import load_agent
from inbox.attachments.policy import Refused, effective_type, image_format, thumbnail
from inbox.attachments.records import State, attachment_dict, hold_blob, limits_of, store_of
from inbox.channels.accounts import connector_for
from inbox.store.access import check_visible
from inbox.store.context import Inbox
from inbox.store.errors import N_, Invalid, NotFound
from inbox.store.events import conversation_rooms
from inbox.store.models import Attachment, ChannelAccount, Conversation

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at six hours, with jitter."""
    return timedelta(seconds=random.uniform(0.5, 1.0) * min(6 * 3600, 30 * 2 ** max(0, attempts - 1)))


# --- fetching ---------------------------------------------------------------------------------


def fetch_due(inbox: Inbox, limit: int = 20) -> int:
    """Fetch pending remote media whose time has come; a periodic job, safe in several workers
    (rows are claimed with a lease, `FOR UPDATE SKIP LOCKED` on PostgreSQL). Returns how many
    were attempted."""
    now = inbox.clock()
    due = (Attachment.state == State.PENDING.value, Attachment.next_attempt_at <= now)
    with inbox.read() as s:  # nothing due is the usual case: no write lock for it
        if s.scalar(select(Attachment.id).where(*due).limit(1)) is None:
            return 0
    with inbox.unit_of_work() as uow:
        q = select(Attachment).where(*due).order_by(Attachment.next_attempt_at).limit(limit)
        if inbox.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        claimed = list(uow.session.scalars(q))
        for att in claimed:
            att.attempts += 1
            att.next_attempt_at = now + LEASE
        ids = [a.id for a in claimed]
    for att_id in ids:
        _fetch_one(inbox, att_id)
    return len(ids)


def _fetch_one(inbox: Inbox, att_id: int) -> None:
    with inbox.read() as s:
        att = s.get(Attachment, att_id)
        ch = s.get(ChannelAccount, att.channel_account_id)
        item = MediaItem(
            att.kind, att.name, att.content_type, att.size, url=att.remote_url, ref=att.remote_ref
        )
    limits = limits_of(inbox)
    outcome: dict[str, Any]
    blob: tuple[str, bytes, str] | None = None
    try:
        data, served_type = connector_for(inbox, ch).fetch_media(item, limits.max_bytes)
        ctype = att.content_type or served_type
        limits.check(att.name, ctype, len(data))
        key = store_of(inbox).put(data, content_type=ctype)
        blob = (key, data, ctype)
        outcome = {
            "state": State.STORED.value,
            "sha256": key,
            "size": len(data),
            "content_type": ctype[:127],
            "inline_type": image_format(data) if att.kind in ("image", "sticker") else None,
            "last_error": None,
            "next_attempt_at": None,
        }
    except (TooLarge, Refused) as exc:
        outcome = {"state": State.REFUSED.value, "last_error": str(exc), "next_attempt_at": None}
    except PermanentError as exc:
        outcome = {"state": State.FAILED.value, "last_error": str(exc) or type(exc).__name__}
    except (ConnectorError, OSError) as exc:
        outcome = {"last_error": str(exc) or type(exc).__name__}
    _record_fetch(inbox, att_id, outcome, blob)


def _record_fetch(
    inbox: Inbox, att_id: int, outcome: dict[str, Any], blob: tuple[str, bytes, str] | None = None
) -> None:
    now = inbox.clock()
    with inbox.unit_of_work() as uow:
        if blob is not None:  # the row will reference it: make sure the sweeper has not taken it
            hold_blob(uow.session, store_of(inbox), *blob)
        att = uow.session.get(Attachment, att_id)
        for key, value in outcome.items():
            setattr(att, key, value)
        if att.state == State.PENDING.value:
            if att.attempts >= MAX_ATTEMPTS:
                att.state, att.next_attempt_at = State.FAILED.value, None
            else:
                att.next_attempt_at = now + backoff(att.attempts)
        if att.state == State.FAILED.value:
            att.next_attempt_at = None
        conv = uow.session.get(Conversation, att.conversation_id)
        uow.emit(
            "attachment.updated",
            {"message_id": att.message_id, "conversation_id": conv.id, "attachment": attachment_dict(att)},
            conversation_rooms(conv.team_id, conv.assignee_id, conv.id),
        )


# --- reading ----------------------------------------------------------------------------------


def _visible(s: Session, agent_id: int, attachment_id: int) -> Attachment:
    agent = load_agent(s, agent_id)
    if agent is None:
        raise NotFound(N_("agent not found"))
    att = s.get(Attachment, attachment_id)
    if att is None:
        raise NotFound(N_("attachment not found"))
    check_visible(agent, s.get(Conversation, att.conversation_id))
    if att.message_id is None and att.uploaded_by != agent.id:
        raise NotFound(N_("attachment not found"))  # another agent's unsent upload
    return att


def open_file(inbox: Inbox, agent_id: int, attachment_id: int, thumb: bool = False) -> tuple[Any, bytes]:
    """The attachment (checked like its conversation) and its bytes, or its thumbnail's."""
    with inbox.read() as s:
        att = _visible(s, agent_id, attachment_id)
        s.expunge(att)
    if att.state != State.STORED.value or not att.sha256:
        if att.last_error:
            raise NotFound(
                N_("the file is not stored (%(state)s: %(error)s)"), state=att.state, error=att.last_error
            )
        raise NotFound(N_("the file is not stored (%(state)s)"), state=att.state)
    store = store_of(inbox)
    if not thumb:
        return att, store.get(att.sha256)
    if not att.inline_type:
        raise NotFound(N_("only images have thumbnails"))
    key = f"thumb/{att.sha256}"
    try:
        return att, store.get(key)
    except KeyError:
        small = thumbnail(store.get(att.sha256))
        if small is None:
            raise NotFound(N_("no thumbnail can be made of this image")) from None
        store.put(small, key=key, content_type="image/png")
        return att, small


# --- replies ----------------------------------------------------------------------------------


def upload(
    inbox: Inbox, agent_id: int, conversation_id: int, name: str, content_type: str, data: bytes
) -> dict[str, Any]:
    """Store an agent's file for a reply in this conversation; it is sent with the reply that
    names it. Refused (413 / 415) over the limits, or where the channel cannot carry files."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255] or "file"
    ctype = effective_type(name, content_type)
    limits_of(inbox).check(name, ctype, len(data))
    now = inbox.clock()
    with inbox.read() as s:
        agent = load_agent(s, agent_id)
        if agent is None:
            raise NotFound(N_("agent not found"))
        conv = s.get(Conversation, conversation_id)
        if conv is None:
            raise NotFound(N_("conversation not found"))
        check_visible(agent, conv)
        kind = s.scalar(select(ChannelAccount.kind).where(ChannelAccount.id == conv.channel_account_id))
        waiting = s.scalar(  # this agent's uploads to the conversation not yet sent with a reply
            select(func.count())
            .select_from(Attachment)
            .where(
                Attachment.conversation_id == conv.id,
                Attachment.message_id.is_(None),
                Attachment.uploaded_by == agent_id,
            )
        )
    refusal = registry.get(kind).reply_file_refusal(conv.channel, conv.public, ctype, len(data), waiting + 1)
    if refusal is not None:  # the network cannot carry it: say which limit, before storing anything
        raise Invalid(refusal, "file")
    key = store_of(inbox).put(data, content_type=ctype)
    with inbox.unit_of_work() as uow:
        hold_blob(uow.session, store_of(inbox), key, data, ctype)
        att = Attachment(
            conversation_id=conv.id,
            channel_account_id=conv.channel_account_id,
            kind=ctype.split("/", 1)[0] if ctype.split("/", 1)[0] in ("image", "video", "audio") else "file",
            name=name,
            content_type=ctype,
            size=len(data),
            sha256=key,
            inline_type=image_format(data),
            state=State.STORED.value,
            uploaded_by=agent_id,
            created_at=now,
        )
        uow.session.add(att)
        uow.session.flush()
        return attachment_dict(att)
