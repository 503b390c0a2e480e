"""Ids a rule names must name something it can still act on.

The escalation leaf checks a rule's shape (an id is a positive integer) but knows nothing of the
database, so until this check a rule could be saved that assigns to team 999, to an archived team
(which takes no members, so its queue would never be worked), to a deactivated agent, or sends a
canned reply that was deleted: each saved without a word and then did nothing, or worse, parked
conversations where nobody looks. Every such id is reported at once with its path, as the leaf's
own problems are, so the editor can point at the action.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.messages import Msg
from inbox.store.errors import N_
from inbox.store.models import Agent, CannedResponse, Team

# action type -> (parameter, what it names)
_REFERENCES = {
    "assign_team": ("team_id", "team"),
    "assign_agent": ("agent_id", "agent"),
    "send_canned": ("canned_id", "canned"),
}


def _wanted(actions: Iterable[Mapping[str, Any]], skip: Collection[int]) -> list[tuple[int, str, str, int]]:
    out = []
    for i, action in enumerate(actions):
        if i in skip:
            continue
        ref = _REFERENCES.get(action.get("type", ""))
        if ref is None:
            continue
        param, kind = ref
        params = action.get("params")
        value = (params if isinstance(params, Mapping) else action).get(param)
        if isinstance(value, int) and not isinstance(value, bool):
            out.append((i, param, kind, value))
    return out


def reference_problems(
    s: Session, actions: Iterable[Mapping[str, Any]], skip: Collection[int] = ()
) -> list[dict[str, str]]:
    """The problems of a validated rule's actions whose ids name nothing usable (empty when none).

    `actions` are `rule_to_dict`'s (`{"type", **params}`); the positions in `skip` are not
    checked. Three reads at most, one per kind named."""
    wanted = _wanted(actions, skip)
    ids: dict[str, set[int]] = {"team": set(), "agent": set(), "canned": set()}
    for _, _, kind, value in wanted:
        ids[kind].add(value)
    teams = (
        dict(s.execute(select(Team.id, Team.archived_at).where(Team.id.in_(ids["team"]))).all())
        if ids["team"]
        else {}
    )
    agents = (
        dict(s.execute(select(Agent.id, Agent.active).where(Agent.id.in_(ids["agent"]))).all())
        if ids["agent"]
        else {}
    )
    canned = (
        set(s.scalars(select(CannedResponse.id).where(CannedResponse.id.in_(ids["canned"]))))
        if ids["canned"]
        else set()
    )
    problems = []
    for i, param, kind, value in wanted:
        said = _problem(kind, value, teams, agents, canned)
        if said:
            problems.append({"path": f"actions[{i}].{param}", "message": Msg(said, {"id": value})})
    return problems


def _problem(kind: str, value: int, teams: dict, agents: dict, canned: set[int]) -> str | None:
    """The msgid of what is wrong with one named id, or None."""
    if kind == "team" and value not in teams:
        return N_("team %(id)s does not exist")
    if kind == "team" and teams[value] is not None:
        return N_("team %(id)s is archived; restore it or pick another team")
    if kind == "agent" and value not in agents:
        return N_("agent %(id)s does not exist")
    if kind == "agent" and not agents[value]:
        return N_("agent %(id)s is deactivated")
    if kind == "canned" and value not in canned:
        return N_("canned reply %(id)s does not exist")
    return None
