"""Loopback stand-ins for each network's HTTP API, reusable by unit, service and bench code.

Every class is a context manager serving the documented shapes on 127.0.0.1 with an
ephemeral port, with fault injection (`fail_next`, `rate_limit_next`, `slow_next`,
`malformed_next`) and a request log (`requests`, `calls(path_part)`). Seed with
`add_mentions(n)`; pass `clock=` to agree with a fake clock on reset times.
"""

from tests.standins.base import Request, StandIn
from tests.standins.bluesky import BlueskyStandIn
from tests.standins.mastodon import MastodonStandIn
from tests.standins.meta import MetaStandIn
from tests.standins.reddit import RedditStandIn
from tests.standins.rss import FeedStandIn
from tests.standins.telegram import TelegramStandIn
from tests.standins.x import XStandIn

__all__ = [
    "BlueskyStandIn",
    "FeedStandIn",
    "MastodonStandIn",
    "MetaStandIn",
    "RedditStandIn",
    "Request",
    "StandIn",
    "TelegramStandIn",
    "XStandIn",
]
