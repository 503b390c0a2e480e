"""Rules glue: stored rules -> escalation.evaluate over facts -> changes to one conversation.

The evaluation is pure (escalation leaf); this module only builds facts from rows and
applies the actions the leaf asks for, recording each firing as a RuleRun.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from types import SimpleNamespace
from typing import Any

import orjson
from sqlalchemy import Text, bindparam, cast, select
from sqlalchemy.orm import Session, object_session

from escalation import Action, Condition, Firing, Rule, evaluate
from inbox.admin.canned import variant_for
from inbox.customers.language import is_english, team_language
from inbox.store import settings_cache
from inbox.store.models import (
    CannedResponse,
    Conversation,
    Customer,
    Identity,
    RuleRun,
    Status,
    SurveyResponse,
)
from inbox.store.models import Rule as RuleRow
from inbox.store.sql import dialect_of, in_list, list_param


def load_rules(session: Session, trigger: str | None = None) -> list[Rule]:
    """Enabled rules in order, with canned replies resolved to their text: read from the database
    only when a rule or canned reply changed since this process last read them
    (`inbox.store.settings_cache`); every ingest batch asks. The list is shared: do not change it."""
    return settings_cache.cached(
        session, settings_cache.RULES, trigger, lambda: _read_rules(session, trigger)
    )


def _read_rules(session: Session, trigger: str | None) -> list[Rule]:
    keyed = []
    for row in session.execute(_rules_query(trigger is not None), {"trigger": trigger}):
        key = tuple(row)
        keyed.append((key, _kept(key, row, _parsed_rule)))
    wanted = {a.params["canned_id"] for _, r in keyed for a in r.actions if _is_canned(a)}
    if not wanted:
        return [r for _, r in keyed]
    texts = {
        row.id: (row.text, dict(row.variants or {}))
        for row in session.execute(
            select(CannedResponse.id, CannedResponse.text, CannedResponse.variants).where(
                CannedResponse.id.in_(wanted)
            )
        )
    }
    return [_with_canned(key, r, texts) for key, r in keyed]


def _is_canned(action: Action) -> bool:
    return action.type == "send_canned" and action.params.get("canned_id") is not None


def _with_canned(key: tuple[Any, ...], rule: Rule, texts: dict[int, tuple[str, dict[str, str]]]) -> Rule:
    """`rule` with each canned reply's current text and its per-language variants, kept by the rule's
    content and those texts (the variant is chosen per conversation when the rule fires)."""
    none: tuple[str, dict[str, str]] = ("", {})
    used = [
        (
            texts.get(a.params["canned_id"], none)[0],
            tuple(sorted(texts.get(a.params["canned_id"], none)[1].items())),
        )
        for a in rule.actions
        if _is_canned(a)
    ]
    if not used:
        return rule
    return _kept(
        (*key, *used),
        rule,
        lambda r: replace(
            r,
            actions=tuple(
                Action(
                    a.type,
                    {
                        **a.params,
                        "text": texts.get(a.params["canned_id"], none)[0],
                        "variants": texts.get(a.params["canned_id"], none)[1],
                    },
                )
                if _is_canned(a)
                else a
                for a in r.actions
            ),
        ),
    )


# `escalation.Rule`s kept by their stored content. The leaf prepares a rule once per Rule
# object (operators resolved, values coerced, regexes compiled) and keeps a batch's plan by
# the objects' identity, so rules rebuilt from their rows for every batch were prepared anew
# every time. Keyed by content (the row as read, JSON as text), an edited rule is a new key,
# so an entry can never be stale; the bound only stops edits from growing the dict without end.
_KEPT: dict[Any, Rule] = {}
MAX_KEPT_RULES = 1024


def _parsed_rule(row: Any) -> Rule:
    conditions, actions = orjson.loads(row.conditions or "[]"), orjson.loads(row.actions or "[]")
    return to_rule(SimpleNamespace(**{**row._mapping, "conditions": conditions, "actions": actions}))


def _kept(key: Any, source: Any, make: Any) -> Rule:
    rule = _KEPT.get(key)
    if rule is None:
        if len(_KEPT) >= MAX_KEPT_RULES:
            _KEPT.clear()
        rule = _KEPT[key] = make(source)
    return rule


@cache
def _rules_query(by_trigger: bool) -> Any:
    # Plain rows, not ORM objects, and the JSON columns as their stored text: every ingest batch
    # (a webhook delivery is one) reads the rules, but only a rule not seen before in this
    # process is parsed and turned into an `escalation.Rule` (see `_KEPT`).
    rules = RuleRow.__table__
    stmt = (
        select(
            *(rules.c[name] for name in ("id", "name", "trigger", "match", "enabled", "position")),
            cast(rules.c.conditions, Text).label("conditions"),
            cast(rules.c.actions, Text).label("actions"),
        )
        .where(rules.c.enabled.is_(True))
        .order_by(rules.c.position, rules.c.id)
    )
    return stmt.where(rules.c.trigger == bindparam("trigger")) if by_trigger else stmt


def to_rule(r: RuleRow | Any) -> Rule:
    """An `escalation.Rule` from a stored rule: an ORM `Rule` or a row of its table."""
    return Rule(
        id=r.id,
        name=r.name,
        trigger=r.trigger,
        match=r.match,
        enabled=r.enabled,
        order=r.position,
        conditions=tuple(Condition(c["field"], c["op"], c.get("value")) for c in r.conditions),
        actions=tuple(Action(a["type"], {k: v for k, v in a.items() if k != "type"}) for a in r.actions),
    )


def conversation_facts(
    conv: Conversation, customer: Customer | None, labels: set[str], now: datetime
) -> dict[str, Any]:
    def minutes(since: datetime | None) -> float | None:
        return (now - since).total_seconds() / 60 if since else None

    return {
        "conversation.status": conv.status,
        "conversation.priority": conv.priority,
        "conversation.labels": sorted(labels),
        "conversation.team_id": conv.team_id,
        "conversation.assignee_id": conv.assignee_id,
        "conversation.age_minutes": minutes(conv.created_at) or 0.0,
        "conversation.minutes_since_customer_message": minutes(conv.last_customer_message_at),
        "conversation.minutes_since_our_reply": minutes(conv.last_agent_reply_at),
        "conversation.message_count": conv.message_count,
        "conversation.channel": conv.channel,
        "customer.vip": customer.vip if customer else False,
        "customer.lifecycle_stage": customer.lifecycle_stage if customer else None,
        "customer.value": customer.clv if customer else 0.0,
        "customer.rfm_segment": customer.rfm_segment if customer else None,
    }


def message_facts(
    text: str, language: str, compound: float, label: str, channel: str, public: bool, author: Identity | None
) -> dict[str, Any]:
    return {
        "message.text": text,
        "message.language": language,
        "message.sentiment": compound,
        "message.sentiment_label": label,
        "message.channel": channel,
        "message.public": public,
        "author.followers": author.followers if author else 0,
        "author.verified": author.verified if author else False,
    }


@dataclass
class Outcome:
    """What the rules did to one conversation, for the pipeline to persist and announce."""

    priority_floor: float | None = None
    escalated: list[str] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    # (text, language of the variant used, or None for the default text)
    canned_replies: list[tuple[str, str | None]] = field(default_factory=list)
    assigned_agent: int | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    webhooks: list[dict[str, Any]] = field(default_factory=list)


def _session_of(conv: Any) -> Session | None:
    try:
        return object_session(conv)
    except Exception:  # noqa: BLE001 - a plain working copy (the pipeline's) is in no session
        return None


def apply_firings(
    conv: Conversation,
    labels: set[str],
    firings: list[Firing],
    trigger: str,
    now: datetime,
    languages: Mapping[int, str] | None = None,
) -> Outcome:
    """Apply actions in rule order; later rules see earlier rules' label and status changes.
    `languages` (team id -> default language) picks a canned reply's variant when the conversation's
    language has none; without it the conversation's own session is asked, if it has one."""
    out = Outcome()
    for firing in firings:
        done = []
        for action in firing.actions:
            p = action.params
            t = action.type
            if t == "set_priority":
                out.priority_floor = max(out.priority_floor or 0.0, float(p["value"]))
            elif t == "add_label":
                labels.add(str(p["label"]))
            elif t == "remove_label":
                labels.discard(str(p["label"]))
            elif t == "assign_team":
                conv.team_id = int(p["team_id"])
            elif t == "assign_agent":
                conv.assignee_id = int(p["agent_id"])
                out.assigned_agent = conv.assignee_id
            elif t == "escalate":
                labels.add("escalated")
                out.escalated.append(firing.rule_name)
            elif t == "notify" and p.get("channel") == "webhook":
                out.webhooks.append({"rule_id": firing.rule_id, "rule": firing.rule_name, **p})
            elif t == "notify":
                out.notifications.append({"rule": firing.rule_name, **p})
            elif t == "send_canned":
                # load_rules resolved canned_id to its text and variants: the customer is answered in
                # the conversation's language when the reply has that variant, else in the default text
                variants = p.get("variants") or {}
                language, variant = variant_for(variants, conv.language)
                if variant is None and variants and not is_english(conv.language):  # else the team's
                    fallback = (
                        languages.get(conv.team_id)
                        if languages is not None
                        else team_language(_session_of(conv), conv.team_id)
                    )
                    language, variant = variant_for(variants, fallback)
                text = str(variant or p.get("text") or "")
                if not text:
                    continue  # the canned response was deleted; record nothing rather than send ""
                out.canned_replies.append((text, language))
                p = {k: v for k, v in p.items() if k != "variants"} | {"language": language}
            elif t == "snooze":
                conv.status = Status.SNOOZED.value
                conv.snoozed_until = now + timedelta(minutes=float(p.get("minutes", 60)))
            elif t == "resolve":
                conv.status = Status.RESOLVED.value
                conv.resolved_at, conv.resolved_by_id = now, None  # a rule, not an agent
            else:
                continue
            done.append({"type": t, **p})
        out.runs.append(
            {
                "rule_id": firing.rule_id,
                "rule_name": firing.rule_name,
                "trigger": trigger,
                "matched": [
                    {
                        "field": m.condition.field,
                        "op": m.condition.op,
                        "value": m.condition.value,
                        "seen": _jsonable(m.seen),
                    }
                    for m in firing.matched
                ],
                "actions": done,
                "at": now,
            }
        )
    return out


