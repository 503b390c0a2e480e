"""Ninety days of demo history, so the dashboard's first look means something.

Why: the live demo feed only fills the last minutes; a brand manager opening the dashboard on a
fresh install saw one day of data. This writes a quiet, weekly-rhythmic stream of mentions in
English, Chinese (both scripts) and Thai across six networks, with one visible crisis (a
battery complaint storm on X twenty hours ago: `storm_checks` gives the times at which
the spike detector should look at it, as the periodic job would have), topic labels set by demo rules, agents' response
and resolution times and CSAT/NPS answers. Every message enters through `inbox.ingest.ingest`
(scored, ranked, rules run) like any other; only the agents' past work on the old
conversations (resolved, answered, surveyed) is written directly, as there is no agent to do it.
Deterministic (a seeded random generator) and idempotent: a second run finds its messages and
stops. Listening streams come from `inbox.listening.demo` when that module exists.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import select, update

from connectors.types import Author, InboundMessage
from inbox import ingest as pipeline
from inbox.channels.accounts import create_channel
from inbox.store.context import Inbox
from inbox.store.models import ChannelAccount, Conversation, Message, Rule, SurveyResponse, Team

DAYS = 90
PREFIX = "hist-"
SPIKE_HOURS_AGO = 20  # the storm: 70 posts in 45 minutes, inside the default week's recent quarter
SPIKE_POSTS = 70
CHANNELS = ("x", "mastodon", "bluesky", "reddit", "telegram", "email")

# (language, polarity) -> whole sentences a customer would write about the Acme X2 headphones.
TEXTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("en", "positive"): (
        "Love my new X2 headphones, the sound is amazing and delivery was fast!",
        "Great support today, the agent fixed my pairing issue in two minutes. Thank you!",
        "The X2 battery lasts all week, really happy with this purchase.",
        "Best noise cancelling I have tried, thank you Acme.",
        "Shipping was quick and the packaging was lovely, great job.",
    ),
    ("en", "neutral"): (
        "Does the X2 work with the new phone update?",
        "What is the shipping time to Singapore for the X2?",
        "Is there a student discount on the X2 headphones?",
        "How do I change the language of the Acme app?",
    ),
    ("en", "negative"): (
        "My order still has not shipped after two weeks, this is terrible.",
        "The app keeps crashing when I try to pair my headphones. So frustrating.",
        "Charged twice for one order and nobody answers my emails. Awful service.",
        "The left earbud stopped working after a month, very disappointed.",
    ),
    ("zh-Hans", "positive"): (
        "耳机音质非常好，物流也很快，很满意！",
        "客服态度很好，很快就帮我解决了问题，谢谢！",
        "电池续航很强，用了一周才充电，推荐。",
    ),
    ("zh-Hans", "neutral"): (
        "请问这款耳机支持蓝牙5.3吗？",
        "发货到上海大概需要几天？",
    ),
    ("zh-Hans", "negative"): (
        "订单两周了还没发货，太失望了。",
        "应用一直闪退，根本连不上耳机，很生气。",
        "被重复扣款了，客服也不回复，太差了。",
    ),
    ("zh-Hant", "positive"): (
        "耳機音質很棒，出貨也很快，非常滿意！",
        "客服很有耐心，問題馬上解決了，謝謝！",
    ),
    ("zh-Hant", "neutral"): ("請問台灣有實體門市可以試聽嗎？",),
    ("zh-Hant", "negative"): (
        "等了兩個星期還沒收到貨，非常失望。",
        "耳機右耳沒有聲音，退貨流程又很麻煩，很糟糕。",
    ),
    ("th", "positive"): (
        "หูฟังเสียงดีมาก ส่งของเร็ว ประทับใจค่ะ",
        "พนักงานบริการดีมาก ช่วยแก้ปัญหาได้เร็ว ขอบคุณครับ",
        "แบตอึดมาก ใช้ได้ทั้งสัปดาห์ คุ้มค่าสุดๆ",
    ),
    ("th", "neutral"): (
        "หูฟังรุ่นนี้รองรับบลูทูธ 5.3 ไหมคะ",
        "ส่งไปเชียงใหม่ใช้เวลากี่วันครับ",
    ),
    ("th", "negative"): (
        "สั่งของสองอาทิตย์แล้วยังไม่ได้เลย แย่มาก",
        "แอปเด้งตลอด เชื่อมต่อหูฟังไม่ได้ ผิดหวังมาก",
        "โดนตัดเงินซ้ำสองครั้ง ติดต่อใครก็ไม่ได้ แย่มากค่ะ",
    ),
}
SPIKE_TEXTS = (
    "My X2 battery swelled and got hot while charging. This is dangerous, recall it now!",
    "X2 battery overheating again, the case is hot to touch. Terrible and unsafe.",
    "Another X2 with a hot swollen battery. Awful quality, I want a refund.",
    "X2耳机充电时电池发烫鼓包，太危险了！",
    "X2 แบตบวมและร้อนมากตอนชาร์จ อันตรายมาก แย่ที่สุด",
)
# Topics the demo rules label (sentiment by topic): name -> pattern over the text.
TOPICS = {
    "shipping": r"(?i)ship|deliver|order|发货|物流|出貨|收到貨|ส่ง",
    "battery": r"(?i)battery|charg|电池|充电|แบต",
    "billing": r"(?i)charged|refund|扣款|退貨|ตัดเงิน",
    "app": r"(?i)\bapp\b|pair|应用|แอป",
}
# (language, share of traffic)
LANGUAGES = (("en", 0.5), ("zh-Hans", 0.2), ("zh-Hant", 0.1), ("th", 0.2))
POLARITY = (("positive", 0.45), ("neutral", 0.3), ("negative", 0.25))


def _authors(rng: random.Random) -> list[tuple[str, Author]]:
    """A pool of 120 authors, each on one network, a few with a large audience (the influencers)."""
    out = []
    for i in range(120):
        followers = int(rng.paretovariate(1.1) * 80)
        if i < 4:
            followers = (2_400_000, 1_240_000, 356_000, 98_500)[i]
        out.append(
            (
                CHANNELS[i % len(CHANNELS)],
                Author(
                    external_id=f"{PREFIX}author-{i}",
                    handle=f"fan{i:03d}",
                    display_name=f"Fan {i}",
                    followers=followers,
                ),
            )
        )
    return out


def _pick(rng: random.Random, weights: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in weights], [w for _, w in weights])[0]


def history(now: datetime, days: int = DAYS, seed: int = 19) -> Iterator[InboundMessage]:
    """The demo's past: weekdays busier than weekends, afternoons busier than nights, and the
    battery storm of SPIKE_HOURS_AGO hours ago."""
    rng = random.Random(seed)
    authors = _authors(rng)
    start = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    n = 0
    for day in range(days):
        date = start + timedelta(days=day)
        per_day = rng.randint(28, 44) if date.weekday() < 5 else rng.randint(14, 24)
        stamps = sorted(
            date + timedelta(hours=rng.triangular(6, 23, 14), minutes=rng.random() * 59)
            for _ in range(per_day)
        )
        for at in stamps:
            if at >= now:
                continue
            n += 1
            lang = _pick(rng, LANGUAGES)
            text = rng.choice(TEXTS[(lang, _pick(rng, POLARITY))])
            channel, author = rng.choice(authors)
            ext = f"{PREFIX}{n:05d}"
            yield InboundMessage(
                channel=channel,
                external_id=ext,
                thread_key=ext,
                author=author,
                text=text,
                created_at=at,
                language_hint=lang,
                public=channel not in ("telegram", "email"),
            )
    peak = now - timedelta(hours=SPIKE_HOURS_AGO)
    x_authors = [a for a in authors if a[0] == "x"]
    for at in sorted(peak + timedelta(minutes=rng.random() * 45) for _ in range(SPIKE_POSTS)):
        n += 1
        text = rng.choice(SPIKE_TEXTS)
        lang = "zh-Hans" if "电池" in text else ("th" if "แบต" in text else "en")
        ext = f"{PREFIX}{n:05d}"
        _, author = rng.choice(x_authors)
        yield InboundMessage(
            channel="x",
            external_id=ext,
            thread_key=ext,
            author=author,
            text=text,
            created_at=at,
            language_hint=lang,
        )


def _topic_rules(inbox: Inbox) -> None:
    """Demo rules that label conversations by topic, so "sentiment by topic" has topics."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        for pos, (topic, pattern) in enumerate(TOPICS.items(), start=100):
            name = f"Topic: {topic}"
            if not s.scalar(select(Rule.id).where(Rule.name == name)):
                s.add(
                    Rule(
                        name=name,
                        position=pos,
                        trigger="message.created",
                        match="all",
                        conditions=[{"field": "message.text", "op": "matches", "value": pattern}],
                        actions=[{"type": "add_label", "label": topic}],
                    )
                )


