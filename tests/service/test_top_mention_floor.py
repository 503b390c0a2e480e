"""The top-mention indexes hold only the strongly scored messages of their label (migration
0015_yearpath), and `reporting.top_messages` still returns exactly the five a sort of every
message of the period gives: from the index alone when five strong ones match (one statement),
through the period's time index when fewer do (a second statement), ties at the floor's own
score included, on both databases, with and without a channel or language filter."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from inbox.insights import reporting
from inbox.insights.reporting_filters import Filters
from inbox.store.models import Conversation, Message
from inbox.store.models.rollups import TOP_FLOOR
from tests.service.conftest import selects_run_by
from tests.service.test_rollups import T0, _channels, _run
from tests.service.test_top_mention_plans import PROGRAM

F = TOP_FLOOR
# scores on both sides of the floor, the floor itself (which the index holds) and ties
STRONG = [-1.0, -0.97, -F, -F, 1.0, 0.97, F, F]
MILD = [-F + 0.01, -0.3, -0.06, F - 0.01, 0.3, 0.06]


def _score(inbox, strong: int) -> None:
    """Give the inbound messages known scores: `strong` of each label at or past the floor."""
    rng = random.Random(strong)
    with inbox.unit_of_work() as uow:
        ids = uow.session.scalars(
            select(Message.id).where(Message.direction == "in").order_by(Message.id)
        ).all()
        rng.shuffle(ids)
        neg = [s for s in STRONG if s < 0]
        pos = [s for s in STRONG if s > 0]
        chosen = [neg[i % len(neg)] for i in range(strong)] + [pos[i % len(pos)] for i in range(strong)]
        chosen += [MILD[i % len(MILD)] for i in range(len(ids) - len(chosen))]
        for mid, score in zip(ids, chosen, strict=True):
            label = "negative" if score <= -0.05 else "positive" if score >= 0.05 else "neutral"
            uow.session.execute(
                update(Message).where(Message.id == mid).values(sentiment=score, sentiment_label=label)
            )


def _want(inbox, f: Filters, label: str) -> list[int]:
    """The period's top five of `label`, sorted here from every matching message."""
    with inbox.read() as s:
        rows = s.execute(
            select(Message.id, Message.sentiment, Message.created_at)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.direction == "in",
                Message.sentiment_label == label,
                Message.sentiment.is_not(None),
                Message.created_at >= f.start,
                Message.created_at < f.end,
                *([Conversation.channel == f.channel] if f.channel else []),
                *([Message.language == f.language] if f.language else []),
            )
        ).all()
    sign = 1 if label == "negative" else -1
    rows.sort(key=lambda r: (sign * r.sentiment, -r.created_at.timestamp(), -r.id))
    return [r.id for r in rows[: reporting.TOP]]


def test_the_indexes_hold_only_strong_scores(inbox, backend):
    with inbox.engine.connect() as conn:
        if backend == "sqlite":
            rows = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE name LIKE 'ix_messages_top_%'"
            ).all()
        else:
            rows = conn.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'ix_messages_top_%%'"
            ).all()
    defs = dict(rows)
    assert set(defs) == {"ix_messages_top_negative", "ix_messages_top_positive"}
    assert f"{-F}" in defs["ix_messages_top_negative"].replace("'", ""), defs
    assert f"{F}" in defs["ix_messages_top_positive"].replace("'", ""), defs


@pytest.mark.parametrize("strong", [9, 2, 0])
@pytest.mark.parametrize("days,channel,language", [(365, None, None), (365, "webhook", None), (30, None, "en"),
                                                   (2, None, None), (2, "mastodon", None)])  # fmt: skip
def test_top_messages_equal_a_recount(inbox, world, strong, days, channel, language):
    sup = world.agent("supervisor", teams=())
    _run(inbox, sup["id"], _channels(inbox), PROGRAM, [0])
    _score(inbox, strong)
    end = T0 + timedelta(days=2)
    f = Filters(end - timedelta(days=days), end, channel, language)
    for label in ("negative", "positive"):
        want = _want(inbox, f, label)
        got: list = []
        with inbox.read() as s:
            seen = selects_run_by(
                inbox, lambda s=s, g=got, k=label: g.extend(reporting.top_messages(s, f, k))
            )
        assert [m["id"] for m in got] == want, (label, strong)
        assert [m["sentiment"] for m in got] == sorted(
            (m["sentiment"] for m in got), reverse=label == "positive"
        )
        tops = [q for q, _ in seen if "FROM messages" in q and " LIMIT " in q]
        n_strong = sum(1 for m in got if abs(m["sentiment"]) >= F)
        if days <= 7:
            assert len(tops) == 1  # a short period is read by time, once
        elif n_strong == reporting.TOP:
            assert len(tops) == 1, tops  # five strong ones: the index alone answered
        else:
            assert len(tops) == 2, tops  # fewer: the period was read again by time
