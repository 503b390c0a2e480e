"""The adaptation job, the per-team switch, rollback, and scoring a batch through the switch.

Why re-score the corrected texts with the base scorer instead of storing the base score at
correction time: the correction overwrites the message's compound, and the base scorer is
deterministic, so its compound for the same text is the one the agent saw (or, after a base
model upgrade, the one the calibration will actually sit on top of, which is what it must learn).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

import sentiment
from inbox.store import settings_cache
from inbox.store.context import Inbox
from inbox.store.errors import N_, NotFound
from inbox.store.models import AuditLog, Conversation, Direction, Message, Team
from inbox.store.models.sentiment_models import SentimentCalibration
from sentiment import adapt

BASE = "base"
NEW_CORRECTIONS = 10  # the periodic job refits a team only after this many new corrections
MAX_SAMPLES = 2000  # the newest corrections (older ones describe an older way of reading); fits in ~20 s


def version_name(team_id: int, version: int) -> str:
    """The name a score records: "team<id>-v<n>"."""
    return f"team{team_id}-v{version}"


def _active(s: Session, team_id: int) -> SentimentCalibration | None:
    return s.scalar(
        select(SentimentCalibration).where(
            SentimentCalibration.team_id == team_id, SentimentCalibration.status == "active"
        )
    )


def calibrate_batch(
    s: Session, team_id: int | None, scores: Sequence[sentiment.Score]
) -> tuple[list[sentiment.Score], str]:
    """A batch's scores through its team's active calibration, and its name. Every ingest batch
    asks (a scaled drain of one message paid a round trip for it): the row is kept per process
    under the `calibration` token of `inbox.store.settings_cache`, which any write to
    `sentiment_calibrations` moves, so a new or rolled-back calibration is in force for the
    next batch in every process."""
    if team_id is None:
        return list(scores), BASE
    active = settings_cache.cached(
        s,
        settings_cache.CALIBRATION,
        team_id,
        lambda: s.connection().execute(_ACTIVE, {"team": team_id}).first(),
    )
    if active is None:
        return list(scores), BASE
    name = version_name(team_id, active.version)
    return [adapt.apply(active.params, sc, name) for sc in scores], name


_ACTIVE = select(SentimentCalibration.version, SentimentCalibration.params).where(
    SentimentCalibration.team_id == bindparam("team"), SentimentCalibration.status == "active"
)


def _samples(s: Session, team_id: int) -> list[adapt.Sample]:
    rows = s.execute(
        select(Message.text, Message.language, Message.sentiment_label)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.team_id == team_id,
            Message.direction == Direction.IN.value,
            Message.sentiment_corrected_by.is_not(None),
        )
        .order_by(Message.id.desc())
        .limit(MAX_SAMPLES)
    ).all()
    out = []
    for text, language, label in rows:
        base = sentiment.score(text, language)
        out.append(adapt.Sample(base.compound, base.language, label or "neutral"))
    return out


def _describe(c: SentimentCalibration) -> dict[str, Any]:
    return {
        "version": c.version,
        "model": version_name(c.team_id, c.version),
        "status": c.status,
        "figures": c.figures,
        "created_by": c.created_by,
        "created_at": c.created_at.isoformat(),
    }


def adapt_team(inbox: Inbox, team_id: int, agent_id: int | None = None) -> dict[str, Any]:
    """Fit a calibration on the team's corrections and switch to it only if it beats the base.

    Returns {"outcome": "too_few" | "rejected" | "activated", "corrections": n, ...figures}.
    """
    with inbox.read() as s:
        if s.get(Team, team_id) is None:
            raise NotFound(N_("team %(team_id)s not found"), "team_id", team_id=team_id)
        samples = _samples(s, team_id)
    candidate = adapt.fit(samples)
    if candidate is None:
        return {"outcome": "too_few", "corrections": len(samples), "needed": adapt.MIN_CORRECTIONS}
    figures = {
        "before_macro_f1": candidate.before,
        "after_macro_f1": candidate.after,
        "trained_on": candidate.trained_on,
        "held_back": candidate.held_back,
        "min_gain": adapt.MIN_GAIN,
        "corrections": len(samples),
    }
    with inbox.unit_of_work() as uow:
        s = uow.session
        latest = s.scalar(
            select(func.max(SentimentCalibration.version)).where(SentimentCalibration.team_id == team_id)
        )
        status = "active" if candidate.better else "rejected"
        if candidate.better:
            current = _active(s, team_id)
            if current is not None:
                current.status = "superseded"
                s.flush()
        row = SentimentCalibration(
            team_id=team_id,
            version=(latest or 0) + 1,
            status=status,
            params=candidate.params,
            figures=figures,
            created_by=agent_id,
            created_at=inbox.clock(),
        )
        s.add(row)
        s.add(
            AuditLog(
                agent_id=agent_id,
                action=f"sentiment.calibration_{status}",
                target=f"team:{team_id}",
                details={"version": row.version, **figures},
            )
        )
        s.flush()
        return {"outcome": "activated" if candidate.better else "rejected", "corrections": len(samples),
                **_describe(row)}  # fmt: skip


def adapt_all(inbox: Inbox) -> dict[int, str]:
    """The periodic job: a fitting for every team with enough corrections and at least
    NEW_CORRECTIONS new ones since its last fitting (so an idle team gets no new versions)."""
    with inbox.read() as s:
        counts = s.execute(
            select(Conversation.team_id, func.count(Message.id))
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.sentiment_corrected_by.is_not(None),
                Message.direction == Direction.IN.value,
                Conversation.team_id.is_not(None),
            )
            .group_by(Conversation.team_id)
        ).all()
        last = {
            team_id: figures.get("corrections", 0)
            for team_id, figures in s.execute(
                select(SentimentCalibration.team_id, SentimentCalibration.figures).order_by(
                    SentimentCalibration.version
                )
            )
        }
    return {
        team_id: adapt_team(inbox, team_id)["outcome"]
        for team_id, n in counts
        if n >= adapt.MIN_CORRECTIONS and (team_id not in last or n - last[team_id] >= NEW_CORRECTIONS)
    }


def calibrations(inbox: Inbox, team_id: int) -> dict[str, Any]:
    """The team's versions, newest first, with which one is in use and the corrections count."""
    with inbox.read() as s:
        if s.get(Team, team_id) is None:
            raise NotFound(N_("team %(team_id)s not found"), "team_id", team_id=team_id)
        rows = s.scalars(
            select(SentimentCalibration)
            .where(SentimentCalibration.team_id == team_id)
            .order_by(SentimentCalibration.version.desc())
        ).all()
        active = next((r for r in rows if r.status == "active"), None)
        return {
            "team_id": team_id,
            "in_use": version_name(team_id, active.version) if active else BASE,
            "min_corrections": adapt.MIN_CORRECTIONS,
            "versions": [_describe(r) for r in rows],
        }


def rollback(inbox: Inbox, team_id: int, agent_id: int | None = None) -> dict[str, Any]:
    """Undo the active calibration: the one it superseded comes back, or the base scorer.

    404 when the team has no calibration in use (nothing to roll back).
    """
    with inbox.unit_of_work() as uow:
        s = uow.session
        current = _active(s, team_id)
        if current is None:
            raise NotFound(
                N_("team %(team_id)s has no sentiment calibration in use"), "team_id", team_id=team_id
            )
        current.status = "rolled_back"
        s.flush()
        previous = s.scalar(
            select(SentimentCalibration)
            .where(
                SentimentCalibration.team_id == team_id,
                SentimentCalibration.status == "superseded",
                SentimentCalibration.version < current.version,
            )
            .order_by(SentimentCalibration.version.desc())
            .limit(1)
        )
        if previous is not None:
            previous.status = "active"
        in_use = version_name(team_id, previous.version) if previous else BASE
        s.add(
            AuditLog(
                agent_id=agent_id,
                action="sentiment.calibration_rolled_back",
                target=f"team:{team_id}",
                details={"version": current.version, "now": in_use},
            )
        )
        return {"team_id": team_id, "rolled_back": version_name(team_id, current.version), "in_use": in_use}
