"""The conversations behind one figure of the agent and team reports (`agent_reports`).

A drill names a metric (first_response, resolution, handled, csat, nps) and a group
(`agent:<id>`, `team:<id>`, `agent:none`, `team:none` or `all`) over the same period, and lists
exactly the conversations that figure counted: its `count` equals the figure's count. Time
metrics list the slowest first (the p90 lives at the top); surveys list the newest answer first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from inbox.conversations.serialize import iso
from inbox.insights.agent_reports import DRILLS, scope, survey_scope
from inbox.insights.report_periods import Period
from inbox.insights.reporting_filters import check_supervisor
from inbox.insights.reporting_service import _seconds
from inbox.store.context import Inbox
from inbox.store.errors import N_, Invalid
from inbox.store.models import Agent, Conversation, Customer, SurveyResponse, Team

MAX_LIMIT = 500


def _group_filter(group: str, keys: dict[str, Any]) -> list[Any]:
    if group == "all":
        return []
    kind, _, value = group.partition(":")
    if kind not in ("agent", "team") or not (value == "none" or value.isdigit()):
        raise Invalid(N_("group must be all, agent:<id>, team:<id>, agent:none or team:none"), "group")
    col = keys[kind]
    return [col.is_(None)] if value == "none" else [col == int(value)]


def _query(s: Session, p: Period, metric: str, group: str) -> tuple[Select[Any], Any]:
    """The drill's rows (conversation, seconds or rating, answered time) and their order."""
    if metric in ("csat", "nps"):
        keys = {"agent": SurveyResponse.agent_id, "team": Conversation.team_id}
        q = (
            select(
                Conversation,
                SurveyResponse.rating.label("value"),
                SurveyResponse.answered_at.label("at"),
                SurveyResponse.agent_id.label("credited"),
            )
            .join(Conversation, Conversation.id == SurveyResponse.conversation_id)
            .where(*survey_scope(p), SurveyResponse.kind == metric, *_group_filter(group, keys))
        )
        return q, (SurveyResponse.answered_at.desc(), SurveyResponse.id.desc())
    where, done, keys = scope("first_response" if metric == "first_response" else "resolution", p)
    secs = _seconds(s.get_bind().dialect.name, done, Conversation.created_at)
    q = select(Conversation, secs.label("value"), done.label("at"), keys["agent"].label("credited")).where(
        *where, *_group_filter(group, keys)
    )
    if metric == "handled":
        return q, (done.desc(), Conversation.id.desc())
    return q, (secs.desc(), Conversation.id.desc())


def conversations(
    inbox: Inbox, agent_id: int, p: Period, metric: str, group: str, limit: int = 200, offset: int = 0
) -> dict[str, Any]:
    """The conversations behind `metric` of `group` in the period: how many, and a page of them."""
    if metric not in DRILLS:
        raise Invalid(N_("metric must be one of %(choices)s"), "metric", choices=", ".join(DRILLS))
    with inbox.read() as s:
        check_supervisor(s, agent_id)
        q, order = _query(s, p, metric, group)
        count = s.scalar(select(func.count()).select_from(q.subquery()))
        rows = s.execute(q.order_by(*order).limit(min(limit, MAX_LIMIT)).offset(offset)).all()
        agents = dict(s.execute(select(Agent.id, Agent.name)).all())
        teams = dict(s.execute(select(Team.id, Team.name)).all())
        customer_ids = {r[0].customer_id for r in rows}
        customers = (
            dict(s.execute(select(Customer.id, Customer.name).where(Customer.id.in_(customer_ids))).all())
            if customer_ids
            else {}
        )
        out = []
        for conv, value, at, credited in rows:
            item: dict[str, Any] = {
                "id": conv.id,
                "subject": conv.subject,
                "customer": customers.get(conv.customer_id),
                "channel": conv.channel,
                "status": conv.status,
                "created_at": iso(conv.created_at),
                "first_response_at": iso(conv.first_response_at),
                "resolved_at": iso(conv.resolved_at),
                "agent_id": credited,
                "agent": agents.get(credited) if credited is not None else None,
                "team_id": conv.team_id,
                "team": teams.get(conv.team_id) if conv.team_id is not None else None,
                "seconds": round(float(value), 1)
                if metric in ("first_response", "resolution", "handled")
                else None,
                "rating": int(value) if metric in ("csat", "nps") else None,
                "at": iso(at),
                "url": f"/?conversation={conv.id}",
            }
            out.append(item)
        return {"metric": metric, "group": group, "count": int(count or 0), "conversations": out}