def run_rules(
    rules: list[Rule], facts: dict[str, Any], trigger: str, previous: dict[str, Any] | None = None
) -> list[Firing]:
    return evaluate(rules, facts, trigger, previous) if rules else []


def record_runs(session: Session, conversation_id: int, runs: list[dict[str, Any]]) -> None:
    """Store the runs that did something."""
    if runs:
        session.add_all(RuleRun(conversation_id=conversation_id, **r) for r in runs)


def jsonable(value: Any) -> Any:
    """A fact value as short JSON (long texts cut), for run records and previews."""
    return _jsonable(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return str(value)


def last_csat(session: Session, customer_ids: Iterable[int]) -> dict[int, int]:
    """Each customer's most recent CSAT answer (1-5), for rules such as "unhappy last time"."""
    out: dict[int, int] = {}
    ids = list(customer_ids)
    if ids:
        d = dialect_of(session)
        for cid, rating in session.connection().execute(_csat_query(d), {"ids": list_param(d, ids)}):
            out[cid] = rating
    return out


def last_csat_of(customer_id: Any) -> Any:
    """`last_csat` as a scalar subquery correlated to `customer_id` (a column of the enclosing
    statement), so a batch reads it with its customers in one round trip."""
    return (
        select(SurveyResponse.rating)
        .where(
            SurveyResponse.customer_id == customer_id,
            SurveyResponse.kind == "csat",
            SurveyResponse.rating.is_not(None),
        )
        .order_by(SurveyResponse.answered_at.desc(), SurveyResponse.id.desc())
        .limit(1)
        .scalar_subquery()
    )


@cache
def _csat_query(dialect: str) -> Any:
    """Built once per dialect: the ingest batch asks this every time (see `inbox.ingest.reads.queries`)."""
    return (
        select(SurveyResponse.customer_id, SurveyResponse.rating)
        .where(
            in_list(dialect, SurveyResponse.customer_id, "ids"),
            SurveyResponse.kind == "csat",
            SurveyResponse.rating.is_not(None),
        )
        .order_by(SurveyResponse.answered_at, SurveyResponse.id)
    )