def _agents_past_work(inbox: Inbox, now: datetime, rng: random.Random) -> None:
    """Answer, resolve and survey the conversations older than six hours as a team would have;
    the newer ones stay open for the live inbox. Messages count as received when posted."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        s.execute(
            update(Message)
            .where(Message.external_id.like(f"{PREFIX}%"))
            .values(received_at=Message.created_at)
        )
        rows = s.execute(
            select(Conversation, Message.created_at)
            .join(Message, Message.conversation_id == Conversation.id)
            .where(Message.external_id.like(f"{PREFIX}%"), Message.created_at < now - timedelta(hours=6))
            .order_by(Conversation.id)
        ).all()
        for c, started in rows:
            c.created_at = started  # the conversation began with its (back-dated) first message
            c.waiting_since = None
            first = c.created_at + timedelta(minutes=rng.lognormvariate(3.2, 0.8))
            c.first_response_at = first
            c.first_response_due_at = c.created_at + timedelta(hours=1)
            c.resolved_at = first + timedelta(hours=rng.lognormvariate(1.2, 1.0))
            c.resolution_due_at = c.created_at + timedelta(hours=24)
            c.status = "resolved"
            if rng.random() < 0.25:
                kind = "csat" if rng.random() < 0.6 else "nps"
                rating = (
                    rng.choices([1, 2, 3, 4, 5], [1, 1, 2, 4, 5])[0] if kind == "csat" else rng.randint(3, 10)
                )
                s.add(
                    SurveyResponse(
                        conversation_id=c.id,
                        customer_id=c.customer_id,
                        kind=kind,
                        token=secrets.token_urlsafe(24),
                        rating=rating,
                        sent_at=c.resolved_at,
                        answered_at=c.resolved_at + timedelta(hours=2),
                    )
                )


def storm_checks(now: datetime) -> tuple[datetime, ...]:
    """When the periodic spike job would have looked at the storm: just before it (quiet hours as
    the baseline), two hours into it, and now."""
    peak = now - timedelta(hours=SPIKE_HOURS_AGO)
    return (peak - timedelta(minutes=5), peak + timedelta(hours=2), now)


def seed_history(inbox: Inbox, now: datetime | None = None, days: int = DAYS) -> int:
    """Ingest the demo's past through the pipeline (once); returns how many messages were stored."""
    now = now or inbox.clock()
    with inbox.read() as s:
        if s.scalar(select(Message.id).where(Message.external_id == f"{PREFIX}00001")):
            return 0
        team_id = s.scalar(select(Team.id).where(Team.name == "Support"))
        account = s.scalar(select(ChannelAccount.id).where(ChannelAccount.name == "Demo history"))
    if account is None:
        channel, _ = create_channel(inbox, None, "webhook", "Demo history", {}, {}, team_id)
        account = channel["id"]
    _topic_rules(inbox)
    stored, batch = 0, []
    for m in history(now, days):
        batch.append(m)
        if len(batch) == 200:
            stored += pipeline.ingest(inbox, account, batch).stored
            batch = []
    if batch:
        stored += pipeline.ingest(inbox, account, batch).stored
    _agents_past_work(inbox, now, random.Random(7))
    try:  # the listening branch's streams, when that room exists
        from inbox.listening.demo import seed_listening_demo  # type: ignore[import-not-found]
    except ImportError:
        pass
    else:
        seed_listening_demo(inbox, now)
    return stored
