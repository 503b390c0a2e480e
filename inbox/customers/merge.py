"""One person, two customer records: suggest merges with their evidence, merge, and undo a merge.

Suggestion scoring. Each piece of evidence has a weight, the chance on its own that the two
records are the same person; a candidate's confidence combines them as independent signals
(noisy-or: 1 - product of (1 - weight)), so two weak signals say more than one, never 100%.

| evidence | weight | why |
| --- | --- | --- |
| same email (customer record or any identity, case-insensitive) | 0.90 | emails are personal; shared inboxes exist |
| same phone (digits only; the last 9 digits when both have 9 or more, so +66 81... = 081...) | 0.85 | numbers get recycled and shared by families |
| same handle on another network, display names similar (difflib ratio >= 0.8) | 0.70 | people reuse handles, impostors copy both |
| same handle on another network, display names differ | 0.40 | common handles collide ("alex", "admin") |

Handles shorter than 3 characters and phones with fewer than 7 digits are ignored. Merging
moves identities, conversations, messages, orders and survey responses to the survivor and marks
the other record merged; the ids moved and the survivor fields that were filled in are kept in
the AuditLog row, so the merge can be undone exactly.
"""

from __future__ import annotations

import re
from datetime import datetime
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_, select, update
from sqlalchemy.orm import Session

from inbox.admin.agents import load_agent
from inbox.conversations.serialize import conversation_dict, customer_dict, identity_dict, iso
from inbox.conversations.service import _labels
from inbox.store.access import customer_visible_clause, sees_everything
from inbox.store.context import Inbox, UnitOfWork
from inbox.store.errors import N_, Conflict, Forbidden, Invalid, NotFound
from inbox.store.events import conversation_rooms
from inbox.store.models import (
    Agent,
    AuditLog,
    Conversation,
    Customer,
    Direction,
    Identity,
    Message,
    Order,
    SurveyResponse,
)

EMAIL_WEIGHT, PHONE_WEIGHT, HANDLE_NAME_WEIGHT, HANDLE_WEIGHT = 0.90, 0.85, 0.70, 0.40
NAME_SIMILARITY = 0.8
MIN_HANDLE, MIN_PHONE_DIGITS, PHONE_TAIL = 3, 7, 9
MAX_SUGGESTIONS = 10
MERGED, UNDONE = "customer.merged", "customer.merge_undone"
# what moves with a merge, in the order it is recorded
MOVABLE: dict[str, Any] = {
    "identities": Identity,
    "conversations": Conversation,
    "messages": Message,
    "orders": Order,
    "survey_responses": SurveyResponse,
}
FILLABLE = ("name", "email", "vip", "last_seen_at")


def _agent(s: Session, agent_id: int) -> Agent:
    agent = load_agent(s, agent_id)
    if agent is None:
        raise NotFound(N_("agent not found"))
    return agent


def _customer(s: Session, agent: Agent, customer_id: int) -> Customer:
    cust = s.get(Customer, customer_id)
    if cust is None:
        raise NotFound(N_("customer %(customer_id)s not found"), customer_id=customer_id)
    if not sees_everything(agent) and not s.scalar(
        select(literal(True)).where(Customer.id == cust.id, customer_visible_clause(agent))
    ):
        raise Forbidden(
            N_("customer %(customer_id)s's conversations belong to teams you are not in"),
            customer_id=customer_id,
        )
    return cust


