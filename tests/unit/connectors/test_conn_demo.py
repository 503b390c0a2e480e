from __future__ import annotations

from connectors import registry
from connectors.base import Connector
from connectors.demo import load_lines
from connectors.errors import PayloadError
from connectors.types import OutboundReply

NOW = 1_772_619_330.0


def demo(**settings):
    return registry.create("demo", settings, {}, clock=lambda: NOW)


def test_registry_knows_builtin_kinds_and_rejects_unknown():
    assert {"demo", "webhook"} <= set(registry.kinds())
    assert registry.get("demo").kind == "demo"
    try:
        registry.get("nope")
    except PayloadError as err:
        assert err.field == "kind"
    else:
        raise AssertionError("unknown kind accepted")
    assert isinstance(demo(), Connector)


def test_poll_walks_the_file_in_batches_then_stops():
    c, cursor, seen = demo(batch_size=10), None, []
    while True:
        batch = c.poll(cursor)
        if not batch.messages:
            assert batch.next_cursor == cursor
            break
        seen.extend(m.external_id for m in batch.messages)
        cursor = batch.next_cursor
    assert len(seen) == len(load_lines()) == len(set(seen))
    assert 60 <= len(seen) <= 80


def test_default_batch_is_three_and_times_are_recent():
    batch = demo().poll(None)
    assert len(batch.messages) == 3 and batch.next_cursor == "3"
    assert all(0 <= NOW - m.created_at.timestamp() <= 300 for m in batch.messages)


def test_loop_restarts_with_fresh_ids():
    n = len(load_lines())
    c = demo(loop=True, batch_size=n)
    first, second = c.poll(None), c.poll(str(n))
    assert len(second.messages) == n
    assert not {m.external_id for m in first.messages} & {m.external_id for m in second.messages}
    assert second.messages[0].external_id.endswith("-r1")


def test_content_covers_languages_channels_people_and_hostile_html():
    msgs = demo(batch_size=200).poll(None).messages
    langs = {m.language_hint for m in msgs}
    assert {"en", "zh-Hans", "zh-Hant", "th"} <= langs
    assert {"mastodon", "x", "telegram", "email", "bluesky"} <= {m.channel for m in msgs}
    by_email: dict[str, set[str]] = {}
    for m in msgs:
        if m.author.email:
            by_email.setdefault(m.author.email, set()).add(m.channel)
    assert sum(1 for chans in by_email.values() if len(chans) >= 3) >= 2
    assert any(m.author.followers >= 100_000 for m in msgs)
    html = " ".join(m.html or "" for m in msgs)
    assert "<script>" in html and "onerror=" in html and "javascript:" in html


def test_send_reply_returns_fake_ids():
    c = demo()
    r = OutboundReply(channel="demo", thread_key="t", text="hi")
    assert [c.send_reply(r), c.send_reply(r)] == ["demo-reply-1", "demo-reply-2"]
    assert "68 messages" in c.test() or "messages" in c.test()


def test_poller_paces_the_demo_one_batch_per_run():
    from connectors.poller import PollState, poll_channel

    out = poll_channel(demo(), PollState(), lambda b: None, NOW)
    assert out.health.fetched == 3 and out.state.cursor == "3"
