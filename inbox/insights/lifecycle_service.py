"""Lifecycle stage, RFM segment, CLV and VIP for customers, from their stored events.

Events fed to `inbox.insights.analytics.lifecycle.derive_stage`: each conversation
(CONVERSATION, at its creation), each inbound message (MESSAGE, with its
sentiment; a message whose text praises or recommends counts as PRAISE /
RECOMMENDATION), and each order (ORDER). Every stage change is stored as a
`LifecycleTransition` with its reason, and `Customer.lifecycle_stage` follows.

Value (`recompute_values`) is population-relative (RFM quintiles, VIP as the
top share), so it is recomputed for every customer with orders: after an
order import, and by the periodic job when orders changed. Amounts are taken
as one currency (the analytics never convert). `Customer.clv` stores the CLV
total (historical + predicted), which rules read as `customer.value`.

The periodic job `refresh_customers` recomputes stages for customers with a
message, conversation or survey answer since its last run (its watermark is
an `AlertState` row, locked while it runs so two schedulers take turns), and
sweeps every customer once a day so inactivity can move a stage.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inbox.conversations.serialize import iso
from inbox.insights.analytics.clv import VipRule, clv_estimates, vip_customers
from inbox.insights.analytics.lifecycle import (
    Event,
    EventKind,
    LifecycleConfig,
    Stage,
    StageEntry,
    derive_stage,
    funnel,
    transitions,
)
from inbox.insights.analytics.rfm import rfm_scores, segment
from inbox.insights.reporting_filters import check_supervisor
from inbox.insights.spikes_service import lock_state
from inbox.store.context import Inbox
from inbox.store.models import (
    AlertState,
    Conversation,
    Customer,
    Direction,
    LifecycleTransition,
    Message,
    Order,
    SurveyResponse,
)

_PRAISE = re.compile(r"\b(love|amazing|awesome|great job|thank you|thanks)\b", re.I)
_RECOMMEND = re.compile(r"\b(recommend|recommended|must[- ]have)\b", re.I)
CHUNK = 500


def _config(inbox: Inbox) -> LifecycleConfig:
    return LifecycleConfig(**inbox.settings.get("lifecycle_config", {}))


def _events(s: Session, ids: list[int]) -> dict[int, list[Event]]:
    out: dict[int, list[Event]] = defaultdict(list)
    for cid, conv_id, at in s.execute(
        select(Conversation.customer_id, Conversation.id, Conversation.created_at).where(
            Conversation.customer_id.in_(ids)
        )
    ):
        out[cid].append(Event(EventKind.CONVERSATION, at, ref=f"conversation:{conv_id}"))
    for cid, mid, at, score, text in s.execute(
        select(Message.customer_id, Message.id, Message.created_at, Message.sentiment, Message.text).where(
            Message.customer_id.in_(ids), Message.direction == Direction.IN.value
        )
    ):
        kind = EventKind.MESSAGE
        if score is not None and score > 0.2:
            kind = (
                EventKind.RECOMMENDATION
                if _RECOMMEND.search(text or "")
                else (EventKind.PRAISE if _PRAISE.search(text or "") else EventKind.MESSAGE)
            )
        out[cid].append(Event(kind, at, score, f"message:{mid}"))
    for cid, oid, at in s.execute(
        select(Order.customer_id, Order.id, Order.ordered_at).where(Order.customer_id.in_(ids))
    ):
        out[cid].append(Event(EventKind.ORDER, at, ref=f"order:{oid}"))
    return out


def recompute_stages(inbox: Inbox, customer_ids: Iterable[int]) -> int:
    """Derive each customer's stage now; store a transition (with reason) where it changed."""
    ids = sorted(set(customer_ids))
    changed = 0
    config, now = _config(inbox), inbox.clock()
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        with inbox.unit_of_work() as uow:
            s = uow.session
            events = _events(s, chunk)
            known = set(
                s.scalars(
                    select(LifecycleTransition.customer_id)
                    .distinct()
                    .where(LifecycleTransition.customer_id.in_(chunk))
                )
            )
            for cust in s.scalars(
                select(Customer).where(Customer.id.in_(chunk), Customer.merged_into_id.is_(None))
            ):
                decision = derive_stage(events.get(cust.id, []), now, config)
                # A customer's first decision is stored too (from None), so the funnel sees every entry.
                t = transitions(cust.lifecycle_stage if cust.id in known else None, decision)
                if t is None:
                    continue
                reason = t.reason if not t.evidence else f"{t.reason} [{', '.join(t.evidence[:10])}]"
                s.add(
                    LifecycleTransition(
                        customer_id=cust.id,
                        from_stage=t.from_stage.value if t.from_stage else None,
                        to_stage=t.to_stage.value,
                        reason=reason[:500],
                        at=now,
                    )
                )
                cust.lifecycle_stage = t.to_stage.value
                changed += 1
    return changed


