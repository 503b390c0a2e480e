"""The poller's rules with exact numbers: backoff, inline retries, the schedule, rate limits, pages.

A scripted connector answers each `poll(cursor)` with the next planned `Batch` or error, so every
delay, cursor and health field below is the exact value the rules give (no network stand-in).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.errors import PayloadError, PermanentError, RateLimited, TransientError
from connectors.poller import PollPolicy, PollState, StoreResult, backoff_delay, poll_channel
from connectors.types import Author, Batch, InboundMessage, RateLimit
from tests.standins.testing import FakeClock, RecordingStore

NOW = 1_000_000.0
POLICY = PollPolicy(interval=60, max_pages=4, retries=2, retry_base=1, backoff_base=30, backoff_max=600)


def msg(n: int) -> InboundMessage:
    return InboundMessage(
        "demo", f"m{n}", f"t{n}", Author(f"a{n}", f"a{n}"), "hi", datetime(2026, 3, 4, tzinfo=UTC)
    )


def page(*ns: int, cursor: str | None, **kw) -> Batch:
    return Batch(tuple(msg(n) for n in ns), cursor, **kw)


class Scripted:
    """Answers each poll with the next planned item (a Batch, or an exception to raise)."""

    def __init__(self, *plan: object) -> None:
        self.plan, self.cursors = list(plan), []

    def poll(self, cursor: str | None) -> Batch:
        self.cursors.append(cursor)
        item = self.plan.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def run(conn, state=None, store=None, now=NOW, **kw):
    clock = FakeClock(now)
    state = state or PollState()
    out = poll_channel(
        conn, state, store or RecordingStore(), now, policy=POLICY, sleep=clock.sleep, rand=lambda: 0.5, **kw
    )
    return out, clock


@pytest.mark.parametrize(
    ("failures", "rand", "expected"),
    [
        (1, 0.0, 15.0),  # 30 s raw: half fixed
        (1, 1.0, 30.0),  # ... plus up to the other half
        (1, 0.5, 22.5),
        (2, 0.0, 30.0),  # doubled per consecutive failure
        (3, 1.0, 120.0),
        (0, 1.0, 30.0),  # never below the base
        (6, 1.0, 600.0),  # 30 * 32 = 960 capped at backoff_max
        (6, 0.0, 300.0),
    ],
)
def test_backoff_delay_is_equal_jitter_capped(failures: int, rand: float, expected: float) -> None:
    assert backoff_delay(failures, POLICY, lambda: rand) == expected


def test_pages_until_the_cursor_stops_then_schedules_the_next_poll() -> None:
    conn = Scripted(page(1, 2, cursor="c1"), page(3, cursor="c2"), page(cursor="c2"))
    out, _ = run(conn, PollState(cursor="c0"))
    assert conn.cursors == ["c0", "c1", "c2"]
    assert out.state.cursor == "c2" and out.state.next_poll_at == NOW + 60
    h = out.health
    assert (h.status, h.fetched, h.stored, h.skipped, h.pages) == ("ok", 3, 3, 0, 3)
    assert out.state.last_success_at == NOW and out.state.consecutive_failures == 0 and out.called


def test_has_more_false_saves_the_extra_call() -> None:
    conn = Scripted(page(1, cursor="c1", has_more=False))
    out, _ = run(conn)
    assert conn.cursors == [None] and out.health.pages == 1 and out.state.cursor == "c1"


def test_max_pages_bounds_one_run_and_keeps_the_cursor_reached() -> None:
    conn = Scripted(*(page(i, cursor=f"c{i}") for i in range(1, 10)))
    out, _ = run(conn)
    assert out.health.pages == 4 and out.state.cursor == "c4" and len(conn.plan) == 5


def test_an_empty_page_with_the_same_cursor_stores_nothing() -> None:
    store = RecordingStore()
    out, _ = run(Scripted(page(cursor="c0")), PollState(cursor="c0"), store)
    assert store.calls == 0 and out.health.pages == 1 and out.state.cursor == "c0"


def test_an_empty_page_that_moves_the_cursor_is_stored_for_its_cursor() -> None:
    store = RecordingStore()
    out, _ = run(Scripted(page(cursor="c1"), page(cursor="c1")), PollState(cursor="c0"), store)
    assert store.calls == 1 and out.state.cursor == "c1"


def test_not_due_is_not_called_unless_forced() -> None:
    state = PollState(cursor="c0", next_poll_at=NOW + 1)
    out, _ = run(Scripted(), state)
    assert out.health.status == "not_due" and not out.called and out.state == state
    forced, _ = run(Scripted(page(cursor="c0")), state, force=True)
    assert forced.called and forced.health.status == "ok"
    due, _ = run(Scripted(page(cursor="c0")), PollState(cursor="c0", next_poll_at=NOW))
    assert due.called  # exactly at next_poll_at it is due


def test_blocked_until_holds_even_a_forced_poll_and_ends_exactly_at_reset() -> None:
    state = PollState(cursor="c0", blocked_until=NOW + 100, next_poll_at=NOW + 50)
    out, _ = run(Scripted(), state, force=True)
    assert out.health.status == "rate_limited" and not out.called
    assert out.state.next_poll_at == NOW + 100  # pushed to the reset
    at_reset, _ = run(Scripted(page(cursor="c0")), state, now=NOW + 100)
    assert at_reset.called and at_reset.state.blocked_until == 0.0


def test_429_keeps_the_cursor_reached_and_blocks_until_reset() -> None:
    reset = datetime.fromtimestamp(NOW + 300, UTC)
    conn = Scripted(page(1, cursor="c1"), RateLimited(reset))
    out, _ = run(conn, PollState(cursor="c0"))
    assert out.health.status == "rate_limited" and out.called
    assert out.state.cursor == "c1"  # the first page was stored: its cursor is kept
    assert out.state.blocked_until == NOW + 300 == out.state.next_poll_at
    assert out.state.last_error.startswith("rate limited; reset at") and out.state.last_error_at == NOW


def test_a_429_with_a_reset_in_the_past_blocks_until_now() -> None:
    out, _ = run(Scripted(RateLimited(datetime.fromtimestamp(NOW - 60, UTC))))
    assert out.state.blocked_until == NOW


def test_a_spent_budget_stops_before_the_server_says_429() -> None:
    reset = datetime.fromtimestamp(NOW + 120, UTC)
    conn = Scripted(page(1, cursor="c1", rate_limit=RateLimit(100, 0, reset)), page(2, cursor="c2"))
    out, _ = run(conn)
    assert conn.cursors == [None] and out.health.status == "rate_limited"
    assert out.state.cursor == "c1" and out.state.blocked_until == NOW + 120 == out.state.next_poll_at
    assert out.state.last_success_at == NOW and out.state.last_error is None
    spare = Scripted(page(1, cursor="c1", rate_limit=RateLimit(100, 1, reset)), page(cursor="c1"))
    assert run(spare)[0].health.status == "ok"  # one call left: carry on


def test_transient_errors_are_retried_inline_with_doubling_delays() -> None:
    conn = Scripted(TransientError("503"), TransientError("503"), page(1, cursor="c1", has_more=False))
    out, clock = run(conn)
    assert out.health.status == "ok" and clock.sleeps == [0.75, 1.5]  # 1 and 2 s, times 0.75 jitter


def test_retries_run_out_then_the_channel_backs_off() -> None:
    conn = Scripted(*(TransientError("timed out") for _ in range(3)))
    out, clock = run(conn, PollState(cursor="c0", consecutive_failures=1))
    assert len(clock.sleeps) == 2 and out.health.status == "backing_off"
    assert out.state.consecutive_failures == 2 and out.state.cursor == "c0"
    # the failure time includes the inline retry sleeps; the delay is backoff_delay(2) = 45 s
    assert out.state.last_error_at == NOW + 2.25 and out.state.next_poll_at == NOW + 2.25 + 45
    assert out.state.last_error == "timed out"


def test_retry_budget_is_per_page() -> None:
    conn = Scripted(
        TransientError("a"),
        TransientError("b"),
        page(1, cursor="c1"),
        TransientError("c"),
        TransientError("d"),
        page(cursor="c1"),
    )
    out, clock = run(conn)
    assert out.health.status == "ok" and len(clock.sleeps) == 4


@pytest.mark.parametrize("error", [PermanentError("bad token"), PayloadError("cursor", "bad")])
def test_permanent_errors_fail_for_the_longest_delay(error: Exception) -> None:
    out, clock = run(Scripted(error))
    assert out.health.status == "failing" and clock.sleeps == []
    assert out.state.next_poll_at == NOW + 600 and out.state.consecutive_failures == 1


def test_store_results_are_summed_and_an_int_result_means_stored() -> None:
    answers = iter([StoreResult(2, 1), 1])

    def store(batch: Batch) -> object:
        return next(answers)

    conn = Scripted(page(1, 2, 3, cursor="c1"), page(4, 5, cursor="c2", has_more=False))
    out, _ = run(conn, store=store)
    assert (out.health.stored, out.health.skipped) == (3, 2)


def test_store_that_returns_nothing_counts_every_message_stored() -> None:
    out, _ = run(Scripted(page(1, 2, cursor="c1", has_more=False)), store=lambda batch: None)
    assert (out.health.stored, out.health.skipped) == (2, 0)


def test_checkpoint_saves_each_page_cursor() -> None:
    saved: list[str | None] = []
    conn = Scripted(page(1, cursor="c1"), page(2, cursor="c2"), page(cursor="c2"))
    run(conn, checkpoint=lambda st: saved.append(st.cursor))
    assert saved == ["c1", "c2"]


def test_rejected_items_reach_the_health_record() -> None:
    conn = Scripted(page(1, cursor="c1", rejected=("x1: no author",), has_more=False))
    out, _ = run(conn)
    assert out.health.rejected == ("x1: no author",)
    assert out.health.as_dict()["rejected"] == ["x1: no author"]


def test_success_clears_the_failure_record() -> None:
    state = PollState(cursor="c0", consecutive_failures=3, last_error="boom", last_error_at=NOW - 5)
    out, _ = run(Scripted(page(cursor="c0")), state)
    assert out.state.consecutive_failures == 0 and out.state.last_error is None
    assert out.health.last_error is None and out.health.consecutive_failures == 0


def test_refused_runs_say_they_did_not_call() -> None:
    not_due, _ = run(Scripted(), PollState(next_poll_at=NOW + 1))
    blocked, _ = run(Scripted(), PollState(blocked_until=NOW + 1), force=True)
    assert not_due.called is False and blocked.called is False
    assert not_due.error is None and blocked.error is None


def test_health_carries_the_schedule_and_last_success() -> None:
    out, _ = run(Scripted(page(cursor="c0")), PollState(cursor="c0"))
    assert out.called is True
    assert out.health.last_success_at == NOW and out.health.next_poll_at == NOW + 60


def test_a_429_reports_its_exception() -> None:
    error = RateLimited(datetime.fromtimestamp(NOW + 60, UTC))
    out, _ = run(Scripted(error))
    assert out.error is error and out.called is True


def test_a_permanent_error_keeps_the_cursor_and_reports_the_exception() -> None:
    error = PermanentError("bad token")
    out, _ = run(Scripted(error), PollState(cursor="c0"))
    assert out.error is error and out.called is True
    assert out.state.cursor == "c0" and out.state.last_error == "bad token"


def test_rejected_items_of_every_page_are_kept() -> None:
    conn = Scripted(
        page(1, cursor="c1", rejected=("x1: no author",)),
        page(2, cursor="c2", rejected=("x2: no date",), has_more=False),
    )
    out, _ = run(conn)
    assert out.health.rejected == ("x1: no author", "x2: no date")


def test_a_store_failure_backs_off_and_names_the_database_error() -> None:
    boom = RuntimeError("disk full")

    def store(batch: Batch) -> StoreResult:
        raise boom

    out, _ = run(Scripted(page(1, cursor="c1")), PollState(cursor="c0"), store=store)
    assert out.health.status == "backing_off" and out.called is True
    assert out.state.last_error == "store failed: RuntimeError: disk full"
    assert out.error is boom and out.state.cursor == "c0"


def test_a_budget_that_resets_now_does_not_stop_the_run() -> None:
    now_reset = datetime.fromtimestamp(NOW, UTC)
    conn = Scripted(page(1, cursor="c1", rate_limit=RateLimit(100, 0, now_reset)), page(cursor="c1"))
    out, _ = run(conn)
    assert out.health.status == "ok" and out.state.blocked_until == 0.0
    spent = Scripted(page(1, cursor="c1", rate_limit=RateLimit(100, 0, datetime.fromtimestamp(NOW + 1, UTC))))
    stopped, _ = run(spent)
    assert stopped.called is True and stopped.health.status == "rate_limited"


def test_a_failed_run_says_it_called() -> None:
    out, _ = run(Scripted(TransientError("a"), TransientError("b"), TransientError("c")))
    assert out.called is True and isinstance(out.error, TransientError)
