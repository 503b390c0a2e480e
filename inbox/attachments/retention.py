"""Removing files nobody needs any more: retention expiry and a reference-aware blob sweeper.

Blobs are stored once by content hash and shared by every row with the same bytes, so a blob
can only go when no `attachments` row references it: after its messages were deleted (a
conversation or customer erased; merging customers moves rows and keeps their files), after
`expire` took the bytes of old attachments, or after an agent's upload was never sent.

* `expire` (when `attachments.retention_days` is set) turns stored attachments older than the
  horizon into `expired` rows: the row, its name and why stay on the message; the bytes go
  with the next sweep. Unsent uploads older than a week are deleted.
* `sweep` lists the store, keeps every blob a row references or that was written within
  `min_age`, and deletes the others with their thumbnails. Each deletion re-checks references
  under the blob's lock (`records.lock_blob_for_delete`), which writers take shared while
  committing a row (`records.hold_blob`), so an ingest of the same content at the same moment
  either sees its bytes written back or makes the sweeper keep them. Both jobs are idempotent:
  a second run finds nothing to do, and deleting a blob already gone is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

from sqlalchemy import delete, select, update

from inbox.attachments.records import State, lock_blob_for_delete, store_of
from inbox.store.context import Inbox
from inbox.store.models import Attachment

UNSENT_UPLOAD_DAYS = 7
MIN_AGE = timedelta(hours=1)  # a blob younger than this is kept: its row may be on its way
_BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    """What one sweep saw and did."""

    scanned: int
    referenced: int
    young: int
    deleted: int


def retention_days(inbox: Inbox) -> int | None:
    """The configured `attachments.retention_days` (None or 0: keep files for ever)."""
    days = inbox.settings.get("attachments.retention_days")
    return int(days) if days else None


def expire(inbox: Inbox, days: int | None = None) -> int:
    """Expire stored attachments received more than `days` ago (default: the setting) and drop
    unsent uploads older than a week; returns how many attachments were expired."""
    days = retention_days(inbox) if days is None else days
    now = inbox.clock()
    unsent = (
        Attachment.message_id.is_(None),
        Attachment.created_at < now - timedelta(days=UNSENT_UPLOAD_DAYS),
    )
    expiring = (
        Attachment.state == State.STORED.value,
        Attachment.message_id.is_not(None),
        Attachment.created_at < now - timedelta(days=days or 0),
    )
    # read first: an hourly run with nothing to do must not take SQLite's write lock
    with inbox.read() as s:
        due = s.scalar(select(Attachment.id).where(*unsent).limit(1)) is not None or (
            bool(days) and s.scalar(select(Attachment.id).where(*expiring).limit(1)) is not None
        )
    if not due:
        return 0
    with inbox.unit_of_work() as uow:
        s = uow.session
        s.execute(delete(Attachment).where(*unsent))
        if not days:
            return 0
        return s.execute(
            update(Attachment)
            .where(*expiring)
            .values(
                state=State.EXPIRED.value,
                sha256=None,
                inline_type=None,
                last_error=f"removed after {days} days (attachments.retention_days)",
            )
        ).rowcount


def sweep(inbox: Inbox, min_age: timedelta = MIN_AGE) -> SweepResult:
    """Delete every blob no attachment references and that is older than `min_age`."""
    store = store_of(inbox)
    cutoff = (inbox.clock() - min_age).timestamp()
    scanned = referenced = young = deleted = 0
    listing = iter(store.keys())
    while batch := list(islice(listing, _BATCH)):
        scanned += len(batch)
        old = [key for key, modified in batch if modified <= cutoff]
        young += len(batch) - len(old)
        with inbox.read() as s:
            used = set(s.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(old)).distinct()))
        referenced += len(used)
        for key in old:
            if key not in used and _delete_unreferenced(inbox, key):
                deleted += 1
    return SweepResult(scanned, referenced, young, deleted)


def _delete_unreferenced(inbox: Inbox, key: str) -> bool:
    """Delete one blob if, under its lock, still no row references it."""
    store = store_of(inbox)
    with inbox.unit_of_work() as uow:
        s = uow.session
        lock_blob_for_delete(s, key)
        if s.scalar(select(Attachment.id).where(Attachment.sha256 == key).limit(1)) is not None:
            return False  # a row arrived since the listing
        store.delete(key)
        store.delete(f"thumb/{key}")
    return True


def run(inbox: Inbox) -> int:
    """The periodic job: expire by the retention setting, then sweep; returns blobs deleted."""
    if inbox.blobs is None:
        return 0
    expire(inbox)
    return sweep(inbox).deleted
