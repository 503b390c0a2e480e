"""WeChat's access token shared through real Redis (scaled mode): processes that need it at once
fetch one token between them, and a refresh by one is what the others then use."""

from __future__ import annotations

import threading

import pytest
import redis

from connectors.types import OutboundReply
from connectors.wechat import WeChatConnector
from inbox.channels.tokens import RedisTokens
from tests.conftest import REDIS_URL, SERVICES
from tests.standins.wechat import WeChatStandIn

pytestmark = [pytest.mark.services, pytest.mark.skipif(not SERVICES, reason="needs MURMUR_TEST_SERVICES=1")]


def _connector(stand: WeChatStandIn) -> WeChatConnector:
    c = WeChatConnector(
        {"base_url": stand.base_url, "app_id": stand.app_id, "timeout": 5.0},
        {"token": stand.token, "app_secret": stand.app_secret},
    )
    c.tokens = RedisTokens(REDIS_URL)  # each "process" its own Redis connection
    return c


def test_six_processes_fetch_one_token_and_share_a_refresh():
    redis.Redis.from_url(REDIS_URL).delete("murmur:token:wechat:wx5823bf96d3bd56c7")
    with WeChatStandIn() as stand:
        conns = [_connector(stand) for _ in range(6)]
        barrier = threading.Barrier(len(conns))

        def first_use(c: WeChatConnector) -> None:
            barrier.wait()
            c.access_token()

        threads = [threading.Thread(target=first_use, args=(c,)) for c in conns]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert stand.tokens_issued == 1
        assert len({c.access_token() for c in conns}) == 1
        # the platform invalidates it: the first sender refreshes, the next one uses that token
        stand.text_xml(openid="oUser9")
        stand.expire_tokens()
        conns[0].send_reply(OutboundReply("wechat", "wx:oUser9", "一", public=False))
        conns[1].send_reply(OutboundReply("wechat", "wx:oUser9", "二", public=False))
        assert stand.tokens_issued == 2 and len(stand.sent) == 2
