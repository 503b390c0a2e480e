"""Reports per agent and per team: first response and resolution times, conversations handled,
CSAT and NPS over a period, each figure with the drill that lists its conversations.

What counts, and whom it credits:
- first response: conversations whose first reply was sent in the period; the time is
  `first_response_at - created_at`, credited to the agent who sent that reply
  (`first_response_agent_id`), even when the conversation was reassigned afterwards;
- resolution and "handled": conversations resolved in the period (and still resolved), the time
  `resolved_at - created_at`, credited to the agent who resolved it (`resolved_by_id`), or to
  the conversation's assignee when a rule resolved it or it was resolved before that was recorded;
- CSAT and NPS: answers given in the period, credited to the agent the survey names and the
  conversation's team.

Medians (the mean of the two middle values for an even count) and p90 (nearest rank: the
ceil(0.9 n)-th smallest) are exact: each period is read once from a covering index as (who, team,
seconds) triples, the seconds computed in SQL; no message and no conversation row is loaded.
Survey figures are counted in SQL.
Agents and teams without data are listed too, their figures None (the page shows "—").
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from math import fsum
from typing import Any

from sqlalchemy import case, func, literal_column, select
from sqlalchemy.orm import Session

from inbox.conversations.serialize import iso
from inbox.insights.report_periods import Period
from inbox.insights.reporting_filters import check_supervisor
from inbox.insights.reporting_service import _seconds
from inbox.store.context import Inbox
from inbox.store.models import Agent, Conversation, Status, SurveyResponse, Team

TIMES = ("first_response", "resolution")
DRILLS = ("first_response", "resolution", "handled", "csat", "nps")
NONE_NAMES = {"agent": "No agent (automatic or unassigned)", "team": "No team"}


@dataclass(frozen=True)
class Times:
    """How many, and the mean, median and p90 in seconds (None without data)."""

    count: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None


def _r(x: Any) -> float | None:
    return None if x is None else round(float(x), 1)


def scope(metric: str, p: Period) -> tuple[list[Any], Any, dict[str, Any]]:
    """(WHERE clauses, the time the figure ends at, the agent/team credited) of a time metric."""
    if metric == "first_response":
        done = Conversation.first_response_at
        where = [done >= p.start, done < p.end]
        keys = {"agent": Conversation.first_response_agent_id, "team": Conversation.team_id}
    else:
        done = Conversation.resolved_at
        where = [Conversation.status == Status.RESOLVED.value, done >= p.start, done < p.end]
        # who resolved it; the assignee where that was not recorded (a rule, or before 0012_mends)
        who = func.coalesce(Conversation.resolved_by_id, Conversation.assignee_id)
        keys = {"agent": who, "team": Conversation.team_id}
    return where, done, keys


def summarize(values: list[float]) -> Times:
    """Count, mean, median (the mean of the two middle values for an even count) and p90
    (nearest rank: the ceil(0.9 n)-th smallest) of `values`, which it sorts in place."""
    if not values:
        return Times()
    values.sort()
    n = len(values)
    median = (values[(n - 1) // 2] + values[n // 2]) / 2
    return Times(n, _r(fsum(values) / n), _r(median), _r(values[math.ceil(0.9 * n) - 1]))


def period_times(s: Session, metric: str, p: Period) -> dict[str, dict[Any, Times]]:
    """One time metric per agent, per team and in total ("all": key 0).

    One read of the period from its covering index (`ix_conversations_first_response` or
    `ix_conversations_resolved`): who is credited, the team and the seconds, computed in SQL,
    so no row or timestamp is parsed in Python. Ranking in SQL (window functions) cost 3x more
    on SQLite, which sorts once per grouping; here the floats are sorted once per group."""
    where, done, keys = scope(metric, p)
    secs = _seconds(s.get_bind().dialect.name, done, Conversation.created_at)
    # The driver's own tuples: three plain numbers a row, where building ORM (or Core) rows for
    # a year of them was half of the report
    result = s.connection().execute(select(keys["agent"], keys["team"], secs).where(*where))
    rows = result.cursor.fetchall()
    result.close()
    # SQLite answers floats; PostgreSQL's epoch is numeric (Decimal)
    every = [v if type(v) is float else float(v) for _, _, v in rows]
    by_agent: defaultdict[Any, list[float]] = defaultdict(list)
    by_team: defaultdict[Any, list[float]] = defaultdict(list)
    for (agent, team, _), value in zip(rows, every, strict=True):
        by_agent[agent].append(value)
        by_team[team].append(value)
    by = {"agent": by_agent, "team": by_team, "all": {0: every}}
    return {group: {k: summarize(v) for k, v in values.items()} for group, values in by.items()}


@dataclass(frozen=True)
class Answers:
    """Survey answers of a group: CSAT (1-5, 4-5 satisfied) and NPS (0-10) tallies."""

    csat: int = 0
    satisfied: int = 0
    csat_sum: int = 0
    nps: int = 0
    promoters: int = 0
    detractors: int = 0

    def figures(self) -> dict[str, Any]:
        return {
            "csat": {
                "responses": self.csat,
                "satisfied": self.satisfied,
                "score": round(100.0 * self.satisfied / self.csat, 1) if self.csat else None,
                "mean": round(self.csat_sum / self.csat, 2) if self.csat else None,
            },
            "nps": {
                "responses": self.nps,
                "promoters": self.promoters,
                "detractors": self.detractors,
                "score": round(100.0 * (self.promoters - self.detractors) / self.nps, 1)
                if self.nps
                else None,
            },
        }


def survey_scope(p: Period) -> list[Any]:
    return [
        SurveyResponse.answered_at >= p.start,
        SurveyResponse.answered_at < p.end,
        SurveyResponse.rating.is_not(None),
    ]


def _answers(s: Session, p: Period, key: Any) -> dict[Any, Answers]:
    """Survey tallies per value of `key` (None: all answers as key 0), counted in the database."""
    csat = SurveyResponse.kind == "csat"
    nps = SurveyResponse.kind == "nps"

    def n(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    total = key is None  # one row for everyone: no GROUP BY (a constant there is a column number)
    q = select(
        (literal_column("0") if total else key).label("k"),
        n(csat),
        n(csat & (SurveyResponse.rating >= 4)),
        func.coalesce(func.sum(case((csat, SurveyResponse.rating), else_=0)), 0),
        n(nps),
        n(nps & (SurveyResponse.rating >= 9)),
        n(nps & (SurveyResponse.rating <= 6)),
    ).where(*survey_scope(p))
    if key is Conversation.team_id:  # only the team needs the conversation; the rest is in the index
        q = q.join(Conversation, Conversation.id == SurveyResponse.conversation_id)
    if not total:
        q = q.group_by(key)
    return {k: Answers(*(int(v) for v in rest)) for k, *rest in s.execute(q)}


def _times_dict(t: Times, drill: dict[str, Any]) -> dict[str, Any]:
    return {
        "count": t.count,
        "median_seconds": t.median,
        "p90_seconds": t.p90,
        "mean_seconds": t.mean,
        "drill": drill,
    }


def _row(
    group: str,
    key: Any,
    name: str,
    p: Period,
    times: dict[str, dict[Any, Times]],
    answers: dict[Any, Answers],
) -> dict[str, Any]:
    ref = "all" if group == "all" else f"{group}:{'none' if key is None else key}"

    def drill(metric: str) -> dict[str, Any]:
        return {**p.params(), "metric": metric, "group": ref}

    resolution = times["resolution"].get(key, Times())
    return {
        "id": key,
        "name": name,
        "group": ref,
        "first_response": _times_dict(times["first_response"].get(key, Times()), drill("first_response")),
        "resolution": _times_dict(resolution, drill("resolution")),
        "handled": {"count": resolution.count, "drill": drill("handled")},
        **{
            kind: {**fig, "drill": drill(kind)} for kind, fig in answers.get(key, Answers()).figures().items()
        },
    }


def _group_rows(
    p: Period,
    group: str,
    names: dict[int, str],
    times: dict[str, dict[Any, Times]],
    answers: dict[Any, Answers],
    others: dict[int, str] | None = None,
) -> list[dict[str, Any]]:
    """A row per listed agent or team (by name), then one per key with data that is not listed:
    an agent deactivated since (named from `others`), or nobody."""
    rows = [
        _row(group, k, name, p, times, answers)
        for k, name in sorted(names.items(), key=lambda x: (x[1].casefold(), x[0]))
    ]
    extra = {k for t in times.values() for k in t} | set(answers)
    for k in sorted(extra - set(names), key=lambda k: (k is None, k or 0)):
        label = NONE_NAMES[group] if k is None else f"{(others or {}).get(k, f'{group} {k}')} (deactivated)"
        rows.append(_row(group, k, label, p, times, answers))
    return rows


def report(inbox: Inbox, agent_id: int, p: Period) -> dict[str, Any]:
    """Every figure per agent, per team and in total for the period; supervisors and admins only."""
    with inbox.read() as s:
        check_supervisor(s, agent_id)
        everyone = {
            a: (name, active) for a, name, active in s.execute(select(Agent.id, Agent.name, Agent.active))
        }
        agents = {a: name for a, (name, active) in everyone.items() if active}
        teams = dict(s.execute(select(Team.id, Team.name)).all())
        times = {m: period_times(s, m, p) for m in TIMES}

        def of(group: str) -> dict[str, dict[Any, Times]]:
            return {m: times[m][group] for m in TIMES}

        total = _row("all", 0, "All", p, of("all"), _answers(s, p, None))
        return {
            "period": {
                "preset": p.preset,
                "tz": p.tz,
                "from": p.first_day.isoformat(),
                "to": p.last_day.isoformat(),
                "start": iso(p.start),
                "end": iso(p.end),
            },
            "generated_at": iso(inbox.clock()),
            "agents": _group_rows(
                p,
                "agent",
                agents,
                of("agent"),
                _answers(s, p, SurveyResponse.agent_id),
                {a: name for a, (name, _) in everyone.items()},
            ),
            "teams": _group_rows(p, "team", teams, of("team"), _answers(s, p, Conversation.team_id)),
            "total": {**total, "id": None},
        }
