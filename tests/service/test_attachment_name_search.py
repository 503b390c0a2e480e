"""Message search finds attachment file names through an index on both databases (SQLite FTS5
trigram and gram tables; PostgreSQL pg_trgm and murmur_grams GIN indexes), exactly."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from connectors.types import Attachment as Media
from connectors.types import Author, InboundMessage
from inbox.channels.accounts import create_channel
from inbox.ingest import ingest
from inbox.search import service as search_service
from tests.service.conftest import selects_run_by

NAMES = ["Rechnung_4821 收據.pdf", "invoice-2026-03.pdf", "ใบเสร็จ มีนาคม.png", "photo.jpg", "退款单.xlsx"]


@pytest.fixture
def files(inbox, world):
    ch, _ = create_channel(inbox, None, "webhook", "hook", {}, {}, world.team_id())
    mails = [
        InboundMessage(
            "email",
            f"<f{i}@x>",
            f"<f{i}@x>",
            Author(f"c{i}@x", f"c{i}@x"),
            "see attached",
            datetime(2026, 3, 4, 10, i, tzinfo=UTC),
            attachments=(Media("file", name, "application/octet-stream", data=name.encode() * 40),),
        )
        for i, name in enumerate(NAMES)
    ]
    ingest(inbox, ch["id"], mails)
    return world.agent(role="supervisor")


def _plans(inbox, run):
    out = []
    with inbox.engine.connect() as conn:
        if inbox.dialect == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # the tables are tiny: price scans out
        for statement, params in selects_run_by(inbox, run):
            if inbox.dialect == "sqlite":
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
                out.append((statement, " | ".join(r[-1] for r in rows)))
            else:
                (raw,) = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, params).one()
                out.append((statement, json.dumps(raw)))
    return out


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("rechnung", ["Rechnung_4821 收據.pdf"]),
        ("收據", ["Rechnung_4821 收據.pdf"]),
        ("退", ["退款单.xlsx"]),
        ("ใบเสร็จ", ["ใบเสร็จ มีนาคม.png"]),
        ("INVOICE 2026", ["invoice-2026-03.pdf"]),
        (".pdf", ["invoice-2026-03.pdf", "Rechnung_4821 收據.pdf"]),
        ("50%_off", []),
    ],
)
def test_file_names_are_found_exactly(inbox, files, q, found):
    res = search_service.search(inbox, files["id"], q)
    names = [
        "".join(seg["text"] for seg in hit["message"]["snippet"]).removeprefix("📎 ")
        for hit in res["conversations"]
    ]
    assert names == found


@pytest.mark.parametrize("q", ["rechnung", "收據", "退", "invoice 2026"])
def test_file_name_search_reads_the_name_index_not_the_table(inbox, files, q):
    """No plan scans the attachments table: each term goes through a trigram or gram index."""
    scans, used = [], False
    for statement, plan in _plans(inbox, lambda: search_service.search(inbox, files["id"], q)):
        if "attachments" not in statement:
            continue
        if inbox.dialect == "sqlite":
            used |= bool(re.search(r"attachments_(fts|grams) VIRTUAL TABLE", plan))
            if re.search(r"SCAN attachments\b(?!_)", plan):
                scans.append((statement[:200], plan))
        else:
            used |= bool(re.search(r'"Index Name": "ix_attachments_name_(trgm|grams)"', plan))
            if re.search(r'"Node Type": "Seq Scan", [^}]*"Relation Name": "attachments"', plan):
                scans.append((statement[:200], plan[:400]))
    assert scans == [] and used
