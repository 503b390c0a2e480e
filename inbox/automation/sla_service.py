"""SLA clocks on conversations: due times from the matching policy, and warnings/breaches fired once.

`update_due` is called where a conversation's clock changes (ingest); `sla_tick` runs on a
schedule (embedded scheduler or Celery beat, possibly both at once). It inserts each event
under the unique key (conversation, kind, event, due_at) first and acts only if its insert
took, so a breach escalates exactly once however many schedulers race.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from escalation import (
    RuleError,
    SlaDue,
    SlaPolicy,
    calendar_to_dict,
    due_times,
    policy_from_dict,
    policy_to_dict,
    select_policy,
    sla_events_to_fire,
    sla_facts,
)
from escalation.business_hours import is_business_time
from escalation.messages import Msg
from inbox.automation import engine as automation
from inbox.automation.rules_service import RuleInvalid
from inbox.conversations.ranking import raise_to
from inbox.conversations.serialize import conversation_dict, iso
from inbox.store import settings_cache
from inbox.store.access import require_manager
from inbox.store.context import Inbox, UnitOfWork
from inbox.store.errors import N_, NotFound
from inbox.store.events import Event, conversation_rooms
from inbox.store.models import (
    UNRESOLVED,
    AuditLog,
    Conversation,
    ConversationLabel,
    Customer,
    SlaEvent,
    Team,
)
from inbox.store.models import SlaPolicy as SlaPolicyRow
from inbox.store.sql import insert_ignore


def customer_tier(customer: Customer | None) -> str:
    """The tier SLA policies scope on: "vip" or "standard"."""
    return "vip" if customer is not None and customer.vip else "standard"


def to_policy(row: SlaPolicyRow | Any) -> SlaPolicy:
    """An `escalation.SlaPolicy` from a stored policy: an ORM `SlaPolicy` or a row of its table."""
    cal = dict(row.calendar or {})
    warn = cal.pop("warn_before_minutes", 15.0)  # kept beside the calendar: the table has no column for it
    return policy_from_dict(
        {
            "id": row.id,
            "name": row.name,
            "team_id": row.team_id,
            "channel": row.channel,
            "customer_tier": row.customer_tier,
            "first_response_minutes": row.first_response_minutes,
            "next_response_minutes": row.next_response_minutes,
            "resolution_minutes": row.resolution_minutes,
            "calendar": cal,
            "warn_before_minutes": warn,
            "enabled": row.enabled,
        }
    )


def load_policies(s: Session) -> list[SlaPolicy]:
    """Enabled policies in id order, read from the database only when a policy changed since
    this process last read them (`inbox.store.settings_cache`). The list is shared: do not change it."""
    return settings_cache.cached(s, settings_cache.SLA, None, lambda: _read_policies(s))


def _read_policies(s: Session) -> list[SlaPolicy]:
    return [to_policy(r) for r in s.execute(_ENABLED_POLICIES)]


# Built once: every ingest batch reads the policies (statement building costs more than the query);
# plain rows of the table, because they are only turned into `escalation.SlaPolicy`s.
_POLICIES = SlaPolicyRow.__table__
_ENABLED_POLICIES = select(_POLICIES).where(_POLICIES.c.enabled.is_(True)).order_by(_POLICIES.c.id)


_LOOK_UP: Any = object()


def policy_for(
    s: Session, conv: Conversation, customer: Customer | None, policies: list[SlaPolicy] | None = None
) -> SlaPolicy | None:
    """The policy that applies to `conv`. `policies`: `load_policies(s)` when the caller already
    holds it (the ingest loop reads it once per batch, not once per conversation)."""
    if policies is None:
        policies = load_policies(s)
    return select_policy(policies, conv.team_id, conv.channel, customer_tier(customer))


def update_due(s: Session, conv: Conversation, customer: Customer | None, policy: Any = _LOOK_UP) -> SlaDue:
    """Set the conversation's three due times from its policy (all None when no policy applies).

    `policy`: the one `policy_for` gave, when the caller already has it (the ingest loop does)."""
    if policy is _LOOK_UP:
        policy = policy_for(s, conv, customer)
    if policy is None:
        due = SlaDue()
    else:
        due = due_times(
            policy,
            {
                "created_at": conv.created_at,
                "first_response_at": conv.first_response_at,
                "waiting_since": conv.waiting_since,
                "resolved_at": conv.resolved_at,
                "status": conv.status,
            },
        )
    conv.first_response_due_at = due.first_response_due
    conv.next_response_due_at = due.next_response_due
    conv.resolution_due_at = due.resolution_due
    return due


def _within_horizon(s: Session, now: datetime) -> Any:
    """Unresolved conversations with a target inside the widest warning window (None: no policies)."""
    policies = load_policies(s)
    if not policies:
        return None
    horizon = now + timedelta(minutes=max(p.warn_before_minutes for p in policies))
    return (
        select(Conversation)
        .where(
            Conversation.status.in_(UNRESOLVED),
            or_(
                Conversation.first_response_due_at <= horizon,
                Conversation.next_response_due_at <= horizon,
                Conversation.resolution_due_at <= horizon,
            ),
        )
        .order_by(Conversation.id)
    )


def sla_tick(inbox: Inbox, limit: int = 500) -> int:
    """Fire the warnings and breaches now due; returns how many events this run fired."""
    now = inbox.clock()
    fired = 0
    with inbox.read() as s:  # most ticks find nothing: that takes no write lock
        q = _within_horizon(s, now)
        if q is None or s.scalar(q.with_only_columns(Conversation.id).limit(1)) is None:
            return 0
    with inbox.unit_of_work() as uow:
        s = uow.session
        q = _within_horizon(s, now)
        convs = list(s.scalars(q.limit(limit))) if q is not None else []
        if not convs:
            return 0
        rules = automation.load_rules(s, "time.passed")
        customers = {
            c.id: c
            for c in s.scalars(select(Customer).where(Customer.id.in_({c.customer_id for c in convs})))
        }
        for conv in convs:
            customer = customers.get(conv.customer_id)
            due = update_due(
                s, conv, customer
            )  # replies and resolutions since the last tick may have met a target
            policy = policy_for(s, conv, customer)
            if policy is None:
                continue
            known = [
                (e.kind, e.event, e.due_at)
                for e in s.scalars(select(SlaEvent).where(SlaEvent.conversation_id == conv.id))
            ]
            for event in sla_events_to_fire(due, now, policy.warn_before_minutes, known):
                took = s.execute(
                    insert_ignore(s, SlaEvent, ["conversation_id", "kind", "event", "due_at"])
                    .values(
                        conversation_id=conv.id,
                        kind=event.kind,
                        event=event.event,
                        due_at=event.due_at,
                        at=now,
                    )
                    .returning(SlaEvent.id)
                ).scalar()
                if took is not None:  # this run won the unique key: it alone acts
                    _act(uow, conv, customer, rules, event, due, policy, now)
                    fired += 1
    return fired


def _act(
    uow: UnitOfWork,
    conv: Conversation,
    customer: Customer | None,
    rules: list,
    event: Any,
    due: SlaDue,
    policy: SlaPolicy,
    now: datetime,
) -> None:
    """Run time.passed rules for one SLA event and announce it (after commit)."""
    s = uow.session
    labels = set(
        s.scalars(select(ConversationLabel.label).where(ConversationLabel.conversation_id == conv.id))
    )
    before = set(labels)
    facts = automation.conversation_facts(conv, customer, labels, now)
    facts.update(sla_facts(due, now, policy.warn_before_minutes))
    facts.update(
        {
            "sla.kind": event.kind,
            "sla.event": event.event,
            "time.business_hours": is_business_time(now, policy.calendar),
        }
    )
    outcome = automation.apply_firings(
        conv, labels, automation.run_rules(rules, facts, "time.passed"), "time.passed", now
    )
    if outcome.priority_floor is not None:
        raise_to(conv, outcome.priority_floor, now)
    automation.record_runs(s, conv.id, [r for r in outcome.runs if r["actions"]])
    for label in labels - before:
        s.add(ConversationLabel(conversation_id=conv.id, label=label))
    for label in before - labels:
        s.execute(
            ConversationLabel.__table__.delete().where(
                ConversationLabel.conversation_id == conv.id, ConversationLabel.label == label
            )
        )
    conv.updated_at = now
    s.flush()
    summary = conversation_dict(conv, customer, sorted(labels))
    rooms = conversation_rooms(conv.team_id, conv.assignee_id, conv.id)
    payload = {
        "conversation": summary,
        "kind": event.kind,
        "due_at": iso(event.due_at),
        "policy": policy.name,
    }
    events = [Event(f"sla.{event.event}", payload, rooms)]
    if outcome.escalated:
        events.append(
            Event("conversation.escalated", {"conversation": summary, "rules": outcome.escalated}, rooms)
        )
    for note in outcome.notifications:
        events.append(Event("notification", {"conversation": summary, **note}, rooms))
    for e in events:  # outbound webhook subscriptions are queued by the unit of work's event hook
        uow.emit(e.name, e.payload, e.rooms)


# --- policies, as supervisors manage them -------------------------------------------------------


def policy_dict(row: SlaPolicyRow) -> dict[str, Any]:
    return policy_to_dict(to_policy(row))


def _parse(data: Mapping[str, Any]) -> SlaPolicy:
    errors = []
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        errors.append({"path": "name", "message": Msg(N_("a policy needs a name"))})
    if data.get("first_response_minutes") is None:
        errors.append(
            {"path": "first_response_minutes", "message": Msg(N_("first_response_minutes is required"))}
        )
    try:
        policy = policy_from_dict(data)
    except RuleError as exc:
        errors.extend(exc.errors)
    if errors:
        raise RuleInvalid(errors)
    return policy


def _store(row: SlaPolicyRow, p: SlaPolicy) -> None:
    row.name, row.team_id, row.channel, row.customer_tier = (
        p.name.strip(),
        p.team_id,
        p.channel,
        p.customer_tier,
    )
    row.first_response_minutes = p.first_response_minutes
    row.next_response_minutes, row.resolution_minutes = p.next_response_minutes, p.resolution_minutes
    row.calendar = {**calendar_to_dict(p.business_hours), "warn_before_minutes": p.warn_before_minutes}
    row.enabled = p.enabled


def list_policies(inbox: Inbox, agent_id: int) -> list[dict[str, Any]]:
    with inbox.read() as s:
        require_manager(s, agent_id)
        return [policy_dict(r) for r in s.scalars(select(SlaPolicyRow).order_by(SlaPolicyRow.id))]


def save_policy(
    inbox: Inbox, agent_id: int, data: Mapping[str, Any], policy_id: int | None = None
) -> dict[str, Any]:
    """Create (policy_id None) or replace a policy, validated by the escalation leaf; audited."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        who = require_manager(s, agent_id)
        if policy_id is None:
            row = SlaPolicyRow()
        else:
            row = s.get(SlaPolicyRow, policy_id)
            if row is None:
                raise NotFound(N_("SLA policy %(policy_id)s not found"), policy_id=policy_id)
            data = {**policy_dict(row), **data}
        policy = _parse(data)
        if policy.team_id is not None and s.get(Team, policy.team_id) is None:
            raise RuleInvalid(
                [
                    {
                        "path": "team_id",
                        "message": Msg(N_("team %(id)s does not exist"), {"id": policy.team_id}),
                    }
                ]
            )
        _store(row, policy)
        s.add(row)
        s.flush()
        out = policy_dict(row)
        s.add(
            AuditLog(
                agent_id=who,
                action="sla_policy.created" if policy_id is None else "sla_policy.updated",
                target=f"sla_policy:{row.id}",
                details=out,
                at=inbox.clock(),
            )
        )
        return out


def delete_policy(inbox: Inbox, agent_id: int, policy_id: int) -> None:
    with inbox.unit_of_work() as uow:
        s = uow.session
        who = require_manager(s, agent_id)
        row = s.get(SlaPolicyRow, policy_id)
        if row is None:
            raise NotFound(N_("SLA policy %(policy_id)s not found"), policy_id=policy_id)
        s.delete(row)
        s.add(
            AuditLog(
                agent_id=who, action="sla_policy.deleted", target=f"sla_policy:{policy_id}", at=inbox.clock()
            )
        )
