"""Routing strategies, eligibility reasons, presence grace and re-routing."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalation import (
    AgentState,
    Assignment,
    Router,
    RoutingRequest,
    conversations_to_reroute,
    presence_after_grace,
    route,
    route_many,
)


def agent(id_, presence="online", **kw):
    kw.setdefault("teams", frozenset({2}))
    return AgentState(id_, presence, **kw)


TEAM2 = RoutingRequest(2)


def assign_many(agents, n, strategy, request=TEAM2):
    """Assign n conversations one at a time, updating agent state like the inbox would."""
    state = {a.id: a for a in agents}
    counts = Counter()
    for tick in range(1, n + 1):
        decision = route(request, state.values(), strategy, now=float(tick))
        assert decision.agent_id is not None, decision.reason
        a = state[decision.agent_id]
        state[a.id] = replace(a, open_count=a.open_count + 1, last_assigned_at=decision.assigned_at)
        counts[a.id] += 1
    return counts


def test_round_robin_is_fair_over_many_assignments():
    agents = [agent(i, capacity=1000, last_assigned_at=float(-i)) for i in range(1, 6)]
    counts = assign_many(agents, 503, "round_robin")
    assert max(counts.values()) - min(counts.values()) <= 1
    assert sum(counts.values()) == 503


def test_round_robin_takes_least_recently_assigned_first():
    agents = [
        agent(1, last_assigned_at=datetime(2025, 1, 1, 10, tzinfo=UTC)),
        agent(2, last_assigned_at=None),
        agent(3, last_assigned_at=datetime(2025, 1, 1, 9, tzinfo=UTC)),
    ]
    decision = route(RoutingRequest(2), agents)
    assert decision.agent_id == 2 and decision.candidates == (1, 2, 3)
    assert route(RoutingRequest(2), agents[::2]).agent_id == 3


def test_least_loaded_picks_fewest_open_then_least_recent():
    agents = [
        agent(1, open_count=3),
        agent(2, open_count=1, last_assigned_at=5.0),
        agent(3, open_count=1, last_assigned_at=2.0),
    ]
    decision = route(RoutingRequest(2), agents, "least_loaded")
    assert decision.agent_id == 3 and "least_loaded" in decision.reason


def test_least_loaded_evens_out_an_uneven_start():
    agents = [agent(1, open_count=6), agent(2), agent(3, open_count=2)]
    counts = assign_many(agents, 10, "least_loaded")
    assert counts == {2: 6, 3: 4}


def test_capacity_is_respected():
    agents = [agent(1, capacity=2), agent(2, capacity=1)]
    counts = assign_many(agents, 3, "round_robin")
    assert counts == {1: 2, 2: 1}
    full = [agent(1, capacity=2, open_count=2), agent(2, capacity=0)]
    decision = route(RoutingRequest(2), full)
    assert (
        decision.agent_id is None
        and decision.reason == "waiting: every eligible online agent in team 2 is at capacity"
    )


def test_presence_away_and_offline_get_nothing():
    decision = route(RoutingRequest(2), [agent(1, "away"), agent(2, "offline")])
    assert decision == decision.__class__(None, "waiting: no agent in team 2 is online", "team:2")


def test_team_filter():
    decision = route(RoutingRequest(7), [agent(1)])
    assert decision.reason == "waiting: team 7 has no agents" and decision.queue == "team:7"
    assert route(RoutingRequest(None), [agent(1, teams=frozenset())]).agent_id == 1


def test_language_waits_in_team_queue_and_says_so():
    agents = [agent(1, languages=frozenset({"en", "de"})), agent(2, languages=frozenset({"fr"}))]
    decision = route(RoutingRequest(2, language="th"), agents)
    assert decision.agent_id is None
    assert decision.reason == "waiting: no online agent in team 2 speaks th"
    assert decision.queue == "team:2"


def test_language_matching_uses_primary_subtag_and_unlisted_speaks_any():
    agents = [agent(1, languages=frozenset({"pt"})), agent(2, languages=frozenset({"en"}))]
    assert route(RoutingRequest(2, language="pt-BR"), agents).agent_id == 1
    assert route(RoutingRequest(2, language="PT_br"), agents).agent_id == 1
    assert route(RoutingRequest(2, language="th"), [*agents, agent(3)]).agent_id == 3
    assert route(RoutingRequest(2, language=None), agents).agent_id == 1


def test_offline_speaker_does_not_count():
    agents = [agent(1, "offline", languages=frozenset({"th"})), agent(2, languages=frozenset({"en"}))]
    assert (
        route(RoutingRequest(2, language="th"), agents).reason
        == "waiting: no online agent in team 2 speaks th"
    )


def test_channel_skill():
    agents = [agent(1, channels=frozenset({"email"})), agent(2, channels=frozenset({"mastodon"}))]
    assert route(RoutingRequest(2, channel="mastodon"), agents).agent_id == 2
    decision = route(RoutingRequest(2, channel="bluesky"), agents)
    assert decision.reason == "waiting: no online agent in team 2 handles bluesky"


def test_unknown_strategy_is_an_error():
    with pytest.raises(ValueError, match="strategy"):
        route(RoutingRequest(2), [agent(1)], "random")


def test_route_many_spreads_a_batch():
    agents = [agent(1, last_assigned_at=1.0), agent(2, last_assigned_at=2.0), agent(3, last_assigned_at=3.0)]
    decisions = route_many([RoutingRequest(2, conversation_id=i) for i in range(6)], agents)
    assert [d.agent_id for d in decisions] == [1, 2, 3, 1, 2, 3]
    excluded = route_many([RoutingRequest(2, exclude_agent_ids=frozenset({1}))], agents)
    assert excluded[0].agent_id == 2


@pytest.mark.parametrize(
    ("last_seen", "connected", "now", "chosen", "expected"),
    [
        (0.0, True, 1000.0, "online", "online"),
        (100.0, False, 120.0, "online", "online"),  # a blip inside the 30 s grace
        (100.0, False, 130.0, "online", "online"),  # exactly at the edge
        (100.0, False, 131.0, "online", "offline"),
        (100.0, False, 110.0, "away", "away"),
        (None, False, 110.0, "online", "offline"),
        (0.0, True, 10.0, "offline", "offline"),
    ],
)
def test_presence_after_grace(last_seen, connected, now, chosen, expected):
    assert presence_after_grace(last_seen, connected, now, 30, chosen) == expected


def test_presence_with_datetimes():
    seen = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert presence_after_grace(seen, False, datetime(2025, 1, 1, 12, 1, tzinfo=UTC), 30) == "offline"


def test_reroute_after_grace_keeps_manual_assignments():
    agents = [
        agent(1, connected=False, last_seen=100.0),  # gone past grace
        agent(2, connected=False, last_seen=190.0),  # blip, still in grace
        agent(3, "away"),  # away keeps work
        agent(4, "offline"),  # offline, no connection facts
    ]
    assignments = [
        Assignment(10, 1),
        Assignment(11, 1, manual=True),
        (12, 2, False),
        (13, 3, False),
        (14, 4, False),
        (15, 99, False),  # agent deactivated
    ]
    plan = conversations_to_reroute(agents, assignments, now=200.0, grace_seconds=30)
    assert [a.conversation_id for a in plan.reroute] == [10, 14, 15]
    assert plan.kept_manual == (Assignment(11, 1, True),)


def test_rerouted_conversations_go_to_online_agents():
    agents = [
        agent(1, "offline", languages=frozenset({"de"})),
        agent(2, languages=frozenset({"de"})),
        agent(3),
    ]
    plan = conversations_to_reroute(agents, [(10, 1, False), (11, 1, False)], 0.0, 30)
    requests = [
        RoutingRequest(2, "de", conversation_id=a.conversation_id, exclude_agent_ids=frozenset({1}))
        for a in plan.reroute
    ]
    assert [d.agent_id for d in route_many(requests, agents)] == [2, 3]


_agents = st.lists(
    st.builds(
        AgentState,
        id=st.integers(1, 8),
        presence=st.sampled_from(["online", "online", "away", "offline"]),
        capacity=st.integers(0, 4),
        open_count=st.integers(0, 3),
        teams=st.frozensets(st.integers(1, 3), max_size=2),
        languages=st.frozensets(st.sampled_from(["en", "zh-Hans", "th", "pt-BR"]), max_size=2),
        channels=st.frozensets(st.sampled_from(["webhook", "Mastodon", "x"]), max_size=2),
        last_assigned_at=st.one_of(st.none(), st.floats(-10, 10)),
    ),
    max_size=6,
    unique_by=lambda a: a.id,
)
_requests = st.lists(
    st.builds(
        RoutingRequest,
        team_id=st.one_of(st.none(), st.integers(1, 3)),
        language=st.sampled_from([None, "und", "en", "EN-gb", "zh-Hant", "th"]),
        channel=st.sampled_from([None, "webhook", "mastodon", "X"]),
        exclude_agent_ids=st.frozensets(st.integers(1, 8), max_size=2),
    ),
    max_size=12,
)


@given(agents=_agents, requests=_requests, strategy=st.sampled_from(["round_robin", "least_loaded"]))
def test_router_decides_as_route_one_at_a_time(agents, requests, strategy):
    """The batch router caches what cannot change within a batch; its decisions and reasons must
    be those of `route` called for each request with the load counted after every assignment."""
    router = Router(agents)
    state = {a.id: a for a in agents}
    for tick, request in enumerate(requests, start=1):
        expected = route(request, list(state.values()), strategy, now=float(tick))
        if expected.agent_id is not None:
            a = state[expected.agent_id]
            state[a.id] = replace(a, open_count=a.open_count + 1, last_assigned_at=float(tick))
        assert router.route(request, strategy, now=float(tick)) == expected
    assert router.agents == state