def recompute_values(inbox: Inbox, vip_rule: VipRule | None = None) -> int:
    """RFM segment, CLV total and VIP for every customer with orders; returns how many have orders."""
    now = inbox.clock()
    rule = vip_rule or VipRule(**inbox.settings.get("vip_rule", {}))
    with inbox.unit_of_work() as uow:
        s = uow.session
        lock_state(s, "job:values")
        by_customer: dict[int, list[Any]] = defaultdict(list)
        for row in s.execute(select(Order.customer_id, Order.amount, Order.ordered_at)):
            by_customer[row.customer_id].append(row)
        rfm = rfm_scores(by_customer, now)
        clvs = clv_estimates(by_customer, now)
        vips = vip_customers(clvs, rule)
        for cust in s.scalars(
            select(Customer).where(
                Customer.id.in_(list(by_customer))
                | Customer.vip.is_(True)
                | Customer.rfm_segment.is_not(None)
            )
        ):
            if cust.id in by_customer:
                cust.rfm_segment = segment(rfm[cust.id]).value
                cust.rfm_recency, cust.rfm_frequency = rfm[cust.id].r, rfm[cust.id].f
                cust.clv = float(clvs[cust.id].total.quantize(Decimal("0.01")))
                cust.vip = cust.id in vips
            else:
                cust.rfm_segment, cust.clv, cust.vip = None, 0.0, False
                cust.rfm_recency = cust.rfm_frequency = None
    return len(by_customer)


_JOB = "job:lifecycle"


def refresh_customers(inbox: Inbox) -> int:
    """The periodic job: stages of customers touched since the last run; values when orders changed.

    It looks first in a read: with no new message, answer or order and no sweep due, nothing
    would change but the watermark, and leaving the watermark behind loses nothing (the next
    look starts from it, through the index on received_at), so an idle run takes no write lock
    (SQLite's is the whole database's: the scheduler runs this every few minutes)."""
    now = inbox.clock()
    with inbox.read() as s:
        if _idle(s, now):
            return 0
    with inbox.unit_of_work() as uow:
        s = uow.session
        state = lock_state(s, _JOB)
        since = datetime.fromisoformat(state.state["since"]) if state.state.get("since") else None
        swept = datetime.fromisoformat(state.state["swept"]) if state.state.get("swept") else None
        orders_seen = state.state.get("orders")
        if since is None or swept is None or now - swept > timedelta(days=1):
            ids = set(s.scalars(select(Customer.id).where(Customer.merged_into_id.is_(None))))
            swept = now
        else:
            # Who can have changed stage: those with new messages (a conversation is only ever opened
            # by one, and a stage reads conversations' start, never their status), new answers, new
            # orders (below). Conversations "updated since" were read here once: a scan of them all,
            # since no index on updated_at is worth rewriting at every message, and nothing it added.
            ids = set(
                s.scalars(
                    select(Message.customer_id).where(
                        Message.received_at >= since, Message.customer_id.is_not(None)
                    )
                )
            )
            ids |= set(
                s.scalars(select(SurveyResponse.customer_id).where(SurveyResponse.answered_at >= since))
            )
        orders_now = list(s.execute(select(func.count(Order.id), func.max(Order.id))).one())
        state.state = {"since": iso(now), "swept": iso(swept), "orders": orders_now}
        # The lock is held to here only; the stages below are idempotent (a transition only on change).
    if orders_now != orders_seen:
        recompute_values(inbox)
    return recompute_stages(inbox, ids)


def _idle(s: Session, now: datetime) -> bool:
    """Nothing for `refresh_customers` to do: read without locking or writing anything."""
    state = s.scalar(select(AlertState.state).where(AlertState.key == _JOB))
    orders_now = list(s.execute(select(func.count(Order.id), func.max(Order.id))).one())
    if not state or not state.get("since") or not state.get("swept"):
        # never ran: only an empty workspace (no customer, no order) has nothing to sweep
        return orders_now[0] == 0 and s.scalar(select(Customer.id).limit(1)) is None
    since = datetime.fromisoformat(state["since"])
    if now - datetime.fromisoformat(state["swept"]) > timedelta(days=1) or orders_now != state.get("orders"):
        return False
    touched = (
        select(Message.id).where(Message.received_at >= since, Message.customer_id.is_not(None)).limit(1)
    )
    answered = select(SurveyResponse.id).where(SurveyResponse.answered_at >= since).limit(1)
    return s.scalar(touched) is None and s.scalar(answered) is None


def funnel_report(inbox: Inbox, agent_id: int, start: datetime, end: datetime) -> dict[str, Any]:
    """Counts and conversion between stages for customers with a stage change in [start, end)."""
    with inbox.read() as s:
        check_supervisor(s, agent_id)
        entries = [
            StageEntry(cid, Stage(stage), at)
            for cid, stage, at in s.execute(
                select(
                    LifecycleTransition.customer_id, LifecycleTransition.to_stage, LifecycleTransition.at
                ).where(LifecycleTransition.at < end)
            )
        ]
        current = dict(
            s.execute(select(Customer.lifecycle_stage, func.count()).group_by(Customer.lifecycle_stage)).all()
        )
    rep = funnel(entries, (start, end))
    return {
        "from": iso(start),
        "to": iso(end),
        "steps": [
            {
                "stage": st.stage.value,
                "reached": st.reached,
                "entered": st.entered,
                "conversion": round(st.conversion, 3) if st.conversion is not None else None,
            }
            for st in rep.steps
        ],
        "churn_risk_entered": rep.churn_risk_entered,
        "at_end": {k.value: v for k, v in rep.at_end.items()},
        "customers_by_stage_now": current,
    }
