"""Service figures for the dashboard: response and resolution times against SLA, CSAT and NPS.

Response figures cover conversations *created* in the range (and matching the
channel and language filters): first response time is `first_response_at -
created_at`, resolution time `resolved_at - created_at`. A conversation is
within SLA when it was answered (resolved) by its due time, breached when it
was answered late or is still unanswered past the due time, and pending
otherwise; one without a due time counts as "no SLA".

Survey figures cover answers given in the range (`answered_at`), grouped with
`inbox.insights.analytics.surveys.report_by` per bucket, agent, team and channel.
"""

from __future__ import annotations

from datetime import datetime
from statistics import fmean
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from inbox.conversations.serialize import iso
from inbox.insights.analytics.surveys import (
    CsatSummary,
    NpsSummary,
    SurveyAnswer,
    SurveyKind,
    SurveyReport,
    classify_nps,
    report_by,
)
from inbox.insights.dashboard_rollups import durations
from inbox.insights.dashboard_rollups import service as rollup_service
from inbox.insights.reporting_filters import Drill, Filters, bucket_floor, bucket_starts
from inbox.store.errors import N_, Invalid
from inbox.store.models import Agent, Conversation, SurveyResponse, Team
from inbox.store.models.rollups import FIRST_RESPONSE, OUTCOME_SLOTS

SLA_DRILLS = ("first_response_breached", "first_response_met", "resolution_breached", "resolution_met")
SURVEY_DRILLS = ("csat", "nps", "detractor", "any")
_GROUP_OF = {"agent": lambda a: a.agent_id, "team": lambda a: a.team_id, "channel": lambda a: a.channel}


def _conversations(f: Filters) -> Select[Any]:
    q = select(Conversation).where(Conversation.created_at >= f.start, Conversation.created_at < f.end)
    if f.channel:
        q = q.where(Conversation.channel == f.channel)
    if f.language:
        q = q.where(Conversation.language == f.language)
    return q


def _outcome(done: datetime | None, due: datetime | None, now: datetime) -> str:
    if due is None:
        return "no_sla"
    if done is not None:
        return "met" if done <= due else "breached"
    return "breached" if now > due else "pending"


def _seconds(dialect: str, done: Any, start: Any) -> Any:
    """`done - start` in seconds, in SQL."""
    if dialect == "postgresql":
        return func.extract("epoch", done - start)
    return (func.julianday(done) - func.julianday(start)) * 86400.0


