"""Influencers by reach through the large-level path (`reach._large_level`: a level's writers
looked up by id, a growing chunk at a time, then the whole level): with every level "large" and
tiny chunks, the top authors still equal a recount, whether the first chunk fills the places, a
later one does, or the level is read whole. Both databases."""

from __future__ import annotations

import pytest

from inbox.insights import rollups
from inbox.insights.dashboard_rollups import month_cache, reach
from tests.service.test_author_service_rollups import _check_reads
from tests.service.test_month_cache import HI, LO, _ingest
from tests.service.test_rollups import _channels


@pytest.mark.parametrize("chunks", [(1,), (1, 2), (2, 3, 50), (50,)])
def test_large_levels_give_the_recount(database_url, inbox, world, monkeypatch, chunks):
    month_cache.clear()
    monkeypatch.setattr(reach, "SMALL_LEVEL", 0)
    monkeypatch.setattr(reach, "CHUNKS", chunks)
    sup = world.agent("supervisor", teams=())
    channels = _channels(inbox)
    serial = [0]
    # twelve authors on three follower levels (0, 100, 200), with different message counts
    items = [(a, a % 7, 5 + 3 * k) for a in range(12) for k in range(1 + a % 4)]
    _ingest(inbox, sup, channels, items, serial)
    _check_reads(inbox, LO, HI)  # pending
    rollups.fold(inbox)
    _check_reads(inbox, LO, HI)  # folded, months summed
    _check_reads(inbox, LO, HI)  # warm
