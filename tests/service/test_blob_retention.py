"""Blob retention and deletion, on both blob stores (a folder; S3 through moto's server) and both
databases: a blob goes only when no attachment references it, the sweeper is idempotent, and an
ingest of the same content while the sweeper runs never ends with a row whose bytes are gone."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from connectors.types import Attachment as Media
from connectors.types import Author, InboundMessage
from inbox.attachments import retention
from inbox.attachments.blobs import S3Store, digest
from inbox.attachments.service import open_file
from inbox.channels.accounts import create_channel
from inbox.ingest import ingest
from inbox.store.models import Attachment, Conversation
from tests.standins.media import png_bytes
from tests.standins.s3 import MOTO, moto_server

_n = itertools.count()


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    if MOTO is None:
        pytest.skip("needs moto[server] (the dev extras)")
    with moto_server() as url:
        yield url


@pytest.fixture(params=["folder", "s3"])
def store(request, inbox):
    """The inbox's blob store: its own instance folder, or a fresh bucket on the moto server."""
    if request.param == "s3":
        name = f"murmur-sweep-{next(_n)}"
        s3 = S3Store(
            name,
            endpoint_url=request.getfixturevalue("s3_url"),
            access_key="testing",
            secret_key="testing",
            region="us-east-1",
        )
        s3.client.create_bucket(Bucket=name)
        inbox.blobs = s3
    return inbox.blobs


def _mail(key: str, *files: tuple[str, bytes, str], when: datetime | None = None) -> InboundMessage:
    return InboundMessage(
        "email",
        f"<{key}@x>",
        f"<{key}@x>",
        Author(f"{key}@x", f"{key}@x"),
        f"mail {key}",
        when or datetime(2026, 3, 4, 10, tzinfo=UTC),
        attachments=tuple(
            Media(t.split("/")[0] if t.startswith("image") else "file", n, t, data=d) for n, d, t in files
        ),
    )


def _channel(inbox, world) -> int:
    ch, _ = create_channel(inbox, None, "webhook", "hook", {}, {}, world.team_id())
    return ch["id"]


def _erase(inbox, conversation_id: int) -> None:
    """What erasing a customer does to their conversations: the rows go, attachments by cascade."""
    with inbox.unit_of_work() as uow:
        uow.session.execute(delete(Conversation).where(Conversation.id == conversation_id))


def test_sweep_deletes_only_blobs_no_attachment_references(inbox, world, store, clock):
    shared, own, image = b"%PDF-1.4 terms" * 300, b"%PDF-1.4 private" * 300, png_bytes(64, 48)
    ch = _channel(inbox, world)
    keep = ingest(inbox, ch, [_mail("a", ("terms.pdf", shared, "application/pdf"))]).conversation_ids[0]
    gone = ingest(
        inbox,
        ch,
        [
            _mail(
                "b",
                ("terms.pdf", shared, "application/pdf"),
                ("mine.pdf", own, "application/pdf"),
                ("pic.png", image, "image/png"),
            )
        ],
    ).conversation_ids[0]
    with inbox.read() as s:
        pic_id = s.scalar(select(Attachment.id).where(Attachment.name == "pic.png"))
    agent = world.agent(role="supervisor")
    open_file(inbox, agent["id"], pic_id, thumb=True)  # a thumbnail is kept in the store too
    assert store.exists(f"thumb/{digest(image)}")
    _erase(inbox, gone)
    clock.advance(hours=2)
    first = retention.sweep(inbox)
    assert (first.scanned, first.referenced, first.deleted) == (3, 1, 2)
    assert store.exists(digest(shared)) and store.get(digest(shared)) == shared  # still referenced
    assert not store.exists(digest(own)) and not store.exists(digest(image))
    assert not store.exists(f"thumb/{digest(image)}")
    again = retention.sweep(inbox)  # idempotent: nothing left to do
    assert (again.scanned, again.deleted) == (1, 0)
    _erase(inbox, keep)
    assert retention.sweep(inbox).deleted == 1 and list(store.keys()) == []


def test_young_blobs_are_kept_until_min_age(inbox, world, store, clock):
    data = b"%PDF-1.4 fresh" * 200
    conv = ingest(inbox, _channel(inbox, world), [_mail("y", ("f.pdf", data, "application/pdf"))])
    _erase(inbox, conv.conversation_ids[0])
    result = retention.sweep(inbox)  # written moments ago: its row might be on its way
    assert (result.young, result.deleted) == (1, 0) and store.exists(digest(data))
    clock.advance(hours=2)
    assert retention.sweep(inbox).deleted == 1


def test_ingest_of_the_same_content_while_the_sweeper_deletes_it_keeps_the_bytes(inbox, world, store):
    """The sweeper deletes the blob between ingest staging the bytes and committing the row (the
    worst moment): the row's transaction writes them back under the blob's lock."""
    data = b"%PDF-1.4 racing" * 300
    key = digest(data)
    ch = _channel(inbox, world)
    real_put = store.put
    swept: list[bool] = []

    def put_then_sweep(blob: bytes, key: str | None = None, content_type: str = "") -> str:
        out = real_put(blob, key=key, content_type=content_type)
        if not swept:  # the first put is ingest's staging, before its transaction opens
            swept.append(retention._delete_unreferenced(inbox, out))
        return out

    store.put = put_then_sweep
    try:
        ingest(inbox, ch, [_mail("r", ("race.pdf", data, "application/pdf"))])
    finally:
        del store.put
    assert swept == [True]  # the sweeper did delete it: nothing referenced it then
    assert store.exists(key) and store.get(key) == data
    with inbox.read() as s:
        att = s.scalars(select(Attachment)).one()
    assert att.state == "stored" and att.sha256 == key
    # and a row committed after the sweeper listed the blob makes it keep the blob
    assert retention._delete_unreferenced(inbox, key) is False and store.exists(key)


def test_retention_expires_old_files_and_keeps_the_row_saying_why(client, inbox, world, store, clock):
    inbox.settings["attachments.retention_days"] = 30
    old, new = b"%PDF-1.4 old" * 300, b"%PDF-1.4 new" * 300
    ch = _channel(inbox, world)
    ingest(inbox, ch, [_mail("o", ("old.pdf", old, "application/pdf"))])
    clock.advance(days=31)
    ingest(inbox, ch, [_mail("n", ("new.pdf", new, "application/pdf"), when=clock() - timedelta(hours=3))])
    clock.advance(hours=2)
    assert retention.run(inbox) == 1
    with inbox.read() as s:
        rows = {a.name: a for a in s.scalars(select(Attachment))}
    assert rows["old.pdf"].state == "expired" and rows["old.pdf"].sha256 is None
    assert rows["old.pdf"].last_error == "removed after 30 days (attachments.retention_days)"
    assert rows["new.pdf"].state == "stored"
    assert not store.exists(digest(old)) and store.get(digest(new)) == new
    agent = world.agent(role="supervisor")
    res = client.get(f"/api/attachments/{rows['old.pdf'].id}", headers=agent["auth"])
    assert res.status_code == 404 and "expired" in res.get_json()["error"]["message"]
    assert retention.run(inbox) == 0  # idempotent
