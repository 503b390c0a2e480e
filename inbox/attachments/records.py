"""Attachment rows as the ingest pipeline writes them, and their JSON shape.

Kept apart from `service` (fetching, serving, uploads) because the pipeline imports this and
`service` imports the channels room, which imports the pipeline.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.orm import Session

from connectors.types import Attachment as MediaItem
from connectors.types import InboundMessage
from inbox.attachments.blobs import BlobStore, digest
from inbox.attachments.policy import Limits, Refused, image_format
from inbox.store.context import Inbox
from inbox.store.errors import N_, Invalid
from inbox.store.models import Attachment, AttachmentState, Conversation
from inbox.store.sql import Record, insert_with_ids, records

State = AttachmentState


def limits_of(inbox: Inbox) -> Limits:
    return inbox.settings.get("attachment_limits") or Limits()


# --- blob references ----------------------------------------------------------------------------

_BLOB_LOCK_SPACE = 4317  # advisory lock key space of blobs (4201 is the channels')
_SHARED = text("SELECT pg_advisory_xact_lock_shared(:k, :id)")
_EXCLUSIVE = text("SELECT pg_advisory_xact_lock(:k, :id)")


def _lock_id(key: str) -> int:
    return int(key[:7], 16)  # 28 bits of the hash: distinct blobs rarely share a lock


def hold_blob(s: Session, store: BlobStore, key: str, data: bytes, content_type: str = "") -> str:
    """Make sure the blob `key` exists for a row this transaction is about to commit.

    The sweeper deletes an unreferenced blob while holding the blob's lock exclusively and only
    after checking, under that lock, that no row references it. A writer takes the same lock
    shared here, in the transaction that commits its row, and then writes the bytes again if
    they are gone (a no-op when they are there). So either the sweeper ran first and the bytes
    come back, or it runs after the commit and sees the row: a concurrent ingest of the same
    content never ends with a row whose blob was swept. SQLite needs no lock: its write
    transactions (the sweeper's included) run one at a time."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(_SHARED, {"k": _BLOB_LOCK_SPACE, "id": _lock_id(key)})
    return store.put(data, key=key, content_type=content_type)


def lock_blob_for_delete(s: Session, key: str) -> None:
    """The sweeper's side of `hold_blob`: exclusive until its transaction ends."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(_EXCLUSIVE, {"k": _BLOB_LOCK_SPACE, "id": _lock_id(key)})


# --- ingest -----------------------------------------------------------------------------------


def store_of(inbox: Inbox) -> BlobStore:
    if inbox.blobs is None:
        raise RuntimeError("no blob store configured for this inbox")
    return inbox.blobs


def stage(inbox: Inbox, messages: Sequence[InboundMessage]) -> None:
    """Write the bytes carried in `messages` to the blob store before the ingest transaction,
    so that transaction only records rows (writing a blob that exists again is a no-op)."""
    if inbox.blobs is None:
        return
    limits = limits_of(inbox)
    for m in messages:
        for a in m.attachments:
            if a.data is not None and _refusal(limits, a, len(a.data)) is None:
                inbox.blobs.put(a.data, content_type=a.content_type)


def _refusal(limits: Limits, a: MediaItem, size: int | None) -> str | None:
    try:
        limits.check(a.name, a.content_type, size)
    except Refused as exc:
        return str(exc)
    return None


def record(
    s: Session, inbox: Inbox, fresh: Sequence[InboundMessage], rows: list[dict[str, Any]], now: datetime
) -> None:
    """Insert the attachment rows of the batch's new messages (`rows` as the pipeline inserted
    them, ids included) and put each message's attachments on its row for the live event."""
    limits = limits_of(inbox)
    new: list[dict[str, Any]] = []
    owners: list[int] = []
    for i, m in enumerate(fresh):
        for a in m.attachments:
            new.append(_row(s, inbox, limits, a, rows[i], now))
            owners.append(i)
    if not new:
        return
    for row, new_id in zip(new, insert_with_ids(s, Attachment.__table__, new), strict=True):
        row["id"] = new_id
    for row, i in zip(new, owners, strict=True):
        rows[i].setdefault("attachments", []).append(attachment_dict(Record(row)))


