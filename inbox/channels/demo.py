"""Demo data for a first run: a team, agents, the default rules and the demo channel.

Idempotent: running it twice changes nothing the second time.
"""

from __future__ import annotations

from sqlalchemy import select

from inbox.admin import agents
from inbox.channels.accounts import create_channel
from inbox.store.context import Inbox
from inbox.store.models import Agent, CannedResponse, ChannelAccount, Label, Rule, Team

DEMO_LOGIN = ("demo@murmur.local", "murmur-demo")
# Every role a newcomer should try, with the same demo password: what each sees differs (the
# agent works the inbox, the supervisor adds reports and rules, the admin adds the console).
DEMO_LOGINS: tuple[tuple[str, str], ...] = (
    ("supervisor", DEMO_LOGIN[0]),
    ("agent", "somchai@murmur.local"),
    ("admin", "admin@murmur.local"),
)
# The demo feed starts over with fresh ids when its file ends, so the queue stays alive until stopped.
DEMO_SETTINGS = {"batch_size": 2, "max_pages": 1, "loop": True}

DEFAULT_RULES = [
    {
        "name": "Angry VIP",
        "trigger": "message.created",
        "match": "all",
        "conditions": [
            {"field": "message.sentiment_label", "op": "eq", "value": "negative"},
            {"field": "customer.vip", "op": "eq", "value": True},
        ],
        "actions": [{"type": "set_priority", "value": 90}, {"type": "add_label", "label": "urgent"}],
    },
    {
        "name": "Angry author with a big audience",
        "trigger": "message.created",
        "match": "all",
        "conditions": [
            {"field": "message.sentiment_label", "op": "eq", "value": "negative"},
            {"field": "author.followers", "op": "gte", "value": 10000},
        ],
        "actions": [{"type": "set_priority", "value": 85}, {"type": "add_label", "label": "urgent"}],
    },
    {
        "name": "Legal threat",
        "trigger": "message.created",
        "match": "all",
        "conditions": [
            {
                "field": "message.text",
                "op": "matches",
                "value": r"(?i)\b(lawyer|attorney|legal action|lawsuit|sue you|chargeback|consumer protection)\b"
                r"|律师|律師|起诉|起訴|ทนาย|ฟ้อง",
            }
        ],
        "actions": [
            {"type": "set_priority", "value": 90},
            {"type": "add_label", "label": "legal"},
            {"type": "escalate", "to": "supervisor"},
        ],
    },
]


def seed_defaults(inbox: Inbox) -> None:
    """Rules and labels every workspace starts with (also used by the tests)."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        for pos, rule in enumerate(DEFAULT_RULES):
            if not s.scalar(select(Rule.id).where(Rule.name == rule["name"])):
                s.add(Rule(position=pos, **rule))
        for name, color in (
            ("urgent", "#c92a2a"),
            ("escalated", "#e67700"),
            ("legal", "#862e9c"),
            ("refund", "#1971c2"),
        ):
            if not s.scalar(select(Label.id).where(Label.name == name)):
                s.add(Label(name=name, color=color))


def seed_demo(inbox: Inbox, poll_interval_seconds: int = 5) -> dict:
    """Everything `make run` needs to show a living inbox."""
    seed_defaults(inbox)
    with inbox.read() as s:
        have_agent = s.scalar(select(Agent.id).where(Agent.email == DEMO_LOGIN[0]))
        channel_id = s.scalar(select(ChannelAccount.id).where(ChannelAccount.kind == "demo"))
    if not have_agent:
        agents.create_agent(
            inbox,
            DEMO_LOGIN[0],
            DEMO_LOGIN[1],
            role="supervisor",
            name="Dana (demo)",
            teams=["Support"],
            languages=["en", "zh-Hans", "zh-Hant", "th"],
        )
        agents.create_agent(
            inbox,
            "somchai@murmur.local",
            DEMO_LOGIN[1],
            role="agent",
            name="Somchai",
            teams=["Support"],
            languages=["th", "en"],
        )
        agents.create_agent(
            inbox,
            "mei@murmur.local",
            DEMO_LOGIN[1],
            role="agent",
            name="Mei",
            teams=["Support"],
            languages=["zh-Hans", "zh-Hant", "en"],
        )
        agents.create_agent(
            inbox, "admin@murmur.local", DEMO_LOGIN[1], role="admin", name="Alex (admin)", teams=["Support"]
        )
    with inbox.unit_of_work() as uow:
        s = uow.session
        for shortcut, text in (
            ("thanks", "Thanks for reaching out, {name}! We're on it."),
            (
                "refund",
                "Hi {name}, I'm sorry about this. I've started your refund; you'll see it in 3-5 days.",
            ),
            ("dm", "Hi {name}, could you send us a direct message with your order number?"),
        ):
            if not s.scalar(select(CannedResponse.id).where(CannedResponse.shortcut == shortcut)):
                s.add(CannedResponse(shortcut=shortcut, text=text))
        team_id = s.scalar(select(Team.id).where(Team.name == "Support"))
    if not channel_id:
        channel, _ = create_channel(
            inbox,
            None,
            "demo",
            "Demo feed",
            dict(DEMO_SETTINGS),
            {},
            team_id,
            poll_interval_seconds,
        )
        channel_id = channel["id"]
    else:
        _keep_looping(inbox, channel_id)
    return {
        "channel_id": channel_id,
        "login": DEMO_LOGIN,
        "logins": [{"role": role, "email": email, "password": DEMO_LOGIN[1]} for role, email in DEMO_LOGINS],
    }


def _keep_looping(inbox: Inbox, channel_id: int) -> None:
    """A demo channel made before the feed looped (it stopped after one pass) loops from now on."""
    with inbox.unit_of_work() as uow:
        ch = uow.session.get(ChannelAccount, channel_id)
        if ch is not None and not (ch.settings or {}).get("loop"):
            ch.settings = {**(ch.settings or {}), "loop": True}
