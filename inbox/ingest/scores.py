"""The batch's sentiment step: every message scored as `ingest` stores it, and the cues its
conversation is ranked on. Listening mentions share it (`score_batch`), so a mention and the
conversation it may become never disagree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

import sentiment
from connectors.types import InboundMessage
from inbox import sentiment_models
from inbox.conversations import ranking


def scores(fresh: list[InboundMessage]) -> tuple[list[sentiment.Score], dict[int, tuple[str, ...]]]:
    """Every message's score, and the urgency cues of each thread's newest message (what its
    conversation is ranked on), computed one script at a time and put back in order: each
    language's scorer walks its own large tables (the Chinese gram weights, newmm's dictionary
    and the Thai word weights), which stay in the CPU's caches for a run of same-script messages
    and not for a mix."""
    out: list[Any] = [None] * len(fresh)
    cues: dict[int, tuple[str, ...]] = {}
    newest = set({m.thread_key: i for i, m in enumerate(fresh)}.values())
    for i in sorted(range(len(fresh)), key=lambda i: sentiment.script_of(fresh[i].text)):
        m = fresh[i]
        score = out[i] = sentiment.score(m.text, m.language_hint)
        if i in newest:
            cues[i] = ranking.urgency_terms(m.text, score.language)
    return out, cues


def score_batch(
    s: Session, team_id: int | None, messages: Sequence[InboundMessage]
) -> tuple[list[sentiment.Score], str]:
    """Each message's sentiment exactly as `ingest` scores it (the same scorers, the team's
    calibration when one is switched on), and the scorer's name. Listening mentions are scored
    here, so a mention and the conversation it may become never disagree."""
    found, _ = scores(list(messages))
    return sentiment_models.calibrate_batch(s, team_id, found)
