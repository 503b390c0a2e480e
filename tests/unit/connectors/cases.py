"""One description per pulled HTTP channel, so the poller guarantees are tested on each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.standins import (
    BlueskyStandIn,
    FeedStandIn,
    MastodonStandIn,
    RedditStandIn,
    TelegramStandIn,
    XStandIn,
)


@dataclass(frozen=True)
class Case:
    kind: str
    standin: Callable[..., Any]  # (clock=...) -> StandIn
    settings: Callable[[Any], dict]  # standin -> settings
    secrets: dict
    seed: Callable[[Any, int], Any]  # (standin, n) -> None
    page_size: int  # items per page the adapter asks for (to check pagination happened)
    api_path: str  # the polled endpoint, for counting calls
    paged: bool = True  # False: one request returns everything new (feeds)


CASES: list[Case] = [
    Case(
        "mastodon",
        MastodonStandIn,
        lambda s: {"base_url": s.base_url, "page_size": 40, "timeout": 0.3},
        {"access_token": "mastodon-token"},
        lambda s, n: s.add_mentions(n, noise_every=9),
        40,
        "/api/v1/notifications",
    ),
    Case(
        "x",
        XStandIn,
        lambda s: {"base_url": s.base_url, "user_id": s.user_id, "page_size": 10, "timeout": 0.3},
        {"bearer_token": "x-token"},
        lambda s, n: s.add_mentions(n),
        10,
        "/mentions",
    ),
    Case(
        "bluesky",
        BlueskyStandIn,
        lambda s: {"base_url": s.base_url, "identifier": s.identifier, "page_size": 10, "timeout": 0.3},
        {"app_password": "app-pass-word"},
        lambda s, n: s.add_mentions(n),
        10,
        "listNotifications",
    ),
    Case(
        "reddit",
        RedditStandIn,
        lambda s: {
            "base_url": s.base_url,
            "auth_url": s.base_url,
            "client_id": s.client_id,
            "username": s.username,
            "page_size": 10,
            "timeout": 0.3,
        },
        {"client_secret": "csecret", "password": "hunter2"},
        lambda s, n: s.add_mentions(n),
        10,
        "/message/",
    ),
    Case(
        "telegram",
        TelegramStandIn,
        lambda s: {"base_url": s.base_url, "page_size": 10, "timeout": 0.3},
        {"bot_token": "123456:ABC-telegram"},
        lambda s, n: s.add_mentions(n),
        10,
        "getUpdates",
    ),
    Case(
        "rss",
        FeedStandIn,
        lambda s: {"url": s.url, "timeout": 0.3},
        {},
        lambda s, n: s.add_mentions(n),
        10,
        "/feed.xml",
        paged=False,
    ),
]