def _row(
    s: Session, inbox: Inbox, limits: Limits, a: MediaItem, msg: dict[str, Any], now: datetime
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "message_id": msg["id"],
        "conversation_id": msg["conversation_id"],
        "channel_account_id": msg["channel_account_id"],
        "kind": a.kind,
        "name": (a.name or a.kind)[:255],
        "content_type": (a.content_type or "")[:127],
        "size": a.size if a.data is None else len(a.data),
        "sha256": None,
        "inline_type": None,
        "remote_url": a.url,
        "remote_ref": a.ref,
        "content_id": a.content_id,
        "inline": a.inline,
        "state": State.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "uploaded_by": None,
        "created_at": now,
    }
    refusal = _refusal(limits, a, row["size"])
    if refusal is not None:
        row.update(state=State.REFUSED.value, next_attempt_at=None, last_error=refusal)
    elif a.data is not None:
        if inbox.blobs is None:
            row.update(state=State.FAILED.value, next_attempt_at=None, last_error="no blob store configured")
        else:
            row.update(
                state=State.STORED.value,
                next_attempt_at=None,
                # staged already; written again only if the sweeper took it meanwhile
                sha256=hold_blob(s, inbox.blobs, digest(a.data), a.data, a.content_type),
                inline_type=image_format(a.data) if a.kind in ("image", "sticker") else None,
            )
    elif a.kind == "link" or not (a.url or a.ref):
        row.update(state=State.LINK.value, next_attempt_at=None)  # a reference, never fetched
    return row


def attachment_dict(att: Any) -> dict[str, Any]:
    """An attachment as the API and the live events show it; `url` only once the bytes are here."""
    stored = att.state == State.STORED.value
    return {
        "id": att.id,
        "kind": att.kind,
        "name": att.name,
        "content_type": att.content_type,
        "size": att.size,
        "state": att.state,
        "error": att.last_error,
        "inline": bool(att.inline),
        "content_id": att.content_id,
        "url": f"/api/attachments/{att.id}" if stored else None,
        "thumbnail_url": f"/api/attachments/{att.id}/thumbnail" if stored and att.inline_type else None,
        "link": att.remote_url if att.state == State.LINK.value else None,
    }


# built once (see inbox.conversations.detail): every page of a conversation asks it
_OF_MESSAGES = (
    select(*Attachment.__table__.c)
    .where(Attachment.message_id.in_(bindparam("ids", expanding=True)))
    .order_by(Attachment.id)
)


def attachments_of(s: Session, message_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Each message's attachments, in the order they came (read as plain rows: a conversation's
    page asks for fifty messages' attachments, most of them none)."""
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if message_ids:
        result = s.connection().execute(_OF_MESSAGES, {"ids": list(message_ids)})
        for att in records(result):
            out[att.message_id].append(attachment_dict(att))
    return out


def attach_to_reply(
    s: Session, conv: Conversation, message_id: int, agent_id: int, ids: Sequence[int]
) -> list:
    """Bind the agent's uploads `ids` to the reply `message_id` (in the reply's transaction)."""
    if not ids:
        return []
    found = list(
        s.scalars(
            select(Attachment).where(
                Attachment.id.in_(list(ids)),
                Attachment.conversation_id == conv.id,
                Attachment.message_id.is_(None),
                Attachment.uploaded_by == agent_id,
            )
        )
    )
    if len(found) != len(set(ids)):
        raise Invalid(
            N_("attachment_ids: not uploads of yours to this conversation, or already sent"), "attachment_ids"
        )
    s.execute(
        update(Attachment).where(Attachment.id.in_([a.id for a in found])).values(message_id=message_id)
    )
    for a in found:
        a.message_id = message_id
    return [attachment_dict(a) for a in sorted(found, key=lambda a: a.id)]


_CID_SRC = re.compile(r'src="cid:([^"]+)"')


def link_inline_images(html: str | None, attachments: Sequence[dict[str, Any]]) -> str | None:
    """Point the sanitized HTML's `cid:` images at their stored attachments (their thumbnails);
    an image whose part is not stored loses its source. Remote images never had one."""
    if not html or "cid:" not in html:
        return html
    by_cid = {a["content_id"]: a for a in attachments if a.get("content_id")}

    def swap(m: re.Match[str]) -> str:
        a = by_cid.get(m.group(1))
        url = a and (a["thumbnail_url"] or a["url"])
        return f'src="{url}"' if url else 'src=""'

    return _CID_SRC.sub(swap, html)


def files_for_reply(inbox: Inbox, message_id: int) -> tuple[MediaItem, ...]:
    """The reply's files with their bytes, for the connector that sends it."""
    with inbox.read() as s:
        atts = list(
            s.scalars(select(Attachment).where(Attachment.message_id == message_id).order_by(Attachment.id))
        )
    atts = [a for a in atts if a.state == State.STORED.value and a.sha256]
    if not atts:
        return ()
    store = store_of(inbox)
    return tuple(MediaItem(a.kind, a.name, a.content_type, a.size, data=store.get(a.sha256)) for a in atts)
