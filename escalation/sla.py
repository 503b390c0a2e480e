"""SLA policies and clocks: due times, states, and which warning/breach events to fire.

All pure: the inbox stores due times on the conversation and records fired
events under a unique key (conversation_id, kind, event, due_at), so a breach
fires once however many schedulers race; `sla_events_to_fire` says what is due
given what was already recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from escalation.business_hours import (
    BusinessCalendar,
    _utc,
    add_business_minutes,
    calendar_from_dict,
    calendar_to_dict,
)
from escalation.messages import N_
from escalation.operators import is_number
from escalation.validation import RuleError

KINDS = ("first_response", "next_response", "resolution")
STATES = ("ok", "warning", "breached")


@dataclass(frozen=True)
class SlaPolicy:
    """Targets in business minutes (None = no target), the calendar they count in, and scope.

    Scope fields (team_id, channel, customer_tier) left None match anything;
    `select_policy` picks the most specific enabled policy.
    """

    id: int | None = None
    name: str = ""
    first_response_minutes: float | None = None
    next_response_minutes: float | None = None
    resolution_minutes: float | None = None
    business_hours: BusinessCalendar | None = None
    holidays: frozenset[date] = frozenset()
    team_id: int | None = None
    channel: str | None = None
    customer_tier: str | None = None
    warn_before_minutes: float = 15.0
    enabled: bool = True

    @property
    def calendar(self) -> BusinessCalendar | None:
        """The business calendar with the policy's holidays merged in (None = 24/7)."""
        if self.business_hours is None and not self.holidays:
            return None
        base = self.business_hours or BusinessCalendar()
        return BusinessCalendar(base.timezone, base.hours, base.holidays | self.holidays)


@dataclass(frozen=True)
class SlaDue:
    """When each target falls due; None when it has no target or is already met."""

    first_response_due: datetime | None = None
    next_response_due: datetime | None = None
    resolution_due: datetime | None = None

    def items(self) -> list[tuple[str, datetime]]:
        pairs = zip(
            KINDS, (self.first_response_due, self.next_response_due, self.resolution_due), strict=True
        )
        return [(k, d) for k, d in pairs if d is not None]

    @property
    def earliest(self) -> datetime | None:
        dues = [_utc(d) for _, d in self.items()]
        return min(dues) if dues else None


@dataclass(frozen=True)
class SlaEvent:
    """A warning or breach of one target; (conversation, kind, event, due_at) is its once-only key."""

    kind: str  # "first_response" | "next_response" | "resolution"
    event: str  # "warning" | "breached"
    due_at: datetime = field(compare=False)

    @property
    def key(self) -> tuple[str, str, datetime]:
        return (self.kind, self.event, _utc(self.due_at))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SlaEvent) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)


def due_times(policy: SlaPolicy, conversation_facts: Mapping[str, Any]) -> SlaDue:
    """Due times for a conversation under `policy`, counted in the policy's business time.

    Facts (datetimes; naive ones are UTC): "created_at" (required), "first_response_at"
    (our first reply, None if none yet), "waiting_since" (the customer's oldest message
    not yet answered since our last reply, None when we spoke last), "resolved_at" or
    "status" == "resolved". Once resolved nothing is due. Pending/snoozed time is not paused.
    """
    created = conversation_facts.get("created_at")
    if not isinstance(created, datetime):
        raise ValueError("conversation_facts needs 'created_at' as a datetime")
    if conversation_facts.get("resolved_at") is not None or conversation_facts.get("status") == "resolved":
        return SlaDue()
    cal = policy.calendar
    first_at = conversation_facts.get("first_response_at")
    waiting = conversation_facts.get("waiting_since")
    first = next_ = None
    if policy.first_response_minutes is not None and first_at is None:
        first = add_business_minutes(created, policy.first_response_minutes, cal)
    if policy.next_response_minutes is not None and first_at is not None and isinstance(waiting, datetime):
        next_ = add_business_minutes(waiting, policy.next_response_minutes, cal)
    resolution = None
    if policy.resolution_minutes is not None:
        resolution = add_business_minutes(created, policy.resolution_minutes, cal)
    return SlaDue(first, next_, resolution)


def _state(due: datetime, now: datetime, warn_before_minutes: float) -> str:
    due_at, at = _utc(due), _utc(now)
    if at >= due_at:
        return "breached"
    if at >= due_at - timedelta(minutes=warn_before_minutes):
        return "warning"
    return "ok"


def sla_states(due: SlaDue, now: datetime, warn_before_minutes: float = 15.0) -> dict[str, str]:
    """State of each target that is due: {"first_response": "warning", ...}."""
    return {kind: _state(at, now, warn_before_minutes) for kind, at in due.items()}


def sla_state(due: SlaDue, now: datetime, warn_before_minutes: float = 15.0) -> str:
    """The worst state over all targets: "ok", "warning" (within the warning window) or "breached".

    The warning window is wall-clock minutes before the due time.
    """
    states = sla_states(due, now, warn_before_minutes).values()
    return max(states, key=STATES.index, default="ok")


