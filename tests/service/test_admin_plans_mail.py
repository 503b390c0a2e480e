"""The audit log's filters read their indexes, not the whole log; invites go out by SMTP when a
server is configured (a real aiosmtpd sink), and a server that refuses says so beside the link."""

from __future__ import annotations

import pytest
from flask import Flask

from inbox.admin import audit
from inbox.channels.demo import seed_defaults
from tests.service.conftest import selects_run_by
from tests.standins.mail import SmtpSink, free_port
from web.app import create_app
from web.config import Config


@pytest.mark.parametrize("backend", ["sqlite"])
def test_audit_filters_by_actor_and_object_read_an_index(client, world, inbox, backend):
    admin = world.agent("admin")
    for i in range(5):
        client.post("/api/admin/teams", json={"name": f"T{i}"}, headers=admin["auth"])
    runs = {
        "actor": audit.AuditFilter(actor_id=admin["id"]),
        "object": audit.AuditFilter(target="team:2"),
        "kind": audit.AuditFilter(target="team"),
    }
    scans = []
    for name, f in runs.items():
        with inbox.engine.connect() as conn:
            for statement, parameters in selects_run_by(inbox, lambda f=f: audit.entries(inbox, f)):
                if "audit_log" not in statement:
                    continue
                plan = " | ".join(
                    row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                )
                if "ix_audit_log" not in plan:
                    scans.append((name, plan))
    assert scans == []


def _app_with_smtp(database_url: str, clock, tmp_path, port: int) -> Flask:
    config = Config(
        database_url=database_url,
        secret_key="test-secret-key",
        testing=True,
        scheduler=False,
        instance_path=str(tmp_path),
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_sender="helpdesk@example.com",
    )
    app = create_app(config, clock=clock)
    seed_defaults(app.extensions["murmur.inbox"])
    return app


@pytest.mark.parametrize("backend", ["sqlite"])
def test_invite_is_mailed_when_smtp_is_configured(database_url, clock, tmp_path, backend):
    from tests.service.conftest import World

    with SmtpSink() as sink:
        app = _app_with_smtp(database_url, clock, tmp_path, sink.port)
        try:
            world = World(app.extensions["murmur.inbox"], app)
            admin = world.agent("admin")
            res = app.test_client().post(
                "/api/admin/agents/invite",
                json={"email": "mailme@example.com", "name": "Mai"},
                headers=admin["auth"],
            )
            assert res.status_code == 201
            out = res.get_json()
            assert out["mailed"] is True and out["mail_error"] is None
        finally:
            app.extensions["murmur.inbox"].engine.dispose()
    assert len(sink.messages) == 1
    mail = sink.messages[0]
    assert mail.rcpt_tos == ["mailme@example.com"]
    assert out["invite_url"].encode() in mail.content


@pytest.mark.parametrize("backend", ["sqlite"])
def test_invite_mail_failure_is_reported_and_the_link_still_shown(database_url, clock, tmp_path, backend):
    from tests.service.conftest import World

    app = _app_with_smtp(database_url, clock, tmp_path, free_port())  # nobody listens there
    try:
        world = World(app.extensions["murmur.inbox"], app)
        admin = world.agent("admin")
        res = app.test_client().post(
            "/api/admin/agents/invite", json={"email": "nomail@example.com"}, headers=admin["auth"]
        )
        out = res.get_json()
        assert res.status_code == 201 and out["mailed"] is False
        assert "could not be sent" in out["mail_error"] and "/invite/" in out["invite_url"]
    finally:
        app.extensions["murmur.inbox"].engine.dispose()
