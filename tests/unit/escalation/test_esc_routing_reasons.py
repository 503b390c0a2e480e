"""Why a conversation waits, word for word: agents and supervisors read these reasons.

Each row empties the pool at a different filter, in the order `_why_waiting` reports them
(team, presence, channel, language, capacity), with and without a team.
"""

from __future__ import annotations

import pytest

from escalation import AgentState, RoutingRequest, route


def agent(id_: int, presence: str = "online", **kw) -> AgentState:
    kw.setdefault("teams", frozenset({2}))
    return AgentState(id_, presence, **kw)


EN = frozenset({"en"})
ROWS = [
    ("no agents at all", RoutingRequest(2), [], "waiting: team 2 has no agents", "team:2"),
    (
        "the only team member is excluded",
        RoutingRequest(2, exclude_agent_ids=frozenset({1})),
        [agent(1)],
        "waiting: team 2 has no agents",
        "team:2",
    ),
    (
        "nobody online, no team",
        RoutingRequest(None),
        [agent(1, "away")],
        "waiting: no agent available is online",
        "unassigned",
    ),
    (
        "nobody handles the channel, no team",
        RoutingRequest(None, channel="x"),
        [agent(1, channels=frozenset({"email"}))],
        "waiting: no online agent available handles x",
        "unassigned",
    ),
    (
        "nobody speaks the language, no team",
        RoutingRequest(None, language="th"),
        [agent(1, languages=EN)],
        "waiting: no online agent available speaks th",
        "unassigned",
    ),
    (
        "everyone full, no team",
        RoutingRequest(None),
        [agent(1, capacity=1, open_count=1)],
        "waiting: every eligible online agent available is at capacity",
        "unassigned",
    ),
    (
        "the channel filter comes before the language filter",
        RoutingRequest(2, channel="x", language="th"),
        [agent(1, channels=frozenset({"email"}), languages=EN)],
        "waiting: no online agent in team 2 handles x",
        "team:2",
    ),
    (
        "an undetermined language filters nobody",
        RoutingRequest(2, language="und"),
        [agent(1, capacity=1, open_count=1, languages=EN)],
        "waiting: every eligible online agent in team 2 is at capacity",
        "team:2",
    ),
]


@pytest.mark.parametrize(
    ("request_", "agents", "reason", "queue"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_waiting_reason_and_queue(request_: RoutingRequest, agents: list, reason: str, queue: str) -> None:
    decision = route(request_, agents)
    assert (decision.agent_id, decision.reason, decision.queue) == (None, reason, queue)


def test_an_excluded_agent_is_passed_over_for_the_next() -> None:
    decision = route(RoutingRequest(2, exclude_agent_ids=frozenset({1})), [agent(1), agent(2)])
    assert decision.agent_id == 2