def sla_events_to_fire(
    due: SlaDue,
    now: datetime,
    warn_before_minutes: float = 15.0,
    already_fired: Iterable[SlaEvent | tuple[str, str, datetime]] = (),
) -> list[SlaEvent]:
    """Warning and breach events now due that were not fired yet.

    A target past due fires only "breached" (a warning after the fact helps nobody).
    The caller inserts each under its unique key and acts only if the insert won,
    which makes "fires once" hold across processes.
    """
    fired = {e.key if isinstance(e, SlaEvent) else (e[0], e[1], _utc(e[2])) for e in already_fired}
    out = []
    for kind, at in due.items():
        state = _state(at, now, warn_before_minutes)
        if state == "ok":
            continue
        event = SlaEvent(kind, state, at)
        breached_already = (kind, "breached", _utc(at)) in fired
        if event.key not in fired and not breached_already:
            out.append(event)
    return out


def sla_facts(due: SlaDue, now: datetime, warn_before_minutes: float = 15.0) -> dict[str, Any]:
    """The `sla.*` facts for rule evaluation (state and minutes to the nearest due time)."""
    earliest = due.earliest
    minutes = None if earliest is None else (earliest - _utc(now)).total_seconds() / 60
    return {"sla.state": sla_state(due, now, warn_before_minutes), "sla.minutes_to_due": minutes}


def select_policy(
    policies: Iterable[SlaPolicy],
    team_id: int | None = None,
    channel: str | None = None,
    customer_tier: str | None = None,
) -> SlaPolicy | None:
    """The enabled policy that applies and is most specific, or None.

    A policy applies when each scope it sets equals the conversation's. Most
    specific = most scopes set; ties go to customer tier over team over channel
    (a VIP promise outranks a team default), then to the earlier policy in the list.
    """
    best: tuple[tuple[int, int, int, int], SlaPolicy] | None = None
    for index, p in enumerate(policies):
        if not p.enabled:
            continue
        scopes = ((p.customer_tier, customer_tier, 4), (p.team_id, team_id, 2), (p.channel, channel, 1))
        if any(want is not None and want != have for want, have, _ in scopes):
            continue
        count = sum(1 for want, _, _ in scopes if want is not None)
        weight = sum(w for want, _, w in scopes if want is not None)
        rank = (count, weight, -index, 0)
        if best is None or rank > best[0]:
            best = (rank, p)
    return best[1] if best else None


def _minutes(data: Mapping[str, Any], key: str, errors: list[dict[str, str]]) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if not is_number(value) or value <= 0:
        errors.append({"path": key, "message": N_("%(name)s must be a positive number of minutes", name=key)})
        return None
    return value


def policy_from_dict(data: Mapping[str, Any]) -> SlaPolicy:
    """Parse stored/API JSON into an `SlaPolicy`, raising `RuleError` with paths on problems.

    Shape (the inbox columns): {"id", "name", "team_id", "channel", "customer_tier",
    "first_response_minutes", "next_response_minutes", "resolution_minutes",
    "calendar": {see calendar_from_dict}, "warn_before_minutes"?, "enabled"?}.
    """
    errors: list[dict[str, str]] = []
    mins = {
        k: _minutes(data, k, errors)
        for k in ("first_response_minutes", "next_response_minutes", "resolution_minutes")
    }
    warn = data.get("warn_before_minutes", 15.0)
    if not is_number(warn) or warn < 0:
        errors.append(
            {"path": "warn_before_minutes", "message": N_("warn_before_minutes must be a number >= 0")}
        )
    calendar = None
    try:
        calendar = calendar_from_dict(data.get("calendar"))
    except ValueError as exc:
        # the calendar's own message, still translatable when it is one (business_hours raises Msg)
        said = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
        errors.append({"path": "calendar", "message": said})
    team_id = data.get("team_id")
    if team_id is not None and (isinstance(team_id, bool) or not isinstance(team_id, int)):
        errors.append({"path": "team_id", "message": N_("team_id must be an integer")})
    if errors:
        raise RuleError(errors)
    return SlaPolicy(
        id=data.get("id"),
        name=data.get("name") or "",
        business_hours=calendar,
        team_id=team_id,
        channel=data.get("channel"),
        customer_tier=data.get("customer_tier"),
        warn_before_minutes=warn,
        enabled=data.get("enabled", True) is not False,
        **mins,
    )


def policy_to_dict(policy: SlaPolicy) -> dict[str, Any]:
    """The JSON `policy_from_dict` reads back (holidays live in the calendar)."""
    return {
        "id": policy.id,
        "name": policy.name,
        "team_id": policy.team_id,
        "channel": policy.channel,
        "customer_tier": policy.customer_tier,
        "first_response_minutes": policy.first_response_minutes,
        "next_response_minutes": policy.next_response_minutes,
        "resolution_minutes": policy.resolution_minutes,
        "calendar": calendar_to_dict(policy.calendar),
        "warn_before_minutes": policy.warn_before_minutes,
        "enabled": policy.enabled,
    }
