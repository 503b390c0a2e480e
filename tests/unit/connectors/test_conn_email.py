"""The email connector against a real Dovecot IMAP server and an aiosmtpd SMTP server."""

from __future__ import annotations

from email import message_from_bytes

import pytest

from connectors import registry
from connectors.errors import TransientError
from connectors.poller import PollPolicy, PollState, poll_channel
from connectors.types import Author, OutboundReply
from tests.standins.mail import PASSWORD, Dovecot, SmtpSink, dovecot_available, make_mail
from tests.standins.testing import FakeClock, RecordingStore, needs

pytestmark = pytest.mark.skipif(not dovecot_available(), reason=needs("Debian package dovecot-imapd"))


@pytest.fixture(scope="module")
def dovecot():
    with Dovecot() as d:
        yield d


@pytest.fixture
def mailbox(dovecot):
    """A clean INBOX per test (delete everything, expunge)."""
    import imaplib

    c = imaplib.IMAP4("127.0.0.1", dovecot.port)
    c.login("agent@example.test", PASSWORD)
    _, count = c.select("INBOX")
    if int(count[0]):
        c.store("1:*", "+FLAGS", "\\Deleted")
        c.expunge()
    c.logout()
    return dovecot


def conn(d, **over):
    return registry.create("email", d.settings(batch_size=4, **over), {"password": PASSWORD})


def run(c, state, store):
    clock = FakeClock()
    return poll_channel(
        c, state, store, clock.now, policy=PollPolicy(retries=0), sleep=clock.sleep, force=True
    )


def test_poll_by_uid_with_batches_and_no_refetch(mailbox):
    mailbox.append(*(make_mail(i) for i in range(10)))
    store, c = RecordingStore(), conn(mailbox)
    out = run(c, PollState(), store)
    assert out.health.status == "ok" and out.health.pages == 3 and len(store.messages) == 10
    assert len(store.rows) == 10 and store.doubled() == []  # each batch delivered once
    again = run(c, out.state, store)
    assert again.health.fetched == 0  # the UID n:* trap: last UID is not fetched again
    assert len(store.rows) == 10


def test_threading_plain_and_html(mailbox):
    mailbox.append(
        make_mail(1),
        make_mail(
            2,
            in_reply_to="<ours1@acme.example>",
            references="<m1@example.com> <ours1@acme.example>",
            html=True,
        ),
    )
    batch = conn(mailbox).poll(None)
    first, second = batch.messages
    assert first.external_id == "<m1@example.com>" and first.thread_key == "<m1@example.com>"
    assert second.thread_key == "<m1@example.com>" and second.in_reply_to == "<ours1@acme.example>"
    assert second.html and "<b>message 2</b>" in second.html and "message 2" in second.text
    assert first.author.email == "dana.kim@example.com" and first.author.display_name == "Dana Kim"
    assert first.subject == "Order #4821" and not first.public


def test_uidvalidity_change_resyncs_without_duplicates(mailbox):
    mailbox.append(*(make_mail(i) for i in range(3)))
    store, c = RecordingStore(), conn(mailbox)
    out = run(c, PollState(), store)
    mailbox.set_uidvalidity(1234567)
    mailbox.append(make_mail(99))
    again = run(c, out.state, store)
    assert again.health.status == "ok" and len(store.messages) == 4 and again.health.skipped == 3
    assert store.doubled() == [f"<m{i}@example.com>" for i in range(3)]  # the resync re-delivers, once
    assert '"uidvalidity":1234567' in again.state.cursor


def test_crash_after_store_loses_and_doubles_nothing(mailbox):
    mailbox.append(*(make_mail(i) for i in range(10)))
    store, c = RecordingStore(crash_on_call=2), conn(mailbox)
    out = run(c, PollState(), store)
    assert out.error is not None
    crashed = store.last_batch  # the second batch committed, its cursor never saved
    assert len(crashed) == 4
    store.crash_on_call = None
    again = run(c, out.state, store)
    assert len(store.messages) == 10  # nothing lost
    assert store.doubled() == list(crashed) and again.health.skipped == 4  # only it came again
    assert len(store.rows) == 14


def test_bad_password_and_dead_server():
    c = registry.create(
        "email",
        {"imap_host": "127.0.0.1", "imap_port": 1, "imap_ssl": False, "username": "x", "timeout": 0.5},
        {"password": "p"},
    )
    with pytest.raises(TransientError):
        c.poll(None)


def test_reply_over_smtp_keeps_thread_headers(dovecot):
    with SmtpSink() as sink:
        c = conn(
            dovecot,
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            smtp_starttls=False,
            from_address="support@acme.example",
        )
        mid = c.send_reply(
            OutboundReply(
                channel="email",
                thread_key="<m1@example.com>",
                text="We re-shipped it.",
                in_reply_to="<m2@example.com>",
                public=False,
                recipient=Author(
                    external_id="dana.kim@example.com",
                    handle="dana.kim@example.com",
                    email="dana.kim@example.com",
                ),
                metadata={"subject": "Re: Order #4821", "references": "<m1@example.com>"},
            )
        )
    [env] = sink.messages
    sent = message_from_bytes(env.content)
    assert sent["Message-ID"] == mid and sent["In-Reply-To"] == "<m2@example.com>"
    assert sent["References"] == "<m1@example.com> <m2@example.com>"
    assert sent["Subject"] == "Re: Order #4821" and env.rcpt_tos == ["dana.kim@example.com"]


def test_wrong_password_is_permanent(dovecot):
    # last in the file: Dovecot delays logins from an address after a failure
    c = registry.create("email", dovecot.settings(), {"password": "nope"})
    out = run(c, PollState(), RecordingStore())
    assert out.health.status == "failing" and "nope" not in out.health.last_error
