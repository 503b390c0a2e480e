"""CSAT and NPS surveys: a token per resolved conversation, a public answer, detractors reopen.

`send_surveys` (a periodic job) creates one `SurveyResponse` per configured kind
(`survey_kinds`, default csat and nps) for every conversation resolved in the
last `survey_window_days` (7) that has no survey sent since its resolution;
the answer link is `/survey/<token>`. With `survey_base_url` set, the link is
also sent to the customer as a reply through the outbox. The job holds the
`job:surveys` state lock, so two schedulers never send the same survey twice.

`answer` stores the rating against the conversation and its agent. A
detractor (NPS 0-6 or CSAT 1-2) reopens the conversation and emits
`conversation.escalated`, so someone calls the customer back.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from inbox.conversations.replies import queue_reply, reply_payload
from inbox.conversations.serialize import conversation_dict, iso
from inbox.customers.language import in_their_language, team_language
from inbox.insights.analytics.surveys import SurveyKind, classify_csat, classify_nps
from inbox.insights.reporting_service import is_detractor
from inbox.insights.spikes_service import lock_state
from inbox.store.context import Inbox
from inbox.store.errors import N_, Conflict, Invalid, NotFound
from inbox.store.events import conversation_rooms
from inbox.store.models import Conversation, ConversationLabel, Customer, Status, SurveyResponse

# what the customer is sent with the links; web.i18n.customer lists it for translation
INVITATION = "Thanks for contacting us. Would you tell us how we did? %(links)s"
QUESTIONS = {
    "csat": "How satisfied are you with the help you received?",
    "nps": "How likely are you to recommend us to a friend or colleague?",
}
SCALES = {"csat": range(1, 6), "nps": range(0, 11)}


def send_surveys(inbox: Inbox) -> int:
    """The periodic job: create survey tokens for newly resolved conversations; how many were created."""
    kinds = [SurveyKind(k).value for k in inbox.settings.get("survey_kinds", ("csat", "nps"))]
    if not kinds:
        return 0
    now = inbox.clock()
    since = now - timedelta(days=int(inbox.settings.get("survey_window_days", 7)))
    base_url = inbox.settings.get("survey_base_url")
    created = 0
    recent = select(Conversation).where(
        Conversation.status == Status.RESOLVED.value, Conversation.resolved_at >= since
    )
    with inbox.read() as s:  # nothing resolved lately: no write lock (nor job lock) needed
        if s.scalar(recent.with_only_columns(Conversation.id).limit(1)) is None:
            return 0
    with inbox.unit_of_work() as uow:
        s = uow.session
        lock_state(s, "job:surveys")
        convs = list(s.scalars(recent))
        if not convs:
            return 0
        sent: dict[int, list[Any]] = {}
        for r in s.scalars(
            select(SurveyResponse).where(SurveyResponse.conversation_id.in_([c.id for c in convs]))
        ):
            sent.setdefault(r.conversation_id, []).append(r)
        for conv in convs:
            if any(r.sent_at >= conv.resolved_at for r in sent.get(conv.id, [])):
                continue
            tokens = []
            for kind in kinds:
                token = secrets.token_urlsafe(24)
                s.add(
                    SurveyResponse(
                        conversation_id=conv.id,
                        customer_id=conv.customer_id,
                        agent_id=conv.assignee_id,
                        kind=kind,
                        token=token,
                        sent_at=now,
                    )
                )
                tokens.append(token)
                created += 1
            if base_url and conv.assignee_id is not None:
                links = " ".join(f"{base_url.rstrip('/')}/survey/{t}" for t in tokens)
                text, language = in_their_language(
                    inbox, conv.language, team_language(s, conv.team_id), INVITATION, links=links
                )
                msg, box = queue_reply(s, conv, text, conv.assignee_id, now, language=language)
                labels = sorted(
                    s.scalars(
                        select(ConversationLabel.label).where(ConversationLabel.conversation_id == conv.id)
                    )
                )
                summary = conversation_dict(conv, s.get(Customer, conv.customer_id), labels)
                uow.emit(
                    "message.created",
                    {"message": reply_payload(msg, box), "conversation": summary},
                    conversation_rooms(conv.team_id, conv.assignee_id, conv.id),
                )
    return created


def survey_page(inbox: Inbox, token: str) -> dict[str, Any]:
    """What the public page shows for a token (no customer data beyond the question), with the
    conversation's language and when it was resolved, so the page speaks and dates as the customer does."""
    with inbox.read() as s:
        r = s.scalar(select(SurveyResponse).where(SurveyResponse.token == token))
        if r is None:
            raise NotFound(N_("this survey link is not valid"))
        conv = s.get(Conversation, r.conversation_id)
        return {
            "kind": r.kind,
            "language": conv.language if conv else None,
            "team_language": team_language(s, conv.team_id) if conv else None,
            "resolved_at": conv.resolved_at if conv else None,
            "question": QUESTIONS[r.kind],
            "scale": list(SCALES[r.kind]),
            "answered": r.answered_at is not None,
            "rating": r.rating,
        }


def answer(inbox: Inbox, token: str, rating: int, comment: str = "") -> dict[str, Any]:
    """Store an answer once; a detractor reopens the conversation and escalates it."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        r = s.scalar(select(SurveyResponse).where(SurveyResponse.token == token).with_for_update())
        if r is None:
            raise NotFound(N_("this survey link is not valid"))
        if r.answered_at is not None:
            raise Conflict(N_("this survey was already answered"))
        try:
            (classify_nps if r.kind == "nps" else classify_csat)(rating)
        except ValueError as exc:
            raise Invalid(str(exc), "rating") from None
        now = inbox.clock()
        r.rating, r.comment, r.answered_at = rating, (comment or "").strip()[:4000], now
        detractor = is_detractor(r.kind, rating)
        if detractor:
            conv = s.get(Conversation, r.conversation_id)
            conv.status, conv.resolved_at, conv.updated_at = Status.OPEN.value, None, now
            s.flush()
            summary = conversation_dict(conv, s.get(Customer, conv.customer_id))
            rooms = conversation_rooms(conv.team_id, conv.assignee_id, conv.id)
            reason = f"survey detractor: {r.kind.upper()} {rating}" + (
                f" ({r.comment[:200]})" if r.comment else ""
            )
            uow.emit("conversation.updated", {"conversation": summary, "by": None}, rooms)
            uow.emit(
                "conversation.escalated",
                {"conversation": summary, "reason": reason, "survey_id": r.id, "answered_at": iso(now)},
                rooms,
            )
        return {"kind": r.kind, "rating": rating, "detractor": detractor}
