"""RSS/Atom review and alert feeds for a listening stream: the channel feed reader, unchanged.

A feed is not searched by the network, so every new entry is handed on and the stream's
local query check (connectors.search.query) decides what is stored.
"""

from __future__ import annotations

from connectors.rss import RssConnector


class FeedSearch(RssConnector):
    """Every new entry of one feed (conditional GET, entry ids remembered in the cursor)."""
