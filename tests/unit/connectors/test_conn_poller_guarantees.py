"""The poller's promises, checked on every pulled channel against its stand-in."""

from __future__ import annotations

from collections import Counter

import pytest

from connectors import registry
from connectors.poller import PollPolicy, PollState, poll_channel
from tests.standins.testing import FakeClock, RecordingStore
from tests.unit.connectors.cases import CASES, Case

POLICY = PollPolicy(interval=60, retries=2, retry_base=1, backoff_base=30)


@pytest.fixture(params=CASES, ids=[c.kind for c in CASES])
def env(request):
    case: Case = request.param
    clock = FakeClock()
    with case.standin(clock=clock) as server:
        conn = registry.create(case.kind, case.settings(server), case.secrets, clock=clock)
        yield case, server, conn, clock


def run(conn, state, store, clock, **kw):
    return poll_channel(
        conn, state, store, clock.now, policy=POLICY, sleep=clock.sleep, rand=lambda: 0.5, **kw
    )


def baseline(case, server, conn, clock, store):
    """A channel that has polled once already (first runs only take the newest page)."""
    case.seed(server, 3)
    out = run(conn, PollState(), store, clock)
    assert out.health.status == "ok" and len(store.messages) == 3, out.health
    assert len(store.rows) == 3 and out.health.stored == 3  # each delivered once
    clock.advance(61)
    return out.state


def test_full_poll_follows_pagination_and_replay_adds_nothing(env):
    case, server, conn, clock = env
    store = RecordingStore()
    state = baseline(case, server, conn, clock, store)
    case.seed(server, 2 * case.page_size + 7)
    before = len(server.calls(case.api_path))
    out = run(conn, state, store, clock)
    assert out.health.status == "ok", out.health
    assert len(store.messages) == 3 + 2 * case.page_size + 7
    assert out.health.stored == 2 * case.page_size + 7 and out.health.skipped == 0
    assert store.doubled() == [] and len(store.rows) == 3 + 2 * case.page_size + 7  # no page twice
    if case.paged:
        assert out.health.pages >= 3 and len(server.calls(case.api_path)) - before >= 3  # really paged
    clock.advance(61)
    again = run(conn, out.state, store, clock)
    assert (again.health.fetched, again.health.stored) == (0, 0)
    assert len(store.rows) == 3 + 2 * case.page_size + 7  # an empty poll hands the store nothing
    # replaying from the old cursor re-delivers the pages: the unique index keeps one copy
    rows = len(store.rows)
    replay = run(conn, state, store, clock, force=True)
    assert replay.health.stored == 0 and len(store.messages) == 3 + 2 * case.page_size + 7
    # every re-delivered row (none where the API forgets acknowledged items, as Telegram's
    # getUpdates does) was counted as skipped, not stored
    assert replay.health.skipped == len(store.rows) - rows == replay.health.fetched


def test_429_is_honoured_until_reset(env):
    case, server, conn, clock = env
    store = RecordingStore()
    state = baseline(case, server, conn, clock, store)
    case.seed(server, 5)
    server.rate_limit_next(reset_in=120)
    out = run(conn, state, store, clock)
    assert out.health.status == "rate_limited" and out.called
    assert out.state.next_poll_at == pytest.approx(clock.now + 120, abs=1.5)
    calls = len(server.requests)
    clock.advance(60)
    early = run(conn, out.state, store, clock, force=True)  # not even an admin's "poll now"
    assert not early.called and len(server.requests) == calls
    clock.advance(62)
    late = run(conn, early.state, store, clock)
    assert late.health.status == "ok" and len(store.messages) == 8
    assert store.doubled() == [] and late.health.stored == 5


def test_500_burst_and_timeouts_are_retried_then_reported(env):
    case, server, conn, clock = env
    store = RecordingStore()
    state = baseline(case, server, conn, clock, store)
    case.seed(server, 4)
    server.fail_next(500, n=2, path=case.api_path)
    out = run(conn, state, store, clock)
    assert out.health.status == "ok" and len(store.messages) == 7 and len(clock.sleeps) == 2
    case.seed(server, 4)
    clock.advance(61)
    server.fail_next(503, n=1, path=case.api_path)
    server.slow_next(delay=0.6, n=1, path=case.api_path)
    server.malformed_next(n=1, path=case.api_path)
    bad = run(conn, out.state, store, clock)
    assert bad.health.status == "backing_off" and bad.health.consecutive_failures == 1
    assert "malformed" in bad.health.last_error
    assert bad.state.next_poll_at > clock.now and bad.state.cursor == out.state.cursor
    clock.now = bad.state.next_poll_at
    good = run(conn, bad.state, store, clock)
    assert (
        good.health.status == "ok"
        and good.health.consecutive_failures == 0
        and good.health.last_error is None
    )
    assert len(store.messages) == 11 and store.doubled() == []  # failed runs delivered nothing


def test_timeout_reported_in_health(env):
    case, server, conn, clock = env
    store = RecordingStore()
    state = baseline(case, server, conn, clock, store)
    server.slow_next(delay=0.6, n=3, path=case.api_path)
    out = run(conn, state, store, clock)
    assert out.health.status == "backing_off" and "timed out" in out.health.last_error


def test_crash_between_store_and_cursor_save_loses_and_doubles_nothing(env):
    case, server, conn, clock = env
    store = RecordingStore()
    state = baseline(case, server, conn, clock, store)
    n = 2 * case.page_size + 5
    case.seed(server, n)
    # the second page (or the only one) commits, then the process "dies" before the cursor is saved
    store.crash_on_call = store.calls + (2 if case.paged else 1)
    out = run(conn, state, store, clock)
    assert out.error is not None
    crashed = store.last_batch  # committed, but its cursor never saved
    assert crashed
    if case.paged:
        assert out.state.cursor != state.cursor  # page 1 was fully done: its cursor is kept
    store.crash_on_call = None
    clock.now = out.state.next_poll_at
    again = run(conn, out.state, store, clock)
    assert again.health.status == "ok"
    assert len(store.messages) == 3 + n  # nothing lost
    # the only rows delivered twice are the crashed page's, each exactly twice; the unique
    # index counts them as skipped, so nothing is doubled in the table
    assert store.doubled() == list(crashed)
    assert max(Counter(m.external_id for m in store.rows).values()) == 2
    assert again.health.skipped == len(crashed) and len(store.rows) == 3 + n + len(crashed)


def test_store_failure_keeps_cursor(env):
    case, server, conn, clock = env
    store = RecordingStore()
    state = baseline(case, server, conn, clock, store)
    case.seed(server, 3)
    store.crash_on_call, store.fail_before_commit = store.calls + 1, True
    out = run(conn, state, store, clock)
    assert out.state.cursor == state.cursor and "store failed" in out.health.last_error
    assert len(store.rows) == 3  # nothing committed


@pytest.mark.parametrize("case", [c for c in CASES if c.secrets], ids=[c.kind for c in CASES if c.secrets])
def test_bad_credentials_are_permanent(case):
    """Only channels with credentials (a public feed has none to get wrong)."""
    clock = FakeClock()
    with case.standin(clock=clock) as server:
        bad = registry.create(
            case.kind, case.settings(server), {k: "wrong" for k in case.secrets}, clock=clock
        )
        out = run(bad, PollState(), RecordingStore(), clock)
    assert out.health.status == "failing" and "wrong" not in (out.health.last_error or "")
