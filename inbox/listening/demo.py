"""Demo listening data: a brand stream and a competitor stream with 90 days of mentions in English,
Chinese and Thai, and one visible spike (an app outage, twelve days ago).

The streams search no network (the demo runs offline); their mentions enter through the same
`store_found` path a poll uses, dated across the 90 days (their receipt time too, so the feed,
the summary and the alert rules see history, not one afternoon). Idempotent: a second run finds
the brand stream and adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from connectors.types import Author, InboundMessage
from inbox.listening.mentions import store_found
from inbox.store.context import Inbox
from inbox.store.models import Agent, ListeningStream, Team

DAYS = 90
SPIKE_DAYS_AGO = 12
BRAND = {
    "name": "Acme (brand)",
    "tag": "brand",
    "keywords": ["acme", "爱客美", "แอคมี"],
    "names": ("Acme", "爱客美", "แอคมี"),
}
RIVAL = {
    "name": "Globex (competitor)",
    "tag": "competitor",
    "keywords": ["globex", "格洛贝", "โกลเบ็กซ์"],
    "names": ("Globex", "格洛贝", "โกลเบ็กซ์"),
}

# (language, label, text with {b} for the brand's name in that language)
TEXTS: tuple[tuple[str, str, str], ...] = (
    ("en", "positive", "{b} latte is honestly the best part of my morning"),
    ("en", "positive", "Loving the new {b} app, ordering takes seconds"),
    ("en", "negative", "{b} app crashed again and charged me twice, awful"),
    ("en", "negative", "Waited 40 minutes at {b} today, terrible service"),
    ("en", "neutral", "Is {b} open on public holidays?"),
    ("en", "neutral", "{b} announced a new store near the station"),
    ("zh", "positive", "{b}的拿铁真好喝，推荐！"),
    ("zh", "negative", "{b}的app又闪退了，太失望了"),
    ("zh", "neutral", "{b}新店什么时候开业？"),
    ("th", "positive", "กาแฟ{b}อร่อยมาก ชอบมาก"),
    ("th", "negative", "แอป{b}ใช้ไม่ได้อีกแล้ว แย่มาก"),
    ("th", "neutral", "{b}เปิดกี่โมงคะ"),
)
OUTAGE = (
    ("en", "The {b} app is down and my order vanished, worst experience ever"),
    ("en", "{b} charged me three times during the outage, furious"),
    ("zh", "{b}的app崩溃了，订单全没了，太差了"),
    ("th", "แอป{b}ล่ม สั่งไม่ได้เลย แย่มาก"),
)
_INDEX = {"en": 0, "zh": 1, "th": 2}


def _post(rng: random.Random, ext: str, text: str, lang: str, at: datetime) -> InboundMessage:
    n = rng.randrange(1, 400)
    followers = rng.choice((40, 300, 1_200, 8_000, 25_000, 240_000))
    return InboundMessage(
        channel=rng.choice(("x", "mastodon", "bluesky", "reddit")),
        external_id=ext,
        thread_key=ext,
        author=Author(
            external_id=f"demo-{lang}-{n}",
            handle=f"{lang}_fan{n}",
            display_name=f"Fan {n}",
            followers=followers,
        ),
        text=text,
        created_at=at,
        language_hint=lang,
    )


def _stream(inbox: Inbox, team_id: int, spec: dict[str, Any], now: datetime) -> int:
    with inbox.unit_of_work() as uow:
        st = ListeningStream(
            team_id=team_id,
            name=spec["name"],
            tag=spec["tag"],
            query={
                "keywords": spec["keywords"],
                "hashtags": [],
                "phrases": [],
                "exclusions": ["hiring"],
                "languages": [],
            },
            alerts={"volume": True, "negative_share": 0.6, "keyword": None},
            enabled=True,
            created_at=now - timedelta(days=DAYS),
            updated_at=now - timedelta(days=DAYS),
        )
        uow.session.add(st)
        uow.session.flush()
        return st.id


def seed_listening_demo(inbox: Inbox, now: datetime) -> dict[str, Any]:
    """Create the two demo streams and their 90 days of mentions, unless they exist."""
    with inbox.read() as s:
        existing = s.scalar(select(ListeningStream.id).where(ListeningStream.name == BRAND["name"]))
        team_id = s.scalar(select(Team.id).order_by(Team.id))
        has_agents = s.scalar(select(Agent.id).limit(1))
    if existing is not None or team_id is None or has_agents is None:
        return {"created": False}
    rng = random.Random(19)
    specs = ((BRAND, 9), (RIVAL, 6))
    ids = {spec["tag"]: _stream(inbox, team_id, spec, now) for spec, _ in specs}
    total = 0
    for day in range(DAYS, 0, -1):  # day by day, both streams, so the feed interleaves them
        start = (now - timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)
        for spec, volume in specs:
            posts = []
            for i in range(rng.randint(volume // 2, volume + volume // 2)):
                lang, _label, text = rng.choice(TEXTS)
                at = start + timedelta(minutes=rng.randrange(8 * 60, 23 * 60))
                posts.append(
                    _post(
                        rng,
                        f"demo-{spec['tag']}-{day}-{i}",
                        text.format(b=spec["names"][_INDEX[lang]]),
                        lang,
                        at,
                    )
                )
            if spec is BRAND and day == SPIKE_DAYS_AGO:  # the outage: forty angry posts within an hour
                at = start + timedelta(hours=18)
                for i in range(40):
                    lang, text = OUTAGE[i % len(OUTAGE)]
                    posts.append(
                        _post(
                            rng,
                            f"demo-outage-{i}",
                            text.format(b=spec["names"][_INDEX[lang]]),
                            lang,
                            at + timedelta(seconds=80 * i),
                        )
                    )
            posts.sort(key=lambda p: p.created_at)
            received = posts[-1].created_at if posts else start
            total += store_found(replace(inbox, clock=lambda at=received: at), ids[spec["tag"]], posts).stored
    return {"created": True, "streams": ids, "mentions": total}
