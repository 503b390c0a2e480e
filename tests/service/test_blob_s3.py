"""The scaled mode's blob store against a real S3-compatible server: moto's server mode, started
here as its own process on a local port (boto3 speaks HTTP to it exactly as to a bucket)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from connectors.types import Attachment as Media
from connectors.types import Author, InboundMessage
from inbox.admin.agents import create_agent, create_token
from inbox.attachments.blobs import S3Store, digest
from inbox.channels.accounts import create_channel
from inbox.channels.demo import seed_defaults
from inbox.ingest import ingest
from inbox.store.models import Attachment
from tests.standins.s3 import MOTO, moto_server
from tests.standins.testing import needs
from web.app import create_app
from web.config import Config

pytestmark = pytest.mark.skipif(MOTO is None, reason=needs("moto[server], a dev extra"))
CREDS = {"access_key": "testing", "secret_key": "testing", "region": "us-east-1"}


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


def _bucket(s3_url: str, name: str) -> S3Store:
    store = S3Store(name, endpoint_url=s3_url, **CREDS)
    store.client.create_bucket(Bucket=name)
    return store


def test_s3_store_writes_each_content_once_and_reads_it_back(s3_url):
    store = _bucket(s3_url, "murmur-unit")
    data = b"%PDF-1.4 invoice" * 1000
    key = store.put(data, content_type="application/pdf")
    assert key == digest(data) and store.put(data) == key and store.exists(key)
    listed = store.client.list_objects_v2(Bucket="murmur-unit")["Contents"]
    assert [o["Key"] for o in listed] == [f"blobs/{key[:2]}/{key}"]
    assert store.get(key) == data
    with pytest.raises(KeyError):
        store.get(digest(b"never stored"))
    assert not store.exists(digest(b"never stored"))
    with pytest.raises(KeyError):
        store.get("../../etc/passwd")


def test_scaled_config_keeps_attachments_in_the_bucket(s3_url, database_url, clock, tmp_path):
    bucket = _bucket(s3_url, "murmur-app")
    config = Config(
        database_url=database_url,
        secret_key="k",
        testing=True,
        scheduler=False,
        instance_path=str(tmp_path),
        s3_bucket="murmur-app",
        s3_endpoint_url=s3_url,
        s3_region="us-east-1",
        s3_access_key="testing",
        s3_secret_key="testing",
    )
    app = create_app(config, clock=clock)
    inbox = app.extensions["murmur.inbox"]
    try:
        seed_defaults(inbox)
        create_agent(inbox, "boss@example.com", "correct horse battery", "supervisor", "Boss", [], None)
        token = create_token(inbox, "boss@example.com")
        ch, _ = create_channel(inbox, None, "webhook", "hook", {}, {})
        pdf = b"%PDF-1.7 statement " * 500
        msg = InboundMessage(
            "email",
            "<s3@x>",
            "<s3@x>",
            Author("a@x", "a@x"),
            "statement attached",
            datetime(2026, 3, 4, tzinfo=UTC),
            attachments=(Media("file", "statement.pdf", "application/pdf", data=pdf),),
        )
        ingest(inbox, ch["id"], [msg])
        assert not (tmp_path / "blobs").exists()  # nothing went to the local folder
        keys = [o["Key"] for o in bucket.client.list_objects_v2(Bucket="murmur-app")["Contents"]]
        assert keys == [f"blobs/{digest(pdf)[:2]}/{digest(pdf)}"]
        with inbox.read() as s:
            att_id = s.scalar(select(Attachment.id))
        res = app.test_client().get(
            f"/api/attachments/{att_id}", headers={"Authorization": f"Bearer {token}"}
        )
        assert res.status_code == 200 and res.data == pdf
        assert res.headers["Content-Disposition"].startswith("attachment")
    finally:
        inbox.engine.dispose()