def _median(s: Session, q: Select[Any], seconds: Any, n: int) -> float | None:
    """The median of `seconds` over `q`'s rows (the mean of the two middle ones for an even count),
    sorted in the database: only the middle rows come back."""
    if not n:
        return None
    middle = list(
        s.scalars(q.with_only_columns(seconds).order_by(seconds).offset((n - 1) // 2).limit(2 - n % 2))
    )
    return round(fmean(middle), 1)


_KINDS = (
    ("first_response", "first_response_at", "first_response_due_at"),
    ("resolution", "resolved_at", "resolution_due_at"),
)


def service_levels(s: Session, f: Filters, now: datetime) -> dict[str, Any]:
    """First response and resolution times and SLA outcomes, with drill-downs per outcome.

    Counts, means and outcomes come from the service rollups (`inbox.insights.dashboard_rollups.
    service`: whole days and months, pending changes, and the conversations of the ragged
    edges); "pending" from the few unanswered conversations due after now. A median over up to
    `EXACT_MEDIAN_SPAN` is read exactly from the covering index `ix_conversations_service_levels`
    (a month's conversations, sorted in the database); over a longer period it is estimated from
    the rollups' histogram, and `median_approximate` says so (off by less than
    `durations.ERROR` of the seconds plus one, typically a few percent)."""
    dialect = s.get_bind().dialect.name
    kinds = rollup_service.counted(s, f)
    pending = rollup_service.pending_now(s, f, now)
    exact = f.end - f.start <= rollup_service.EXACT_MEDIAN_SPAN
    scope = _conversations(f).with_only_columns(Conversation.id)
    total = kinds[FIRST_RESPONSE]
    out: dict[str, Any] = {"conversations": sum(total.outcomes[k] for k in OUTCOME_SLOTS)}
    for (name, done_attr, _), (kind, _, _) in zip(_KINDS, rollup_service.KINDS, strict=True):
        k = kinds[kind]
        count = k.answered
        outcomes = rollup_service.outcome_counts(k, pending[kind])
        with_sla = outcomes["met"] + outcomes["breached"]
        if exact:
            done = getattr(Conversation, done_attr)
            seconds = _seconds(dialect, done, Conversation.created_at)
            median = _median(s, scope.where(done.is_not(None)), seconds, count)
        else:
            median = durations.median(k.histogram)
        out[name] = {
            "count": count,
            "mean_seconds": round(k.seconds / count, 1) if count else None,
            "median_seconds": median,
            "median_approximate": not exact and count > 0,
            **outcomes,
            "met_percent": round(100.0 * outcomes["met"] / with_sla, 1) if with_sla else None,
            "drill": {"met": f.params(sla=f"{name}_met"), "breached": f.params(sla=f"{name}_breached")},
        }
    return out


def _answers(s: Session, f: Filters) -> list[SurveyAnswer]:
    q = (
        select(SurveyResponse, Conversation)
        # `+ 0`: the answers of the period are read by their time index and their conversations
        # by primary key; without it SQLite (no statistics) may walk every conversation instead
        # and look each one's answers up by conversation_id
        .join(Conversation, Conversation.id == SurveyResponse.conversation_id + 0)
        .where(
            SurveyResponse.rating.is_not(None),
            SurveyResponse.answered_at >= f.start,
            SurveyResponse.answered_at < f.end,
        )
    )
    if f.channel:
        q = q.where(Conversation.channel == f.channel)
    if f.language:
        q = q.where(Conversation.language == f.language)
    return [
        SurveyAnswer(SurveyKind(r.kind), r.rating, r.answered_at, r.agent_id, c.team_id, c.channel, c.id)
        for r, c in s.execute(q.order_by(SurveyResponse.answered_at, SurveyResponse.id))
    ]


def _report(rep: SurveyReport) -> dict[str, Any]:
    c, n = rep.csat, rep.nps
    return {
        "csat": {
            "responses": c.responses,
            "satisfied": c.satisfied,
            "score": round(c.score, 1) if c.score is not None else None,
            "mean": round(c.mean, 2) if c.mean is not None else None,
        },
        "nps": {
            "responses": n.responses,
            "promoters": n.promoters,
            "passives": n.passives,
            "detractors": n.detractors,
            "score": round(n.score, 1) if n.score is not None else None,
        },
    }


def surveys(s: Session, f: Filters) -> dict[str, Any]:
    """CSAT and NPS overall, per bucket, per agent, per team and per channel."""
    answers = _answers(s, f)
    overall = report_by(answers, lambda a: "all").get("all")
    empty = SurveyReport(CsatSummary(), NpsSummary())
    per_bucket = report_by(answers, lambda a: bucket_floor(a.answered_at, f.bucket))
    agents = dict(s.execute(select(Agent.id, Agent.name)).all())
    teams = dict(s.execute(select(Team.id, Team.name)).all())

    def groups(key: str, names: dict[Any, str] | None) -> list[dict[str, Any]]:
        rows = []
        for k, rep in report_by(answers, key).items():
            rows.append(
                {
                    "key": k,
                    "name": (names or {}).get(k, k) if k is not None else "(none)",
                    **_report(rep),
                    "drill": f.params(survey="any", survey_group=f"{key}:{'none' if k is None else k}"),
                }
            )
        return sorted(rows, key=lambda r: str(r["name"]))

    return {
        "overall": {**_report(overall or empty), "drill": {k: f.params(survey=k) for k in SURVEY_DRILLS}},
        "over_time": [{"bucket": iso(b), **_report(per_bucket.get(b, empty))} for b in bucket_starts(f)],
        "by_agent": groups("agent", agents),
        "by_team": groups("team", teams),
        "by_channel": groups("channel", None),
    }


def is_detractor(kind: str, rating: int) -> bool:
    """NPS 0-6 or CSAT 1-2: the answers that reopen a conversation."""
    if kind == SurveyKind.NPS.value:
        return classify_nps(rating).value == "detractor"
    return rating <= 2


def drill_conversations(s: Session, f: Filters, d: Drill, now: datetime) -> list[int]:
    """Conversation ids behind an SLA outcome or a survey figure."""
    if d.sla:
        if d.sla not in SLA_DRILLS:
            raise Invalid(N_("sla must be one of %(choices)s"), "sla", choices=", ".join(SLA_DRILLS))
        name, want = d.sla.rsplit("_", 1)
        done_attr = "first_response_at" if name == "first_response" else "resolved_at"
        due_attr = "first_response_due_at" if name == "first_response" else "resolution_due_at"
        return [
            c.id
            for c in s.scalars(_conversations(f))
            if _outcome(getattr(c, done_attr), getattr(c, due_attr), now) == want
        ]
    if d.survey not in SURVEY_DRILLS:
        raise Invalid(N_("survey must be one of %(choices)s"), "survey", choices=", ".join(SURVEY_DRILLS))
    group, _, value = (d.survey_group or "").partition(":")
    if group and group not in _GROUP_OF:
        raise Invalid(N_("survey_group must be agent:<id>, team:<id> or channel:<name>"), "survey_group")
    out = []
    for a in _answers(s, f):
        if group and str(_GROUP_OF[group](a) if _GROUP_OF[group](a) is not None else "none") != value:
            continue
        if d.survey == "detractor" and not is_detractor(a.kind.value, a.score):
            continue
        if d.survey in ("csat", "nps") and a.kind.value != d.survey:
            continue
        out.append(int(a.conversation_id))
    return out
