"""How many statements a scaled drain of one webhook message sends, on both databases.

Each statement is a round trip to the database, and on a busy machine every round trip waits for
a core: the drain of a lone message is what an agent waits for between a webhook and its event
(issue 22). The counts are pinned so a new read on the hot path is a decision, not an accident:
a change that adds one updates the number here and says why.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from inbox.automation.sla_service import save_policy
from inbox.channels import draining, inbound
from inbox.channels.demo import seed_defaults
from inbox.store import settings_cache
from tests.service.conftest import inbound_message

# statements per drain of one message: (a new author and conversation, a known one). A new
# conversation's routing reads its team's presence and load in one statement (was two), and the
# team's sentiment calibration is kept under a token (was read by every batch): 13/11 and 16/13
# before (issue 22, cpumsg). A known conversation's labels come with its locking read (was a
# statement of their own, ingestreads): 10 and 12 before. A routing batch locks its team's agents
# before reading their load (PostgreSQL; one more statement, in one round trip with the read), and
# a new author's customer and identity are inserted by one statement (was two; drainlean).
EXPECTED = {"postgresql": (11, 9), "sqlite": (14, 11)}


@pytest.fixture(autouse=True)
def seeded(inbox):
    """Tokens for every concern, as migration 0011 leaves them (the test's emptied tables have none)."""
    settings_cache.forget()
    with inbox.engine.begin() as conn:
        settings_cache.seed(conn)


def _drain(inbox: Any, channel: int, ext: str, author: str) -> list[str]:
    """Record one message and drain its lane; the statements the drain sent."""
    m = inbound_message(ext, author)
    inbound.record(inbox, channel, [m])
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(inbox.engine, "before_cursor_execute", count)
    try:
        report = draining.drain_lane(inbox, channel, inbound.lane_of(m.thread_key))
    finally:
        event.remove(inbox.engine, "before_cursor_execute", count)
    assert (report.claimed, report.stored) == (True, 1)
    return seen


def test_a_one_message_drain_sends_a_fixed_small_number_of_statements(inbox, world, backend):
    """The workspace of the bench: default rules, an SLA policy, online agents to route to."""
    sup = world.agent("supervisor")
    for _ in range(2):
        world.agent(online=True)
    seed_defaults(inbox)
    save_policy(inbox, sup["id"], {"name": "standard", "first_response_minutes": 60})
    channel, _ = world.webhook_channel()
    _drain(inbox, channel, "warm", "warm")  # loads the settings the next drains keep

    new, known = EXPECTED[backend]
    first = _drain(inbox, channel, "first", "alice")  # a new customer, identity and conversation
    assert len(first) == new, "\n".join(s.split("\n")[0][:100] for s in first)
    again = _drain(inbox, channel, "again", "alice")  # her conversation again
    assert len(again) == known, "\n".join(s.split("\n")[0][:100] for s in again)
