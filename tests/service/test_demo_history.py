"""The demo's history: English, Chinese and Thai over the period, every message once (however
often it is seeded), a storm the dashboard shows and the spike detector flags."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from inbox.channels.demo import seed_defaults
from inbox.channels.demo_history import PREFIX, SPIKE_POSTS, seed_history, storm_checks
from inbox.insights.spikes_service import check_at
from inbox.store.models import Conversation, ConversationLabel, Message, SpikeAlert

NOW = datetime(2026, 3, 18, 9, 30, tzinfo=UTC)


def test_history_is_multilingual_once_only_and_its_storm_raises_one_alert(inbox, clock):
    clock.now_value = NOW
    seed_defaults(inbox)
    stored = seed_history(inbox, NOW, days=10)
    assert stored > 200
    assert seed_history(inbox, NOW, days=10) == 0  # idempotent: nothing stored twice
    with inbox.read() as s:
        rows = s.execute(
            select(Message.created_at, Message.language, Message.sentiment_label, Conversation.channel)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.external_id.like(f"{PREFIX}%"))
        ).all()
        assert len(rows) == stored
        assert s.scalar(select(func.count()).select_from(ConversationLabel)) > 0  # topics for the chart
        open_old = s.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.status != "resolved", Conversation.created_at < NOW - timedelta(hours=7))
        )
        assert open_old == 0  # the team's past work is done; only the last hours wait in the queue
    languages = Counter(r.language for r in rows)
    assert {"en", "zh-Hans", "zh-Hant", "th"} <= set(languages)
    assert {r.sentiment_label for r in rows} == {"positive", "neutral", "negative"}
    assert min(r.created_at for r in rows) < NOW - timedelta(days=9) and max(r.created_at for r in rows) < NOW
    # The storm: the busiest hours on X hold it, many times any ordinary hour.
    per_hour = Counter(
        r.created_at.replace(minute=0, second=0, microsecond=0) for r in rows if r.channel == "x"
    )
    (top, top_n), (_, second_n), (_, third_n) = per_hour.most_common(3)
    assert top_n + second_n >= SPIKE_POSTS and top_n > 5 * third_n  # 45 minutes may span two hours
    assert check_at(inbox, "x", storm_checks(NOW))
    assert check_at(inbox, "x", storm_checks(NOW)) == []  # one alert per episode, however often run
    with inbox.read() as s:
        alerts = list(s.scalars(select(SpikeAlert)))
    assert len(alerts) == 1 and alerts[0].channel == "x"
    assert top <= alerts[0].bucket_start.astimezone(UTC) < top + timedelta(hours=2)
