"""The 202's wake-up of a lane on a real Redis (`web.celery_app.LaneDispatch`): one push per lane
while its flag is set, and the script still runs on a Redis that forgot it (restart, SCRIPT
FLUSH): the bare EVALSHA falls back to EVAL once."""

from __future__ import annotations

import pytest
import redis

from tests.conftest import REDIS_URL, SERVICES
from web.celery_app import WAKE_KEY, LaneDispatch, flag_key

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not SERVICES, reason="needs MURMUR_TEST_SERVICES=1"),
]


@pytest.fixture
def flags() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(WAKE_KEY, *(flag_key(7, lane) for lane in range(4)))
    yield client
    client.delete(WAKE_KEY, *(flag_key(7, lane) for lane in range(4)))


def test_a_lane_is_pushed_once_while_its_flag_is_set(flags):
    wake = LaneDispatch(REDIS_URL)
    wake(7, (1, 2))
    wake(7, (2, 3))  # lane 2's drain is pending: not pushed again
    assert flags.lrange(WAKE_KEY, 0, -1) == [b"7:1", b"7:2", b"7:3"]
    assert 0 < flags.ttl(flag_key(7, 1)) <= 30


def test_a_redis_that_forgot_the_script_still_wakes_the_lane(flags):
    wake = LaneDispatch(REDIS_URL)
    flags.script_flush()
    wake(7, (0,))
    assert flags.lrange(WAKE_KEY, 0, -1) == [b"7:0"]
    flags.delete(flag_key(7, 0))
    wake(7, (0,))  # EVAL cached it: EVALSHA works again
    assert flags.lrange(WAKE_KEY, 0, -1) == [b"7:0", b"7:0"]