def norm_email(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value if "@" in value else None


def phone_key(value: str | None) -> str | None:
    digits = re.sub(r"\D", "", value or "")
    return digits[-PHONE_TAIL:] if len(digits) >= MIN_PHONE_DIGITS else None


def norm_handle(value: str | None) -> str | None:
    value = (value or "").strip().lstrip("@").lower()
    return value if len(value) >= MIN_HANDLE else None


def similar_names(a: str, b: str) -> bool:
    a, b = " ".join(a.casefold().split()), " ".join(b.casefold().split())
    return bool(a and b) and SequenceMatcher(None, a, b).ratio() >= NAME_SIMILARITY


def confidence(weights: list[float]) -> float:
    """Noisy-or of independent evidence."""
    miss = 1.0
    for w in weights:
        miss *= 1.0 - w
    return round(1.0 - miss, 3)


def _digits_sql(col: Any) -> Any:
    for ch in (" ", "-", "(", ")", ".", "+", "/"):
        col = func.replace(col, ch, "")
    return col


def suggest_merges(inbox: Inbox, agent_id: int, customer_id: int) -> dict[str, Any]:
    """Other customers that look like the same person, most confident first, each with its evidence."""
    with inbox.read() as s:
        agent = _agent(s, agent_id)
        cust = _customer(s, agent, customer_id)
        mine = list(s.scalars(select(Identity).where(Identity.customer_id == cust.id)))
        emails: dict[str, str] = {}
        if norm_email(cust.email):
            emails[norm_email(cust.email)] = "customer record"  # type: ignore[index]
        phones: dict[str, str] = {}
        handles: dict[str, list[Identity]] = {}
        for i in mine:
            where = f"{i.channel} identity {i.handle or i.external_id}"
            if norm_email(i.email):
                emails.setdefault(norm_email(i.email), where)  # type: ignore[arg-type]
            if phone_key(i.phone):
                phones.setdefault(phone_key(i.phone), where)  # type: ignore[arg-type]
            if norm_handle(i.handle):
                handles.setdefault(norm_handle(i.handle), []).append(i)  # type: ignore[arg-type]

        others = and_(
            Customer.id != cust.id, Customer.merged_into_id.is_(None), customer_visible_clause(agent)
        )
        evidence: dict[int, dict[tuple[str, str], dict[str, Any]]] = {}

        def add(other_id: int, kind: str, value: str, ours: str, theirs: str, weight: float) -> None:
            seen = evidence.setdefault(other_id, {})
            key = (kind, value)
            if key not in seen or seen[key]["weight"] < weight:
                seen[key] = {"kind": kind, "value": value, "ours": ours, "theirs": theirs, "weight": weight}

        if emails:
            for c in s.scalars(
                select(Customer).where(others, func.lower(func.trim(Customer.email)).in_(emails))
            ):
                e = norm_email(c.email)
                add(c.id, "email", e, emails[e], "customer record", EMAIL_WEIGHT)  # type: ignore[arg-type,index]
        idents = select(Identity).join(Customer, Customer.id == Identity.customer_id).where(others)
        if emails:
            for i in s.scalars(idents.where(func.lower(func.trim(Identity.email)).in_(emails))):
                e = norm_email(i.email)
                add(
                    i.customer_id,
                    "email",
                    e,
                    emails[e],
                    f"{i.channel} identity {i.handle}",  # type: ignore[arg-type,index]
                    EMAIL_WEIGHT,
                )
        if phones:
            digits = _digits_sql(Identity.phone)
            tail = [digits.like("%" + p) for p in phones]
            for i in s.scalars(idents.where(Identity.phone.is_not(None), or_(*tail))):
                p = phone_key(i.phone)
                if p in phones:
                    add(
                        i.customer_id, "phone", p, phones[p], f"{i.channel} identity {i.handle}", PHONE_WEIGHT
                    )
        if handles:
            for i in s.scalars(idents.where(func.lower(func.ltrim(Identity.handle, "@")).in_(handles))):
                for m in handles[norm_handle(i.handle)]:  # type: ignore[index]
                    if m.channel == i.channel:
                        continue
                    named = similar_names(m.display_name, i.display_name)
                    add(
                        i.customer_id,
                        "handle" if not named else "handle+name",
                        norm_handle(i.handle),  # type: ignore[arg-type]
                        f"{m.channel} identity {m.handle} ({m.display_name})",
                        f"{i.channel} identity {i.handle} ({i.display_name})",
                        HANDLE_NAME_WEIGHT if named else HANDLE_WEIGHT,
                    )

        found = {c.id: c for c in s.scalars(select(Customer).where(Customer.id.in_(evidence)))}
        ident_rows = _identities(s, list(found))
        out = []
        for other_id, items in evidence.items():
            ev = sorted(items.values(), key=lambda x: -x["weight"])
            out.append(
                {
                    "customer": {
                        **customer_dict(found[other_id]),
                        "identities": ident_rows.get(other_id, []),
                    },
                    "confidence": confidence([x["weight"] for x in ev]),
                    "evidence": ev,
                }
            )
        out.sort(key=lambda x: (-x["confidence"], x["customer"]["id"]))
        return {"customer_id": cust.id, "suggestions": out[:MAX_SUGGESTIONS]}


def _identities(s: Session, customer_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    if customer_ids:
        for i in s.scalars(
            select(Identity).where(Identity.customer_id.in_(customer_ids)).order_by(Identity.id)
        ):
            out.setdefault(i.customer_id, []).append(identity_dict(i))
    return out


def _announce(uow: UnitOfWork, s: Session, agent: Agent, conversation_ids: list[int]) -> None:
    """conversation.updated for each conversation whose customer changed."""
    if not conversation_ids:
        return
    rows = s.execute(
        select(Conversation, Customer)
        .join(Customer, Customer.id == Conversation.customer_id)
        .where(Conversation.id.in_(conversation_ids))
    ).all()
    labels = _labels(s, list(conversation_ids))
    for conv, cust in rows:
        summary = conversation_dict(conv, cust, labels.get(conv.id, []))
        uow.emit(
            "conversation.updated",
            {"conversation": summary, "by": agent.id},
            conversation_rooms(conv.team_id, conv.assignee_id, conv.id),
        )


def merge_customers(inbox: Inbox, agent_id: int, survivor_id: int, other_id: int) -> dict[str, Any]:
    """Move everything of `other_id` to `survivor_id`; the survivor's values win, blanks are filled.

    The caller must be able to see both customers. Returns the merge id to undo it with.
    """
    if survivor_id == other_id:
        raise Invalid(N_("a customer cannot be merged with itself"), "other_id")
    with inbox.unit_of_work() as uow:
        s = uow.session
        agent = _agent(s, agent_id)
        survivor = _customer(s, agent, survivor_id)
        other = _customer(s, agent, other_id)
        for c in (survivor, other):
            if c.merged_into_id is not None:
                raise Conflict(
                    N_("customer %(id)s was already merged into customer %(merged_into_id)s"),
                    id=c.id,
                    merged_into_id=c.merged_into_id,
                )
        now = inbox.clock()
        moved: dict[str, list[int]] = {}
        for key, model in MOVABLE.items():
            moved[key] = sorted(
                s.scalars(
                    update(model)
                    .where(model.customer_id == other.id)
                    .values(customer_id=survivor.id)
                    .returning(model.id)
                    .execution_options(synchronize_session=False)
                )
            )
        filled: dict[str, Any] = {}
        for attr in FILLABLE:
            mine, theirs = getattr(survivor, attr), getattr(other, attr)
            better = theirs and (not mine or (attr == "last_seen_at" and theirs > mine))
            if better:
                filled[attr] = iso(mine) if attr == "last_seen_at" else mine
                setattr(survivor, attr, theirs)
        added = [k for k in (other.attributes or {}) if k not in (survivor.attributes or {})]
        if added:
            survivor.attributes = {**(survivor.attributes or {}), **{k: other.attributes[k] for k in added}}
        other.merged_into_id = survivor.id
        audit = AuditLog(
            agent_id=agent.id,
            action=MERGED,
            target=f"customer:{survivor.id}",
            at=now,
            details={
                "survivor_id": survivor.id,
                "other_id": other.id,
                "moved": moved,
                "filled": filled,
                "attributes_added": added,
                "undone_at": None,
            },
        )
        s.add(audit)
        s.flush()
        _announce(uow, s, agent, moved["conversations"])
        return {
            "merge_id": audit.id,
            "survivor": {
                **customer_dict(survivor),
                "identities": _identities(s, [survivor.id]).get(survivor.id, []),
            },
            "merged_id": other.id,
            "moved": {k: len(v) for k, v in moved.items()},
        }


def undo_merge(inbox: Inbox, agent_id: int, merge_id: int) -> dict[str, Any]:
    """Put back exactly what the merge moved, plus what arrived since through the moved identities.

    A conversation started after the merge goes back when every inbound message in it came from
    an identity the merge had moved; messages authored by those identities go back with it.
    Refused (409) when a later merge moved the survivor or its rows on; undo that one first.
    """
    with inbox.unit_of_work() as uow:
        s = uow.session
        agent = _agent(s, agent_id)
        audit = s.get(AuditLog, merge_id)
        if audit is None or audit.action != MERGED:
            raise NotFound(N_("merge %(merge_id)s not found"), merge_id=merge_id)
        d = dict(audit.details)
        if d.get("undone_at"):
            raise Conflict(N_("merge %(merge_id)s was already undone"), merge_id=merge_id)
        survivor = _customer(s, agent, d["survivor_id"])
        other = s.get(Customer, d["other_id"])
        if other is None:
            raise Conflict(N_("customer %(other_id)s no longer exists"), other_id=d["other_id"])
        if survivor.merged_into_id is not None:
            raise Conflict(
                N_("customer %(id)s was merged into %(merged_into_id)s since; undo that first"),
                id=survivor.id,
                merged_into_id=survivor.merged_into_id,
            )
        moved: dict[str, list[int]] = d["moved"]
        for key, model in MOVABLE.items():
            ids = moved.get(key, [])
            elsewhere = (
                s.scalar(
                    select(func.count())
                    .select_from(model)
                    .where(
                        model.id.in_(ids), model.customer_id.is_not(None), model.customer_id != survivor.id
                    )
                )
                if ids
                else 0
            )
            if elsewhere:
                raise Conflict(
                    N_("%(elsewhere)s of the moved %(key)s belong to another customer now; undo that first"),
                    elsewhere=elsewhere,
                    key=key,
                )
        later = _arrived_since(s, survivor.id, moved)
        back: dict[str, list[int]] = {}
        for key, model in MOVABLE.items():
            ids = sorted(set(moved.get(key, [])) | set(later.get(key, [])))
            back[key] = (
                sorted(
                    s.scalars(
                        update(model)
                        .where(model.id.in_(ids), model.customer_id == survivor.id)
                        .values(customer_id=other.id)
                        .returning(model.id)
                        .execution_options(synchronize_session=False)
                    )
                )
                if ids
                else []
            )
        for attr, old in d.get("filled", {}).items():
            if attr == "last_seen_at" and old is not None:
                old = datetime.fromisoformat(old)
            setattr(survivor, attr, old)
        if d.get("attributes_added"):
            survivor.attributes = {
                k: v for k, v in (survivor.attributes or {}).items() if k not in d["attributes_added"]
            }
        other.merged_into_id = None
        now = inbox.clock()
        audit.details = {**d, "undone_at": iso(now), "undone_by": agent.id}
        s.add(
            AuditLog(
                agent_id=agent.id,
                action=UNDONE,
                target=f"customer:{other.id}",
                at=now,
                details={
                    "merge_id": audit.id,
                    "survivor_id": survivor.id,
                    "other_id": other.id,
                    "returned": back,
                },
            )
        )
        s.flush()
        _announce(uow, s, agent, back["conversations"])
        return {
            "merge_id": audit.id,
            "survivor_id": survivor.id,
            "restored": {**customer_dict(other), "identities": _identities(s, [other.id]).get(other.id, [])},
            "returned": {k: len(v) for k, v in back.items()},
        }


def _arrived_since(s: Session, survivor_id: int, moved: dict[str, list[int]]) -> dict[str, list[int]]:
    idents = moved.get("identities", [])
    if not idents:
        return {}
    inbound = and_(Message.conversation_id == Conversation.id, Message.direction == Direction.IN.value)
    convs = list(
        s.scalars(
            select(Conversation.id).where(
                Conversation.customer_id == survivor_id,
                Conversation.id.not_in(moved.get("conversations", [])),
                exists().where(inbound, Message.author_identity_id.in_(idents)),
                ~exists().where(inbound, Message.author_identity_id.not_in(idents)),
            )
        )
    )
    msgs = list(
        s.scalars(
            select(Message.id).where(
                Message.customer_id == survivor_id,
                (Message.author_identity_id.in_(idents)) | (Message.conversation_id.in_(convs)),
            )
        )
    )
    return {"conversations": convs, "messages": msgs}


def list_merges(inbox: Inbox, agent_id: int, customer_id: int) -> dict[str, Any]:
    """Merges into this customer, newest first, so a wrong one can be found and undone later."""
    with inbox.read() as s:
        agent = _agent(s, agent_id)
        cust = _customer(s, agent, customer_id)
        rows = s.scalars(
            select(AuditLog)
            .where(AuditLog.action == MERGED, AuditLog.target == f"customer:{cust.id}")
            .order_by(AuditLog.id.desc())
        )
        return {
            "customer_id": cust.id,
            "merges": [
                {
                    "merge_id": a.id,
                    "other_id": a.details["other_id"],
                    "by": a.agent_id,
                    "at": iso(a.at),
                    "moved": {k: len(v) for k, v in a.details["moved"].items()},
                    "undone_at": a.details.get("undone_at"),
                }
                for a in rows
            ],
        }
