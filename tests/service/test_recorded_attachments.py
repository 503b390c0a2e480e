"""Real recorded traffic with files, through the whole inbox (SQLite and PostgreSQL): a Big5 list
mail with a source-file attachment (the linux-kernel list, 2002) and a podcast feed's 105 MB
enclosure (rbren/rss-parser's Giant Bombcast feed). tests/data/recorded/README.md names them."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors import registry
from connectors.email import parse_message
from inbox.attachments import service as attachments
from inbox.channels.accounts import create_channel
from inbox.ingest import ingest
from tests.standins.replay import RECORDED, FileReplayStandIn
from tests.standins.testing import FakeClock


def _thread(client, agent):
    convs = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"]
    return client.get(f"/api/conversations/{convs[0]['id']}", headers=agent["auth"]).get_json()


def test_big5_mail_recorded_by_lkml_archive_keeps_its_attachment_and_serves_it_as_a_download(
    client, world, inbox
):
    raw = (RECORDED / "email" / "big5_attachment_lkml.eml").read_bytes()
    mail = parse_message(raw)
    ch, _ = create_channel(inbox, None, "webhook", "hook", {}, {}, world.team_id())
    ingest(inbox, ch["id"], [mail])
    agent = world.agent("supervisor")
    (msg,) = _thread(client, agent)["messages"]
    assert msg["text"].startswith("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\nOn September 26, 2002")
    (att,) = msg["attachments"]
    assert (att["name"], att["content_type"], att["kind"], att["state"]) == (
        "dir-ream.c",
        "text/x-csrc",
        "file",
        "stored",
    )
    part = raw.split(b'filename="dir-ream.c"\n\n', 1)[1].split(b"\n--Boundary-00=_dPQl9KPVt3r7B0g--", 1)[0]
    res = client.get(att["url"], headers=agent["auth"])
    assert res.status_code == 200 and res.data == part  # the line break before a boundary is its own
    assert att["size"] == len(res.data)
    assert res.headers["Content-Disposition"].startswith("attachment;")  # source code is never shown inline
    assert res.headers["X-Content-Type-Options"] == "nosniff"


def test_podcast_enclosure_recorded_by_rss_parser_is_refused_by_its_declared_size_unfetched(
    client, world, inbox
):
    feed_clock = FakeClock(now=datetime(2019, 10, 2, 9, tzinfo=UTC).timestamp())  # the feed's week
    with FileReplayStandIn(files={"/feed": ("rss/giantbomb_bombcast.rss", "application/rss+xml")}) as net:
        settings = {"url": f"{net.base_url}/feed", "backfill_days": 30, "timeout": 2.0}
        ch, _ = create_channel(inbox, None, "rss", "bombcast", settings, {}, world.team_id())
        batch = registry.create("rss", settings, {}, clock=feed_clock).poll(None)
    ingest(inbox, ch["id"], list(batch.messages))
    assert attachments.fetch_due(inbox) == 0  # nothing to fetch: refused from the feed's length
    agent = world.agent("supervisor")
    convs = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"]
    assert len(convs) == 2
    files = []
    for c in convs:
        thread = client.get(f"/api/conversations/{c['id']}", headers=agent["auth"]).get_json()
        files += [a for m in thread["messages"] for a in m["attachments"]]
    by_name = {a["name"]: a for a in files}
    ep = by_name["603__Call_of_Tuesday-10-01-2019-6277737276.mp3"]
    assert (ep["kind"], ep["state"], ep["size"]) == ("audio", "refused", 105003355)
    assert "over the limit" in ep["error"] and ep["url"] is None
